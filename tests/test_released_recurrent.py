"""The released code's layers with top-down recurrence: a step is the code's step on the gradient of
its stated loss, the weight cost spares the biases, each label is scored as if run alone, and the
command writes one record per seed, on the validation split only."""

import dataclasses
import json

import pytest
import torch

from experiments import released_recurrent as experiment
from experiments.released_code import rms_normalize
from experiments.released_recurrent import ReleasedRecurrentNetwork, Settings
from ff_tutorial.ledger import looks


def network(seed=0, **changes):
    return ReleasedRecurrentNetwork(Settings(**changes), torch.Generator().manual_seed(seed))


def batch(n=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    return torch.rand(n, 784, generator=g), y, (y + torch.randint(1, 10, (n,), generator=g)) % 10


def test_one_step_of_one_layer_is_the_code_s_step_on_its_worked_out_gradient():
    # One hidden layer, one undamped iteration, no smoothing, weight cost or peer normalization:
    # the layer's state is relu(z), z from the image below and the label above, and the step is
    # epsilon * gain times (1 - p) h on positives and -p h on negatives, through each input.
    net = network(hidden=(20,), iterations=1, score_iterations=(1,), damping=0.0, delay=0.0, wc=0.0,
                  lambdamean=0.0)
    up, down, bias = net.up[0].clone(), net.down[0].clone(), net.biases[0].clone()
    x, y, y_negative = batch()
    gain = 0.5
    net.train_batch(x, y, y_negative, gain)
    image, n = rms_normalize(x), len(x)
    labels = [rms_normalize(torch.eye(10)[labels]) for labels in (y, y_negative)]
    expected_up, expected_down, expected_bias = 0, 0, 0
    for label, sign in zip(labels, (1, -1)):
        h = torch.relu(image @ up + bias + label @ down)
        p = torch.sigmoid(h.pow(2).sum(dim=1) - 20).unsqueeze(1)
        grad = (1 - p) * h if sign > 0 else -p * h
        expected_up = expected_up + image.T @ grad / n
        expected_down = expected_down + label.T @ grad / n
        expected_bias = expected_bias + grad.sum(dim=0) / n
    step = 0.01 * gain
    assert torch.allclose(net.up[0] - up, step * expected_up, atol=1e-7)
    assert torch.allclose(net.down[0] - down, step * expected_down, atol=1e-7)
    assert torch.allclose(net.biases[0] - bias, step * expected_bias, atol=1e-7)


def test_the_weight_cost_shrinks_the_weights_and_spares_the_biases():
    # With a zero learning signal (delay 1 keeps the smoothed gradient at its start, 0), only the
    # weight cost moves anything: each weight by epsilon * wc of itself, each bias not at all.
    net = network(hidden=(20, 15), delay=1.0, wc=0.1)
    before = [p.clone() for p in net.parameters()]
    net.train_batch(*batch(), gain=1.0)
    weights = len(net.up) + len(net.down)
    for i, (old, new) in enumerate(zip(before, net.parameters())):
        assert torch.allclose(new, old * (1 - 0.01 * 0.1) if i < weights else old)


def test_peer_normalization_pulls_a_silent_unit_up():
    net = network(hidden=(20, 15))
    net.up[0][:, 3] = -1.0  # unit 3 of the first layer: off for every image
    x, y, y_negative = batch(n=50)
    moved = {}
    for lambdamean in (0.0, 0.03):
        copy = network(hidden=(20, 15), lambdamean=lambdamean, wc=0.0)  # no shrinking towards 0
        copy.up, copy.biases = [w.clone() for w in net.up], [b.clone() for b in net.biases]
        for _ in range(5):
            copy.train_batch(x, y, y_negative, gain=1.0)
        moved[lambdamean] = (copy.from_image(x)[:, 3] - net.from_image(x)[:, 3]).mean().item()
    assert moved[0.0] == pytest.approx(0.0, abs=1e-6)  # off, it gets no gradient of its own
    assert moved[0.03] > 0


def test_each_label_is_scored_as_if_the_network_ran_with_it_alone():
    net = network(hidden=(20, 15), iterations=4, score_iterations=(2, 3))
    x, _, _ = batch(n=5)
    scores = net.scores(x, chunk=3)
    for label in range(10):
        labels = torch.eye(10)[[label] * 5]
        from_image = net.from_image(x)
        states, total = net.bottom_up(from_image), 0
        for t in range(1, 4):
            states, _ = net.update(states, from_image, labels)
            if t in (2, 3):
                total = total + sum(h.pow(2).sum(dim=1) - h.shape[1] for h in states)
        assert torch.allclose(scores[:, label], total, atol=1e-3)


@pytest.fixture
def few_images(monkeypatch, mnist_piece):
    piece = mnist_piece(100)
    monkeypatch.setattr(experiment, "load_mnist", lambda: piece)


def test_the_command_writes_a_record_per_seed_keeps_it_and_looks_at_no_test_image(tmp_path, monkeypatch,
                                                                                few_images, capsys):
    ledger = tmp_path / "looks.jsonl"
    monkeypatch.setenv("FF_TUTORIAL_LEDGER", str(ledger))
    command = ["--hidden", "30,20", "--epochs", "2", "--train-size", "200", "--validation-size", "300",
               "--seeds", "0,1", "--peer-norm", "0", "--no-progress", "--folder", str(tmp_path)]
    assert experiment.main(command) == 0
    records = [tmp_path / f"peer-norm-0-30-20-2-epochs-seed-{seed}.json" for seed in (0, 1)]
    written = [json.loads(path.read_text()) for path in records]
    for seed, record in enumerate(written):
        assert record["seed"] == seed and record["split"] == "validation"
        assert record["train_size"] == 200 and record["validation_size"] == 300
        assert len(record["validation_curve"]) == 2 and record["validation_error"] == record["validation_curve"][-1]
        assert record["settings"] == {**dataclasses.asdict(Settings()), "hidden": [30, 20], "epochs": 2,
                                      "lambdamean": 0.0, "score_iterations": [3, 4, 5]}
    assert written[0]["validation_curve"] != written[1]["validation_curve"]
    assert looks(ledger) == []
    assert experiment.main(command) == 0  # given again: both kept, nothing trained
    assert capsys.readouterr().out.count("exists, kept") == 2
    assert [json.loads(path.read_text()) for path in records] == written


def test_a_folder_that_cannot_be_written_is_refused_before_anything_is_loaded(tmp_path, monkeypatch, capsys):
    def loading():
        raise AssertionError("loaded MNIST although the records cannot be written")

    monkeypatch.setattr(experiment, "load_mnist", loading)
    (tmp_path / "file").write_text("")
    assert experiment.main(["--folder", str(tmp_path / "file" / "below"), "--no-progress"]) == 2
    assert "error:" in capsys.readouterr().err
