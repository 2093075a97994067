"""The recurrent network with top-down connections, against numbers worked by hand and plain tensor maths."""

import json

import pytest
import torch
import torch.nn.functional as F

import ff_tutorial as ff
from ff_tutorial.goodness import ff_loss, goodness, symba_loss
from ff_tutorial.layer import make_optimizer
from ff_tutorial.recurrent import RecurrentFFNetwork, train_step, window_error
from ff_tutorial.recurrent_training import RecurrentEngine, train_recurrent


def zeroed(net):
    with torch.no_grad():
        for p in net.parameters():
            p.zero_()
    return net


def test_one_damped_update_matches_the_numbers_worked_by_hand():
    net = zeroed(RecurrentFFNetwork(hidden=[2, 2], iterations=1, damping=0.3, score_iterations=[1]))
    with torch.no_grad():
        net.up[0].weight[0, 0], net.up[0].weight[1, 1] = 1.0, 2.0
        net.up[0].bias.copy_(torch.tensor([0.1, -5.0]))
        net.down[0].weight.copy_(torch.eye(2))
        net.up[1].weight.copy_(torch.tensor([[0.0, 1.0], [1.0, 0.0]]))
        net.down[1].weight[0, 3], net.down[1].weight[1, 3] = 2.0, -1.0
    x = torch.zeros(1, 784)
    x[0, :2] = torch.tensor([3.0, 4.0])  # unit length: (0.6, 0.8)
    previous = [torch.tensor([[3.0, 4.0]]), torch.tensor([[0.0, 2.0]])]  # unit: (0.6, 0.8) and (0, 1)
    label = F.one_hot(torch.tensor([3]), 10).float()
    new = net.step(previous, ff.normalize(x), label)
    # Layer 0: up (0.6 + 0.1, 1.6 - 5) + down (0, 1) = (0.7, -2.4) -> relu (0.7, 0);
    #          0.3 * (3, 4) + 0.7 * (0.7, 0) = (1.39, 1.2).
    # Layer 1: up from (0.6, 0.8) swapped = (0.8, 0.6), + label 3's column (2, -1) = (2.8, -0.4) -> (2.8, 0);
    #          0.3 * (0, 2) + 0.7 * (2.8, 0) = (1.96, 0.6).
    torch.testing.assert_close(new[0], torch.tensor([[1.39, 1.2]]))
    torch.testing.assert_close(new[1], torch.tensor([[1.96, 0.6]]))


def test_the_top_down_input_is_the_normalized_activity_above_at_the_previous_step():
    torch.manual_seed(0)
    net = RecurrentFFNetwork(hidden=[3, 4], damping=0.3)
    with torch.no_grad():  # only the top-down weights into layer 0 are left
        for p in [*net.up.parameters(), net.down[1].weight]:
            p.zero_()
    W = net.down[0].weight.detach()
    h0, h1 = torch.rand(2, 3), torch.rand(2, 4) + 0.1
    x, label = torch.rand(2, 784), F.one_hot(torch.tensor([1, 7]), 10).float()
    above = h1 / h1.norm(dim=1, keepdim=True)
    expected = 0.3 * h0 + 0.7 * torch.relu(above @ W.T)
    torch.testing.assert_close(net.step([h0, h1], ff.normalize(x), label)[0], expected)
    # Only the direction above counts: ten times the activity gives the same input.
    torch.testing.assert_close(net.step([h0, 10 * h1], ff.normalize(x), label)[0], expected)


def test_each_layers_loss_reaches_only_its_own_weights_and_never_an_earlier_step():
    torch.manual_seed(0)
    net = RecurrentFFNetwork(hidden=[5, 4, 3])
    x = ff.normalize(torch.randn(6, 784))
    label = F.one_hot(torch.arange(6) % 10, 10).float()
    start = [h.clone().requires_grad_() for h in net.bottom_up(x)]
    first = net.step(start, x, label)
    second = net.step(first, x, label)
    for k in range(3):
        g = goodness(second[k])
        loss = ff_loss(g[:3], g[3:], 2.0)
        params = list(net.parameters())
        grads = torch.autograd.grad(loss, params + start + first, allow_unused=True)
        own = {id(p) for p in (*net.up[k].parameters(), net.down[k].weight)}
        for p, grad in zip(params, grads[:len(params)]):
            if id(p) in own:
                assert grad is not None and grad.abs().sum() > 0
            else:
                assert grad is None or not grad.any()
        assert all(grad is None for grad in grads[len(params):])  # nothing flows into the states read


