"""The recipe of Hinton's released code: its step is the gradient of its stated loss, its peer
normalization revives a silent unit, its schedule and scaling are the code's, and its command
writes one record, on the validation split only; without labels, its layers learn from images
and hybrids alone."""

import dataclasses
import json

import pytest
import torch

from experiments import released_code as experiment
from experiments.released_code import ReleasedCodeNetwork, Settings, epoch_gain, rms_normalize, with_labels
from ff_tutorial.ledger import looks
from ff_tutorial.negatives import hybrid_images


class FixedNegatives(ReleasedCodeNetwork):
    """The recipe with the negatives' wrong labels given, so that its step can be worked out apart."""

    labels = None

    def wrong_labels(self, logits, targets, generator):
        return self.labels


def small_batch(n=8, width=30, seed=0):
    g = torch.Generator().manual_seed(seed)
    pixels = torch.rand(n, width, generator=g)
    labels = torch.randint(0, 10, (n,), generator=g)
    return pixels, labels, torch.eye(10)[labels]


def test_rms_normalize_gives_a_mean_square_of_one():
    x = torch.rand(5, 40) * torch.arange(1, 6).unsqueeze(1)
    assert torch.allclose(rms_normalize(x).pow(2).mean(dim=1), torch.ones(5))


def test_the_learning_rate_is_constant_for_half_the_epochs_then_falls_linearly():
    assert [epoch_gain(e, 4) for e in range(1, 5)] == [1.0, 1.0, 0.75, 0.25]
    assert epoch_gain(60, 60) == pytest.approx(1 / 60)


def test_the_label_takes_the_first_ten_pixels():
    pixels, _, targets = small_batch()
    x = with_labels(pixels, targets)
    assert torch.equal(x[:, :10], targets) and torch.equal(x[:, 10:], pixels[:, 10:])


def assert_step_is_half_the_gradient(net, positives, negatives, train_step):
    # Without smoothing, weight cost or peer normalization, the code's step on each layer is the
    # learning rate times half the gradient of mean(log p(positive) + log(1 - p(negative))), with
    # p = logistic(sum h^2 - units) and the layer's input held fixed.
    weights = [w.clone().requires_grad_() for w in net.weights]
    biases = [b.clone().requires_grad_() for b in net.biases]

    def log_probabilities(x, sign):
        total = 0
        for w, b in zip(weights, biases):
            h = torch.relu(rms_normalize(x).detach() @ w + b)
            total = total + torch.nn.functional.logsigmoid(sign * (h.pow(2).sum(dim=1) - h.shape[1])).mean()
            x = h
        return total

    (log_probabilities(positives, 1) + log_probabilities(negatives, -1)).backward()
    train_step()
    for before, after in ((weights, net.weights), (biases, net.biases)):
        for start, end in zip(before, after):
            assert torch.allclose(end - start.detach(), net.s.epsilon * 0.5 * start.grad, atol=1e-6)


def test_a_step_is_half_the_gradient_of_the_log_probability_of_being_right():
    settings = Settings(dims=(30, 12, 9), delay=0.0, wc=0.0, lambdamean=0.0, epsilon=0.05, epsilonsup=0.0)
    net = FixedNegatives(settings, torch.Generator().manual_seed(1))
    pixels, labels, targets = small_batch()
    net.labels = (labels + 3) % 10
    assert_step_is_half_the_gradient(net, with_labels(pixels, targets),
                                     with_labels(pixels, torch.eye(10)[net.labels]),
                                     lambda: net.train_batch(pixels, targets, gain=1.0, generator=None))


def test_without_labels_the_positives_are_the_images_and_the_negatives_their_hybrids():
    settings = Settings(dims=(784, 12, 9), delay=0.0, wc=0.0, lambdamean=0.0, epsilon=0.05, epsilonsup=0.0,
                        unsupervised=True)
    net = ReleasedCodeNetwork(settings, torch.Generator().manual_seed(1))
    pixels, _, targets = small_batch(width=784)
    hybrids = hybrid_images(pixels, torch.Generator().manual_seed(5))
    assert_step_is_half_the_gradient(
        net, pixels, hybrids,
        lambda: net.train_batch(pixels, targets, gain=1.0, generator=torch.Generator().manual_seed(5)))