def reference_goodness(net, x):
    """(N, T + 1, 10) by plain matrix products: one bottom-up pass, then damped synchronous updates."""
    up = [(layer.weight.detach(), layer.bias.detach()) for layer in net.up]
    down = [layer.weight.detach() for layer in net.down]
    unit = lambda v: v / (v.norm(dim=1, keepdim=True) + 1e-8)  # noqa: E731
    d, out = net.damping, torch.zeros(len(x), net.iterations + 1, 10)
    for label in range(10):
        y = torch.zeros(len(x), 10)
        y[:, label] = 1.0
        h, below = [], unit(x)
        for W, b in up:
            h.append(torch.relu(below @ W.T + b))
            below = unit(h[-1])
        out[:, 0, label] = sum(v.pow(2).mean(dim=1) for v in h)
        for t in range(1, net.iterations + 1):
            inputs_below = [unit(x)] + [unit(v) for v in h[:-1]]
            inputs_above = [unit(v) for v in h[1:]] + [y]
            h = [d * v + (1 - d) * torch.relu(b_in @ W.T + b + a_in @ V.T)
                 for v, (W, b), V, b_in, a_in in zip(h, up, down, inputs_below, inputs_above)]
            out[:, t, label] = sum(v.pow(2).mean(dim=1) for v in h)
    return out


def test_prediction_is_the_label_with_most_goodness_summed_over_the_chosen_iterations(small):
    x = small[0][:20]
    torch.manual_seed(1)
    net = RecurrentFFNetwork(hidden=[30, 20], iterations=6, score_iterations=[3, 4, 5])
    expected = reference_goodness(net, x)
    per_iteration = net.goodness_over_iterations(x)
    torch.testing.assert_close(per_iteration, expected)
    assert torch.allclose(per_iteration[:, 0], per_iteration[:, 0, :1])  # the bottom-up pass knows no label
    assert torch.equal(net.predict(x), expected[:, 3:6].sum(dim=1).argmax(dim=1))


def test_scoring_runs_only_to_the_last_scoring_step_and_gives_exactly_the_full_runs_scores(small):
    x = small[0][:20]
    torch.manual_seed(3)
    net = RecurrentFFNetwork(hidden=[30, 20], iterations=8, score_iterations=[1, 2])
    full = net.goodness_over_iterations(x)
    assert torch.equal(net.trajectory(x, 2), full[:, :3])  # the later steps change nothing before them
    assert torch.equal(net.scores(x), full[:, [1, 2]].sum(dim=1))
    calls = []
    net.step = lambda *args: calls.append(1) or RecurrentFFNetwork.step(net, *args)
    net.scores(x)
    assert len(calls) == 2  # two steps, not eight (one chunk: all 20 images with every label)


def test_a_window_of_steps_predicts_the_label_with_most_goodness_summed_over_it():
    # two images, steps 0-2, three labels: image 0's label 2 leads at step 1, label 0 over steps 1-2
    trajectories = torch.tensor([[[1., 1., 1.], [0., 1., 3.], [5., 0., 0.]],
                                 [[1., 1., 1.], [0., 4., 0.], [0., 4., 0.]]])
    y = torch.tensor([0, 1])
    assert window_error(trajectories, y, [1]) == 0.5   # image 0 is wrong at step 1 alone
    assert window_error(trajectories, y, [1, 2]) == 0.0
    assert window_error(trajectories, y, range(1, 3)) == 0.0
    for steps in ([], [3], [-1], [1.0]):
        with pytest.raises(ValueError, match="steps from 0 to 2"):
            window_error(trajectories, y, steps)


def test_a_saved_network_loads_back_and_answers_the_same(small, tmp_path):
    x = small[0][:30]
    torch.manual_seed(2)
    net = RecurrentFFNetwork(hidden=[20, 10], iterations=5, damping=0.4, score_iterations=[2, 3], threshold=0.5)
    path = ff.save(net, tmp_path / "recurrent.pt")
    loaded = ff.load(path)
    assert isinstance(loaded, RecurrentFFNetwork) and loaded.config == net.config
    assert torch.equal(loaded.goodness_over_iterations(x), net.goodness_over_iterations(x))
    assert torch.equal(loaded.predict(x), net.predict(x))


@pytest.mark.parametrize("settings", [dict(damping=1.0), dict(iterations=4, score_iterations=[5]),
                                      dict(score_iterations=[]), dict(hidden=[]), dict(optimizer="rmsprop"),
                                      dict(loss="mse"), dict(symba_alpha=-1.0), dict(weight_decay=-0.1),
                                      dict(dropout=1.0), dict(dropout=-0.2)])
def test_settings_that_cannot_work_are_refused(settings):
    with pytest.raises(ValueError):
        RecurrentFFNetwork(**settings)


def test_each_layer_learns_from_the_symmetric_loss_unless_the_ff_loss_is_asked_for():
    g_pos, g_neg = torch.tensor([0.5, 0.2, 0.9]), torch.tensor([0.4, 0.3, 0.1])
    default = RecurrentFFNetwork(hidden=[4])
    assert (default.config.loss, default.config.symba_alpha) == ("symba", 100.0)
    # softplus(-alpha * (g_pos - g_neg)), averaged: worked out with plain tensor maths
    expected = torch.log1p(torch.exp(-100.0 * (g_pos - g_neg))).mean()
    torch.testing.assert_close(default.layer_loss(g_pos, g_neg), expected)
    torch.testing.assert_close(default.layer_loss(g_pos, g_neg), symba_loss(g_pos, g_neg, 100.0))
    paper = RecurrentFFNetwork(hidden=[4], loss="ff", threshold=0.3)
    torch.testing.assert_close(paper.layer_loss(g_pos, g_neg), ff_loss(g_pos, g_neg, 0.3))


def test_the_small_experiment_writes_a_named_file_and_never_replaces_one(tmp_path, monkeypatch, capsys):
    from experiments import recurrent_small
    monkeypatch.setattr(recurrent_small, "RESULTS", tmp_path)
    argv = ["--hidden", "10,10", "--train-size", "200", "--validation-size", "200", "--epochs", "1",
            "--negatives", "wrong", "--loss", "ff", "--cooldown", "--name", "tiny"]
    assert recurrent_small.main(argv) == 0
    record = json.loads((tmp_path / "tiny.json").read_text())
    assert record["config"]["loss"] == "ff" and len(record["validation_error"]) == 1
    assert record["cooldown"] is True
    assert record["command"] == "python -m experiments.recurrent_small " + " ".join(argv)
    # every step and window is measured on the same validation images: the paper's window is the
    # network's own scoring, whose error the last epoch reported
    assert len(record["step_error"]) == 9 and list(record["window_error"]) == ["1-1", "1-2", "1-3", "2-4", "3-5", "1-8"]
    assert record["window_error"]["3-5"] == record["validation_error"][-1]
    assert record["window_error"]["1-1"] == record["step_error"][1]
    before = (tmp_path / "tiny.json").read_bytes()
    with pytest.raises(SystemExit) as exit:  # refused before any training
        recurrent_small.main(argv)
    assert exit.value.code == 2 and "exists already" in capsys.readouterr().err
    assert (tmp_path / "tiny.json").read_bytes() == before


def test_the_small_experiment_writes_into_out_when_given_and_nowhere_else(tmp_path, monkeypatch):
    """A timing on a new machine (the GPU session's) is kept apart from the book's runs."""
    from experiments import recurrent_small
    book = tmp_path / "book-runs"
    book.mkdir()
    monkeypatch.setattr(recurrent_small, "RESULTS", book)
    argv = ["--hidden", "10,10", "--train-size", "100", "--validation-size", "100", "--epochs", "1",
            "--negatives", "wrong", "--no-progress", "--name", "elsewhere", "--out", str(tmp_path / "session")]
    assert recurrent_small.main(argv) == 0
    assert json.loads((tmp_path / "session" / "elsewhere.json").read_text())["epochs"] == 1
    assert list(book.iterdir()) == []


def test_the_small_experiment_shows_its_progress_unless_told_not_to(tmp_path, monkeypatch, capsys):
    """A run of all the images takes minutes an epoch: a bar over the epochs says how far it is."""
    from experiments import recurrent_small
    monkeypatch.setattr(recurrent_small, "RESULTS", tmp_path)
    argv = ["--hidden", "10,10", "--train-size", "100", "--validation-size", "100", "--epochs", "2",
            "--negatives", "wrong"]
    assert recurrent_small.main(argv + ["--name", "shown"]) == 0
    shown = capsys.readouterr().err
    assert "recurrent FF" in shown and "2/2" in shown
    assert recurrent_small.main(argv + ["--name", "quiet", "--no-progress"]) == 0
    assert "recurrent FF" not in capsys.readouterr().err