def test_without_labels_the_layers_learn_the_same_whatever_the_labels():
    settings = Settings(dims=(784, 12, 9), unsupervised=True)
    pixels, labels, targets = small_batch(n=20, width=784)
    nets = []
    for shown in (targets, torch.eye(10)[(labels + 1) % 10]):
        net = ReleasedCodeNetwork(settings, torch.Generator().manual_seed(3))
        generator = torch.Generator().manual_seed(4)
        for _ in range(3):
            net.train_batch(pixels, shown, gain=1.0, generator=generator)
        nets.append(net)
    for a, b in zip(nets[0].weights + nets[0].biases, nets[1].weights + nets[1].biases):
        assert torch.equal(a, b)
    assert not torch.equal(nets[0].softmax.weights[1], nets[1].softmax.weights[1])  # only the softmax read the labels


def test_peer_normalization_revives_a_unit_that_is_always_off():
    settings = Settings(dims=(30, 12, 9), epsilonsup=0.0)
    net = FixedNegatives(settings, torch.Generator().manual_seed(2))
    net.weights[0][:, 0] = -1.0  # inputs are never negative: unit 0 is off for every image
    pixels, labels, targets = small_batch()
    net.labels = (labels + 1) % 10
    net.train_batch(pixels, targets, gain=1.0, generator=None)
    assert net.biases[0][0] > 0  # pulled up towards its layer's mean activity, though it was off
    silent = FixedNegatives(dataclasses.replace(settings, lambdamean=0.0), torch.Generator().manual_seed(2))
    silent.weights[0][:, 0] = -1.0
    silent.labels = net.labels
    silent.train_batch(pixels, targets, gain=1.0, generator=None)
    assert silent.biases[0][0] == 0  # without it, an off unit has no gradient


def test_the_weight_cost_shrinks_each_weight_by_the_step_times_that_fraction_of_itself():
    settings = Settings(dims=(30, 12, 9), delay=0.0, lambdamean=0.0, epsilonsup=0.0, wc=0.0)
    pixels, labels, targets = small_batch()
    nets = []
    for wc in (0.0, 0.3):
        net = FixedNegatives(dataclasses.replace(settings, wc=wc), torch.Generator().manual_seed(3))
        net.labels = (labels + 2) % 10
        before = [w.clone() for w in net.weights]
        net.train_batch(pixels, targets, gain=0.5, generator=None)
        nets.append(net)
    for w, without, with_cost in zip(before, nets[0].weights, nets[1].weights):
        assert torch.allclose(without - with_cost, 0.5 * settings.epsilon * 0.3 * w, atol=1e-7)
    # the command takes it, records it and names its file by it (the code's own is left out of the name)
    parser = experiment.build_parser()
    assert experiment.results_path(parser.parse_args(["--weight-cost", "0.003", "--seeds", "0"])).name == (
        "wc-0.003-1000-1000-1000-60-epochs-seeds-0.json")
    assert experiment.results_path(parser.parse_args(["--weight-cost", "0.001", "--seeds", "0"])).name == (
        "1000-1000-1000-60-epochs-seeds-0.json")
    with pytest.raises(SystemExit):
        parser.parse_args(["--weight-cost", "-0.1"])
    assert experiment.results_path(parser.parse_args(["--peer-norm", "0", "--reshuffle", "--seeds", "0"])).name == (
        "peer-norm-0-reshuffled-1000-1000-1000-60-epochs-seeds-0.json")


def test_reshuffled_batches_are_the_code_s_in_the_first_epoch_and_new_ones_after():
    pixels, labels, _ = small_batch(n=40)
    settings = Settings(dims=(30, 12, 9), batch_size=10)
    for epochs, same in ((1, True), (2, False)):
        nets = [experiment.train(dataclasses.replace(settings, epochs=epochs, reshuffle=reshuffle), pixels, labels,
                                 seed=0, progress=False)[0] for reshuffle in (False, True)]
        assert all(torch.equal(a, b) for a, b in zip(nets[0].weights, nets[1].weights)) == same