def test_the_final_run_looks_at_the_test_set_once_for_all_its_seeds(tmp_path, monkeypatch, capsys, mnist):
    """--final trains one network per seed on the training images and only then measures them on
    the test set: one look in the ledger, naming every network; the same run again adds none."""
    from experiments import recurrent_small
    monkeypatch.setattr(recurrent_small, "RESULTS", tmp_path)
    ledger = tmp_path / "looks.jsonl"
    monkeypatch.setenv("FF_TUTORIAL_LEDGER", str(ledger))
    argv = ["--final", "--seeds", "0,1", "--hidden", "10,10", "--train-size", "300", "--epochs", "1",
            "--negatives", "wrong", "--cooldown", "--name", "final-tiny", "--checkpoint", str(tmp_path / "net.pt")]
    assert recurrent_small.main(argv) == 0
    record = json.loads((tmp_path / "final-tiny.json").read_text())
    looks = [json.loads(line) for line in ledger.read_text().splitlines()]
    assert len(looks) == 1 and len(looks[0]["networks"]) == 2 and record["ledger_look"] == 1
    assert looks[0]["track"] == "permutation-invariant" and looks[0]["kind"] == "final"
    # the run names the recipe, down to the loss's sharpness (two recipes may differ only there)
    assert looks[0]["run"] == ("recurrent, top-down (2x10, 1 epoch, cool-down, symmetric loss of sharpness 100, "
                               "300 images, seeds 0,1)")
    assert record["seeds"] == [0, 1] and record["train_size"] == 300
    # each seed's error is its saved network's, measured again on the test set with its own read-out
    for seed, error in zip([0, 1], record["test_error"]):
        net = ff.load(tmp_path / f"net-seed{seed}.pt")
        assert net.error_rate(mnist.x_test, mnist.y_test) == error
    assert looks[0]["test_error"] == round(sum(record["test_error"]) / 2, 6)
    assert "validation_error" not in record and "window_error" not in record  # one read-out, no other
    capsys.readouterr()
    again = argv[:argv.index("--name")] + ["--name", "final-tiny-again"]
    assert recurrent_small.main(again) == 0  # the same weights again: a re-measurement, not a look
    assert len(ledger.read_text().splitlines()) == 1
    decayed = argv[:argv.index("--name")] + ["--weight-decay", "0.1", "--dropout", "0.2",
                                             "--name", "final-tiny-decayed"]
    assert recurrent_small.main(decayed) == 0  # another recipe: a look of its own, named down to its decay
    looks = [json.loads(line) for line in ledger.read_text().splitlines()]
    assert len(looks) == 2 and looks[1]["run"] == (
        "recurrent, top-down (2x10, 1 epoch, cool-down, symmetric loss of sharpness 100, weight decay 0.1, "
        "dropout 0.2, 300 images, seeds 0,1)")


@pytest.mark.slow
def test_a_final_run_stopped_between_seeds_goes_on_from_the_kept_networks(tmp_path, monkeypatch, capsys):
    """With --resume DIR a final run keeps each seed's network once trained: stopped during a later
    seed, nothing is looked at; the same command again trains only the seeds not kept, looks once,
    and ends with the very networks of a run taken in one sitting."""
    from experiments import recurrent_small
    monkeypatch.setattr(recurrent_small, "RESULTS", tmp_path)
    monkeypatch.setenv("FF_TUTORIAL_LEDGER", str(tmp_path / "looks.jsonl"))
    real, trained = recurrent_small.train_recurrent, []

    def stopped_at_seed_1(*args, **kwargs):  # as Ctrl-C during the second seed's training
        history = real(*args, **kwargs)
        trained.append(history)
        history.interrupted = len(trained) == 2
        return history

    recipe = ["--final", "--seeds", "0,1", "--hidden", "10,10", "--train-size", "300", "--epochs", "1",
              "--negatives", "wrong", "--no-progress"]
    argv = recipe + ["--resume", str(tmp_path / "kept"), "--checkpoint", str(tmp_path / "two.pt"),
                     "--name", "two-sittings"]
    monkeypatch.setattr(recurrent_small, "train_recurrent", stopped_at_seed_1)
    assert recurrent_small.main(argv) == 1
    assert "give the same command to go on" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == ["seed-0.json", "seed-0.pt"]
    assert not (tmp_path / "looks.jsonl").exists() and not (tmp_path / "two-sittings.json").exists()

    # another recipe is refused before any training, and the kept network is left as it was
    trained.clear()
    with pytest.raises(SystemExit) as exit:
        recurrent_small.main([a if a != "1" else "2" for a in argv])  # --epochs 2
    assert exit.value.code == 2 and "differs from this one in epochs" in capsys.readouterr().err
    assert trained == [] and (tmp_path / "kept" / "seed-0.pt").exists()

    monkeypatch.setattr(recurrent_small, "train_recurrent", real)
    assert recurrent_small.main(argv) == 0
    assert "seed 0: trained in an earlier sitting" in capsys.readouterr().out
    record = json.loads((tmp_path / "two-sittings.json").read_text())
    assert record["ledger_look"] == 1 and record["trained_in_an_earlier_sitting"] == [0]
    assert list((tmp_path / "kept").iterdir()) == []  # the run is whole: nothing left to go on from

    # the same recipe in one sitting (another ledger: a look of its own) gives the same networks
    monkeypatch.setenv("FF_TUTORIAL_LEDGER", str(tmp_path / "other-looks.jsonl"))
    assert recurrent_small.main(recipe + ["--checkpoint", str(tmp_path / "one.pt"), "--name", "one-sitting"]) == 0
    assert json.loads((tmp_path / "one-sitting.json").read_text())["test_error"] == record["test_error"]
    for seed in (0, 1):
        one, two = ff.load(tmp_path / f"one-seed{seed}.pt"), ff.load(tmp_path / f"two-seed{seed}.pt")
        for (name, a), b in zip(one.state_dict().items(), two.state_dict().values()):
            assert torch.equal(a, b), name
    with pytest.raises(SystemExit) as exit:
        recurrent_small.main(["--resume", str(tmp_path / "kept"), "--name", "no"])
    assert exit.value.code == 2 and "--resume goes with --final" in capsys.readouterr().err


def test_a_tiny_network_learns_mnist_in_two_epochs(mnist):
    x, y = mnist.x_train[:2000], mnist.y_train[:2000]
    x_held_out, y_held_out = mnist.x_test[:1000], mnist.y_test[:1000]
    torch.manual_seed(0)
    net = RecurrentFFNetwork(hidden=[100, 100], iterations=6, threshold=0.1, lr=0.01)
    history = train_recurrent(net, x, y, epochs=2, batch_size=50, negatives="wrong", x_test=x_held_out,
                              y_test=y_held_out, generator=torch.Generator().manual_seed(0), progress=False)
    assert history.epochs_completed == 2 and len(history.layer_losses[0]) == 2 * 2000 // 50
    assert history.test_error[-1] < 0.6  # chance is 0.9
    assert history.test_error[-1] == net.error_rate(x_held_out, y_held_out)


def test_hard_negatives_are_drawn_from_the_network_and_training_runs(mnist):
    torch.manual_seed(0)
    net = RecurrentFFNetwork(hidden=[20, 20], iterations=3, score_iterations=[2, 3])
    history = train_recurrent(net, mnist.x_train[:100], mnist.y_train[:100], epochs=1, batch_size=50,
                              negatives="hard", generator=torch.Generator().manual_seed(0), progress=False)
    assert len(history.layer_losses) == 2 and all(len(losses) == 2 for losses in history.layer_losses)
    assert all(torch.isfinite(torch.tensor(losses)).all() for losses in history.layer_losses)


@pytest.mark.parametrize("cooldown", [False, True])
def test_with_cooldown_the_learning_rate_halves_in_the_last_of_four_epochs(mnist, monkeypatch, cooldown):
    used = []
    real_step = RecurrentEngine.step

    def recording_step(engine, *batch):
        used.append(float(engine.optimizer.param_groups[0]["lr"]))
        return real_step(engine, *batch)

    monkeypatch.setattr(RecurrentEngine, "step", recording_step)
    net = RecurrentFFNetwork(hidden=[10], iterations=2, score_iterations=[1], lr=0.02)
    train_recurrent(net, mnist.x_train[:20], mnist.y_train[:20], epochs=4, batch_size=10, negatives="wrong",
                    cooldown=cooldown, generator=torch.Generator().manual_seed(0), progress=False)
    # two batches an epoch; with cool-down, constant for the first half, then down linearly:
    # epoch 3 of 0-3 at 2 * (4 - 3) / 4 = half
    expected = [0.02] * 6 + [0.01] * 2 if cooldown else [0.02] * 8
    assert used == pytest.approx(expected)


def test_weight_decay_shrinks_each_weight_by_lr_times_decay_of_itself_beside_the_same_adam_step(mnist):
    """AdamW's decoupled decay: one step with weight_decay lands exactly lr * decay * W0 below the
    step without it, for every weight and bias, and the decay is kept in the saved configuration."""
    x, y = mnist.x_train[:50], mnist.y_train[:50]
    ends = {}
    for decay in (0.0, 0.1):
        torch.manual_seed(3)
        net = RecurrentFFNetwork(hidden=[20, 10], iterations=3, score_iterations=[2, 3], lr=0.02, weight_decay=decay)
        start = {name: p.detach().clone() for name, p in net.named_parameters()}
        train_recurrent(net, x, y, epochs=1, batch_size=50, negatives="wrong", progress=False,
                        generator=torch.Generator().manual_seed(0))
        ends[decay] = {name: p.detach().clone() for name, p in net.named_parameters()}
        assert net.config.weight_decay == decay
    for name, w0 in start.items():
        torch.testing.assert_close(ends[0.1][name], ends[0.0][name] - 0.02 * 0.1 * w0, rtol=0, atol=1e-6, msg=name)
        assert not torch.equal(ends[0.1][name], ends[0.0][name])