def test_negatives_never_carry_the_true_label():
    net = ReleasedCodeNetwork(Settings(dims=(30, 12, 9)), torch.Generator().manual_seed(0))
    _, labels, targets = small_batch(n=500)
    logits = torch.randn(500, 10) + 5 * targets  # a softmax that mostly believes the truth
    drawn = net.wrong_labels(logits, targets, torch.Generator().manual_seed(0))
    assert (drawn != labels).all() and len(drawn.unique()) == 10


@pytest.fixture
def few_images(monkeypatch, mnist_piece):
    piece = mnist_piece(100)
    monkeypatch.setattr(experiment, "load_mnist", lambda: piece)


def test_the_command_writes_one_record_of_every_seed_and_looks_at_no_test_image(tmp_path, monkeypatch,
                                                                              few_images, capsys):
    ledger = tmp_path / "looks.jsonl"
    monkeypatch.setenv("FF_TUTORIAL_LEDGER", str(ledger))
    record = tmp_path / "released.json"
    command = ["--dims", "784,40,30", "--epochs", "2", "--train-size", "300", "--seeds", "0,1",
               "--weight-cost", "0.002", "--no-progress", "--path", str(record)]
    assert experiment.main(command) == 0
    written = json.loads(record.read_text())
    assert [run["seed"] for run in written["runs"]] == [0, 1] and written["validation_size"] == 10_000
    errors = [run["validation_error_softmax"] for run in written["runs"]]
    assert written["validation_error_softmax"] == pytest.approx(sum(errors) / 2)
    assert all(len(run["softmax_validation_curve"]) == 2 for run in written["runs"])
    assert written["settings"]["dims"] == [784, 40, 30] and written["train_size"] == 300
    assert written["settings"]["wc"] == 0.002
    assert looks(ledger) == []
    # the record is kept, not replaced, when the command is given again
    assert experiment.main(command) == 0
    assert "exists, kept" in capsys.readouterr().out
    assert json.loads(record.read_text()) == written


def test_without_labels_the_softmax_is_the_only_reading_and_the_record_says_so(tmp_path, monkeypatch,
                                                                               few_images):
    ledger = tmp_path / "looks.jsonl"
    monkeypatch.setenv("FF_TUTORIAL_LEDGER", str(ledger))
    args = experiment.build_parser().parse_args(["--unsupervised", "--seeds", "0,1,2"])
    assert experiment.results_path(args).name == "unsupervised-1000-1000-1000-60-epochs-seeds-0-1-2.json"
    record = tmp_path / "unsupervised.json"
    command = ["--unsupervised", "--dims", "784,40,30", "--epochs", "1", "--train-size", "300", "--seeds", "0",
               "--no-progress", "--path", str(record)]
    assert experiment.main(command) == 0
    written = json.loads(record.read_text())
    assert written["settings"]["unsupervised"] and 0 < written["validation_error_softmax"] < 0.9
    assert not any("ten_passes" in key for key in list(written) + list(written["runs"][0]))
    assert 0 < written["validation_error_every_layer_softmax"] < 0.9
    assert looks(ledger) == []
    final = tmp_path / "final.json"
    assert experiment.main(command[:-1] + [str(final), "--final"]) == 0
    [look] = looks(ledger)
    assert look["track"] == "permutation-invariant" and "unsupervised" in look["run"]
    assert look["test_error_softmax"] == pytest.approx(json.loads(final.read_text())["test_error_softmax"], abs=1e-6)


def test_bad_widths_are_refused_before_anything_is_loaded(capsys):
    with pytest.raises(SystemExit) as exit:
        experiment.main(["--dims", "784,a"])
    assert exit.value.code == 2 and "comma-separated integers" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        experiment.main(["--dims", "100,20,20"])