def test_with_dropout_a_layer_hears_each_unit_of_its_neighbour_whole_scaled_or_not_at_all():
    """A layer that copies the layer above (top-down weights the identity, nothing from below, no
    damping): with dropout p, each unit it gets is the neighbour's normalized unit times 1 / (1 - p),
    or 0, about a share p of them; the label above the top layer is always heard whole."""
    width, p = 4000, 0.25
    net = zeroed(RecurrentFFNetwork(hidden=[width, width], damping=0.0, dropout=p))
    with torch.no_grad():
        net.down[0].weight.copy_(torch.eye(width))
        net.down[1].weight.fill_(1.0)  # every unit of the top layer: the sum of the one-hot label
    h1 = torch.rand(1, width) + 0.5
    torch.manual_seed(0)
    image, label = ff.normalize(torch.rand(1, 784)), F.one_hot(torch.tensor([3]), 10).float()
    new = net.step([torch.zeros(1, width), h1], image, label, dropout=p)
    ratio = new[0] / ff.normalize(h1)
    heard = ratio != 0
    torch.testing.assert_close(ratio[heard], torch.full_like(ratio[heard], 1 / (1 - p)))
    assert abs((~heard).float().mean().item() - p) < 0.03  # binomial spread over 4000 units: about 0.007
    assert torch.equal(new[1], torch.ones(1, width))  # the label: never dropped
    # without dropout (as when predicting) every unit is heard as it is
    torch.testing.assert_close(net.step([torch.zeros(1, width), h1], image, label)[0], ff.normalize(h1))


def test_dropout_is_for_training_only_prediction_hears_every_unit(small):
    x = small[0][:40]
    torch.manual_seed(4)
    plain = RecurrentFFNetwork(hidden=[30, 20], iterations=4, score_iterations=[2, 3])
    dropped = RecurrentFFNetwork(hidden=[30, 20], iterations=4, score_iterations=[2, 3], dropout=0.5)
    dropped.load_state_dict(plain.state_dict())
    assert torch.equal(dropped.scores(x), plain.scores(x))
    engine = RecurrentEngine([dropped])
    try:
        torch.testing.assert_close(engine.scores(x)[0], plain.scores(x))
    finally:
        engine.release()


def test_the_engine_drops_units_in_training_as_the_readable_step_does(mnist):
    """Dropout draws its own randomness, so the engine and train_step cannot match number for number;
    both drop (a step with dropout lands elsewhere than without), and both learn."""
    x, y = mnist.x_train[:500], mnist.y_train[:500]
    ends = []
    for dropout in (0.0, 0.3):
        net = small_network(0, dropout=dropout)
        train_recurrent(net, x[:50], y[:50], epochs=1, batch_size=50, negatives="wrong", progress=False,
                        generator=torch.Generator().manual_seed(0))
        ends.append(net.up[0].weight.detach().clone())
    assert not torch.equal(ends[0], ends[1])
    held_out = mnist.x_test[:500], mnist.y_test[:500]
    torch.manual_seed(1)
    engine_net = small_network(0, dropout=0.3)
    history = train_recurrent(engine_net, x, y, epochs=2, batch_size=50, negatives="wrong", x_test=held_out[0],
                              y_test=held_out[1], generator=torch.Generator().manual_seed(0), progress=False)
    readable, _ = trained_step_by_step(0, x, y, 2, 50, "wrong", dropout=0.3)
    assert history.test_error[-1] < 0.7 and readable.error_rate(*held_out) < 0.7  # chance is 0.9


def small_network(seed, **settings):
    torch.manual_seed(seed)
    return RecurrentFFNetwork(**{**dict(hidden=[30, 20], iterations=4, score_iterations=[2, 3]), **settings})