def test_the_final_run_looks_at_the_test_set_once_for_all_its_seeds(tmp_path, monkeypatch, few_images):
    ledger = tmp_path / "looks.jsonl"
    monkeypatch.setenv("FF_TUTORIAL_LEDGER", str(ledger))
    record = tmp_path / "final.json"
    command = ["--final", "--dims", "784,40,30", "--epochs", "1", "--train-size", "300", "--seeds", "0,1",
               "--no-progress", "--path", str(record)]
    assert experiment.main(command) == 0
    written = json.loads(record.read_text())
    [look] = looks(ledger)
    assert written["test_look"] == look["number"] == 1 and look["track"] == "permutation-invariant"
    assert len(look["networks"]) == 2 and written["split"] == "test" and written["test_size"] == 100
    assert look["test_error_ten_passes"] == pytest.approx(written["test_error_ten_passes"], abs=1e-6)
    assert "validation_error_softmax" not in written and "softmax_validation_curve" not in written["runs"][0]
    # the same networks again (a CPU run repeats bit for bit) are measured, but are no new look
    assert experiment.main(command + ["--force"]) == 0
    assert len(looks(ledger)) == 1
    assert look["run"].startswith("the released code's recipe (40x30")
    # a setting changed from the code's is named in the look, so that two recipes' looks never read alike
    changed = command[:-1] + [str(tmp_path / "changed.json"), "--reshuffle", "--weight-cost", "0.002"]
    assert experiment.main(changed) == 0
    assert looks(ledger)[1]["run"].startswith(
        "the released code's recipe, weight cost 0.002, batches reshuffled each epoch (40x30")


def test_records_of_seeds_run_apart_are_joined_without_training_anything(tmp_path, monkeypatch, few_images,
                                                                         capsys):
    monkeypatch.setenv("FF_TUTORIAL_LEDGER", str(tmp_path / "looks.jsonl"))
    small = ["--unsupervised", "--dims", "784,40,30", "--epochs", "1", "--train-size", "300", "--no-progress"]
    for seeds in ("0", "1,2"):
        assert experiment.main(small + ["--seeds", seeds, "--path", str(tmp_path / f"{seeds}.json")]) == 0
    apart = [json.loads((tmp_path / f"{seeds}.json").read_text()) for seeds in ("0", "1,2")]
    monkeypatch.setattr(experiment, "train", None)  # nothing may be trained
    # a record made before a setting existed counts as made with its default
    supervised = json.loads(json.dumps(apart[0]).replace('"unsupervised": true', '"unsupervised": false'))
    del supervised["settings"]["unsupervised"]
    (tmp_path / "older.json").write_text(json.dumps(supervised))
    assert experiment.main([word for word in small if word != "--unsupervised"]
                           + ["--seeds", "0", "--join", str(tmp_path / "older.json"), "--path",
                              str(tmp_path / "c.json")]) == 2  # one seed is no error bar
    assert "at least two" in capsys.readouterr().err
    joined = tmp_path / "joined.json"
    files = [str(tmp_path / "0.json"), str(tmp_path / "1,2.json")]
    assert experiment.main(small + ["--seeds", "0,1,2", "--join", *files, "--path", str(joined)]) == 0
    written = json.loads(joined.read_text())
    runs = apart[0]["runs"] + apart[1]["runs"]
    assert written["runs"] == runs and [entry["file"] for entry in written["joined"]] == files
    for key in ("validation_error_every_layer_softmax", "train_error_softmax"):
        values = torch.tensor([run[key] for run in runs], dtype=torch.float64)
        assert written[key] == pytest.approx(values.mean().item())
        assert written[key + "_std"] == pytest.approx(values.std().item())
    capsys.readouterr()
    # refused: a seed missing, other settings, a final run
    assert experiment.main(small + ["--seeds", "0,1,2,3", "--join", *files, "--path", str(tmp_path / "a.json")]) == 2
    assert "not each of --seeds" in capsys.readouterr().err
    other = list(small)
    other[other.index("--epochs") + 1] = "2"
    assert experiment.main(other + ["--seeds", "0,1,2", "--join", *files, "--path", str(tmp_path / "b.json")]) == 2
    assert "not a validation record of these settings" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        experiment.main(small + ["--final", "--seeds", "0,1,2", "--join", *files])
    assert not (tmp_path / "a.json").exists() and not (tmp_path / "b.json").exists()