def trained_step_by_step(seed, x, y, epochs, batch_size, negatives, **settings):
    """The network of `seed` trained by the readable one-network step (`train_step`), drawing its
    negatives and its order as train_recurrent draws them for it."""
    net, generator = small_network(seed, **settings), torch.Generator().manual_seed(seed)
    optimizer = make_optimizer(net.parameters(), net.config.optimizer, net.config.lr)
    losses = []
    for _ in range(epochs):
        wrong = (ff.hard_wrong_labels(net.scores(x), y, generator) if negatives == "hard"
                 else ff.wrong_labels(y, generator))
        for batch in torch.randperm(len(x), generator=generator).split(batch_size):
            losses.append(train_step(net, optimizer, x[batch], y[batch], wrong[batch]))
    return net, losses


@pytest.mark.parametrize("negatives, settings", [("hard", {}), ("wrong", dict(loss="ff", threshold=0.5))])
def test_networks_trained_side_by_side_learn_what_each_learns_by_the_readable_step(mnist, negatives, settings):
    """The engine takes train_step for several networks at once (stacked weights, the image's input
    to the first layer made once): each ends where train_step alone takes it, with the same losses."""
    x, y = mnist.x_train[:300], mnist.y_train[:300]
    nets = [small_network(seed, **settings) for seed in (0, 1)]
    histories = train_recurrent(nets, x, y, epochs=2, batch_size=50, negatives=negatives, progress=False,
                                generator=[torch.Generator().manual_seed(seed) for seed in (0, 1)])
    for seed, net, history in zip((0, 1), nets, histories):
        alone, losses = trained_step_by_step(seed, x, y, 2, 50, negatives, **settings)
        # Not bit for bit: products of other shapes round differently, and Adam turns a weight's
        # gradient near its epsilon (1e-8) into a step of about lr / 100 whichever way it rounds.
        for (name, mine), theirs in zip(net.state_dict().items(), alone.state_dict().values()):
            torch.testing.assert_close(mine, theirs, rtol=0, atol=1e-3, msg=name)
        torch.testing.assert_close(torch.tensor(history.layer_losses).T, torch.tensor(losses), rtol=1e-3, atol=1e-5)
        # each network holds weights of its own again, and saves without its neighbour's
        assert all(p.is_contiguous() and p.untyped_storage().nbytes() == 4 * p.numel() for p in net.parameters())


def test_the_engine_scores_every_network_as_each_scores_alone(small):
    x = small[0][:40]
    nets = [small_network(seed, iterations=6, score_iterations=[1, 4, 5]) for seed in (2, 3, 4)]
    scores = RecurrentEngine(nets).scores(x)
    assert scores.shape == (3, 40, 10)
    for net, mine in zip(nets, scores):
        torch.testing.assert_close(mine, net.scores(x))


def directly_and_replayed(x, y, epochs=1, device="cpu"):
    runs = []
    for capture in (False, True):
        nets = [small_network(seed).to(device) for seed in (0, 1)]
        histories = train_recurrent(nets, x, y, epochs=epochs, batch_size=30, progress=False, capture=capture,
                                    generator=[torch.Generator().manual_seed(seed) for seed in (0, 1)])
        runs.append(([net.state_dict() for net in nets], [sum(h.layer_losses, []) for h in histories]))
    return runs


def test_a_step_replayed_from_its_buffers_is_the_step_taken_directly(mnist, monkeypatch):
    """Off CUDA the captured path runs eagerly from its fixed buffers, after warm-up steps that it
    must undo (weights and the optimizer's state). The optimizer keeps its step count and learning
    rate as tensors there, so the two agree to float rounding, not bit for bit."""
    x, y = mnist.x_train[:200], mnist.y_train[:200]
    (direct, direct_losses), (replayed, replayed_losses) = directly_and_replayed(x, y)
    for a, b in zip(direct, replayed):
        assert all(torch.allclose(a[k], b[k], rtol=1e-4, atol=1e-6) for k in a)
    assert sum(replayed_losses, []) == pytest.approx(sum(direct_losses, []), rel=1e-5)
    # The control: warm-up steps left in place make another run, far beyond rounding.
    monkeypatch.setattr(RecurrentEngine, "restore", lambda engine, saved: None)
    (direct, _), (replayed, _) = directly_and_replayed(x, y)
    assert not torch.allclose(direct[0]["up.0.weight"], replayed[0]["up.0.weight"], rtol=1e-2, atol=1e-3)


cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@cuda
def test_on_the_gpu_the_captured_recurrent_step_gives_the_eager_run(mnist):
    x, y = mnist.x_train[:300].cuda(), mnist.y_train[:300].cuda()
    (direct, direct_losses), (replayed, replayed_losses) = directly_and_replayed(x, y, epochs=2, device="cuda")
    for a, b in zip(direct, replayed):
        assert all(torch.allclose(a[k], b[k], rtol=1e-3, atol=1e-3) for k in a)
    assert sum(replayed_losses, []) == pytest.approx(sum(direct_losses, []), rel=1e-3, abs=1e-5)


@cuda
def test_on_the_gpu_the_engine_learns_what_the_readable_step_learns_on_the_cpu(mnist):
    x, y = mnist.x_train[:300], mnist.y_train[:300]
    nets = [small_network(seed).cuda() for seed in (0, 1)]
    train_recurrent(nets, x.cuda(), y.cuda(), epochs=1, batch_size=50, negatives="wrong", progress=False,
                    generator=[torch.Generator().manual_seed(seed) for seed in (0, 1)])
    for seed, net in zip((0, 1), nets):
        alone, _ = trained_step_by_step(seed, x, y, 1, 50, "wrong")
        for mine, theirs in zip(net.state_dict().values(), alone.state_dict().values()):
            torch.testing.assert_close(mine.cpu(), theirs, rtol=0, atol=2e-3)


def test_networks_trained_together_must_be_alike_and_bring_a_generator_each(mnist):
    x, y = mnist.x_train[:20], mnist.y_train[:20]
    with pytest.raises(ValueError, match="same configuration"):
        train_recurrent([small_network(0), small_network(1, damping=0.5)], x, y, 1, progress=False)
    with pytest.raises(ValueError, match="generator of their own"):
        train_recurrent([small_network(0), small_network(1)], x, y, 1, generator=torch.Generator(), progress=False)
    with pytest.raises(ValueError, match="one generator per network"):
        train_recurrent([small_network(0), small_network(1)], x, y, 1, generator=[torch.Generator()], progress=False)
    with pytest.raises(ValueError, match="precision"):
        train_recurrent(small_network(0), x, y, 1, precision="bf16", progress=False)
    with pytest.raises(TypeError, match="RecurrentFFNetwork"):
        train_recurrent([ff.FFNetwork([784, 10])], x, y, 1, progress=False)


def test_evaluate_refuses_a_recurrent_checkpoint_in_one_line(tmp_path, capsys):
    """`evaluate` measures FFNetwork checkpoints; a recurrent one is named and refused (exit 2),
    before MNIST is loaded."""
    from ff_tutorial import cli, save
    path = tmp_path / "recurrent.pt"
    save(RecurrentFFNetwork(hidden=[8, 8]), path)
    assert cli.main(["evaluate", str(path), "--data", str(tmp_path / "no-mnist-here")]) == 2
    err = capsys.readouterr().err
    assert "RecurrentFFNetwork" in err and len(err.strip().splitlines()) == 1


def test_the_small_experiment_trains_several_seeds_alone_or_side_by_side_into_a_file_each(tmp_path, monkeypatch,
                                                                                         capsys):
    from experiments import recurrent_small
    monkeypatch.setattr(recurrent_small, "RESULTS", tmp_path)
    recipe = ["--hidden", "10,10", "--train-size", "100", "--validation-size", "100", "--epochs", "1",
              "--negatives", "hard", "--no-progress", "--seeds", "0,1"]
    assert recurrent_small.main(recipe + ["--name", "alone"]) == 0
    assert recurrent_small.main(recipe + ["--name", "together", "--together"]) == 0
    for seed in (0, 1):
        alone = json.loads((tmp_path / f"alone-seed-{seed}.json").read_text())
        together = json.loads((tmp_path / f"together-seed-{seed}.json").read_text())
        assert alone["seed"] == together["seed"] == seed and "trained_together_with_seeds" not in alone
        assert together["trained_together_with_seeds"] == [0, 1]
        # side by side, each network is the one its seed trains alone, to float rounding
        assert together["validation_error"] == pytest.approx(alone["validation_error"], abs=0.02)
    # the seed alone is the network --seed gives
    assert recurrent_small.main(recipe[:-2] + ["--seed", "1", "--name", "one"]) == 0
    assert json.loads((tmp_path / "one.json").read_text())["step_error"] == \
        json.loads((tmp_path / "alone-seed-1.json").read_text())["step_error"]
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit:  # one of the two files exists: refused before training
        recurrent_small.main(recipe + ["--name", "alone"])
    assert exit.value.code == 2 and "exists already" in capsys.readouterr().err
    for refused, message in ((["--together"], "--together goes with --seeds"),
                             (["--final", "--seeds", "0,1", "--together"], "a final run trains its seeds one after")):
        with pytest.raises(SystemExit) as exit:
            recurrent_small.main(refused + ["--name", "no"])
        assert exit.value.code == 2 and message in capsys.readouterr().err
