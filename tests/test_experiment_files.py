"""An experiment that writes one record keeps the one there, and refuses a path it cannot write, before measuring."""

import json

import pytest
import torch
import torch.nn.functional as F

import ff_tutorial
from experiments import (backprop_same_shape, denormals, released_code, scoring_layers, shifted_readout,
                         silent_units, stacking_drift)
from ff_tutorial import FFNetwork, save
from ff_tutorial.augment import BACKGROUND
from ff_tutorial.data import MNIST


def test_a_record_that_exists_is_kept_unless_forced(tmp_path, capsys, monkeypatch):
    record = tmp_path / "record.json"
    record.write_text("{}")
    def measuring(*args, **kwargs):
        raise AssertionError("measured although the record was kept")

    monkeypatch.setattr(stacking_drift, "load_mnist", measuring)
    monkeypatch.setattr(denormals.subprocess, "run", measuring)
    monkeypatch.setattr(backprop_same_shape, "load_mnist", measuring)
    monkeypatch.setattr(silent_units, "load_mnist", measuring)
    monkeypatch.setattr(scoring_layers, "load_mnist", measuring)
    monkeypatch.setattr(shifted_readout, "load_mnist", measuring)
    monkeypatch.setattr(released_code, "load_mnist", measuring)
    for experiment, networks in ((denormals, []), (stacking_drift, []), (backprop_same_shape, []),
                                 (silent_units, ["network.pt"]), (scoring_layers, ["network.pt"]),
                                 (shifted_readout, ["network.pt"]), (released_code, [])):
        assert experiment.main(networks + ["--path", str(record)]) == 0
        assert "exists, kept" in capsys.readouterr().out and record.read_text() == "{}"


def test_a_path_that_cannot_be_written_is_refused_before_measuring(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    for experiment, networks in ((denormals, []), (stacking_drift, []), (backprop_same_shape, []),
                                 (silent_units, ["network.pt"]), (scoring_layers, ["network.pt"]),
                                 (shifted_readout, ["network.pt"]), (released_code, [])):
        assert experiment.main(networks + ["--path", str(tmp_path / "file" / "record.json")]) == 2
        assert "is a file, not a folder" in capsys.readouterr().err


def test_silent_units_records_each_networks_count_of_units_that_answer_no_training_image(tmp_path, monkeypatch,
                                                                                          mnist):
    monkeypatch.setattr(silent_units, "load_mnist", lambda: mnist)
    torch.manual_seed(0)
    net = FFNetwork([784, 30, 20], peer_norm=0.03)
    with torch.no_grad():
        net.layers[0].linear.weight[[2, 5]] = 0.0
        net.layers[0].linear.bias[[2, 5]] = -1.0  # below zero for every image: silent
    save(net, tmp_path / "net.pt")
    record = tmp_path / "silent.json"
    assert silent_units.main([str(tmp_path / "net.pt"), "--path", str(record)]) == 0
    written = json.loads(record.read_text())
    assert {"command", "images", "machine", "torch", "date"} <= set(written)
    row, = written["networks"]
    x, y = mnist.x_train[:silent_units.IMAGES], mnist.y_train[:silent_units.IMAGES]
    assert row["silent"] == [int(s.sum()) for s in net.silent_units(x, y)] and row["silent"][0] >= 2
    assert row["dims"] == [784, 30, 20] and row["peer_norm"] == 0.03
    assert silent_units.main([str(tmp_path / "missing.pt"), "--path", str(tmp_path / "other.json")]) == 2


def test_scoring_layers_measures_each_network_on_validation_with_the_goodness_summed_from_each_layer_up(
        tmp_path, monkeypatch, mnist):
    monkeypatch.setattr(scoring_layers, "load_mnist", lambda: mnist)
    paths = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        net = FFNetwork([784, 40, 30, 20])
        paths.append(tmp_path / f"net-{seed}.pt")
        save(net, paths[-1])
    record = tmp_path / "scoring.json"
    assert scoring_layers.main([*map(str, paths), "--path", str(record)]) == 0
    written = json.loads(record.read_text())
    x, y = mnist.x_train[-10_000:], mnist.y_train[-10_000:]  # the validation split: the last 10,000
    by_hand = []
    for path, row in zip(paths, written["networks"]):
        net = ff_tutorial.load(path)
        per_layer = torch.zeros(3, len(x), 10)  # goodness of each layer, for each image and label
        with torch.no_grad():
            for label in range(10):
                h = net.embed(x, label)
                for k, layer in enumerate(net.layers):
                    h = layer(h)
                    per_layer[k, :, label] = h.pow(2).mean(dim=1)
        errors = [(per_layer[first:].sum(dim=0).argmax(dim=1) != y).float().mean().item() for first in range(3)]
        assert [row[f"from_layer_{k}_error"] for k in range(3)] == pytest.approx(errors, abs=2e-4)
        by_hand.append(errors)
    assert written["from_layer_1_error"] == pytest.approx((by_hand[0][1] + by_hand[1][1]) / 2, abs=2e-4)
    assert "validation" in written["images"] and "from_layer_2_error_std" in written


def test_scoring_layers_refuses_networks_without_goodness_per_label_before_measuring(tmp_path, capsys, monkeypatch):
    def measuring(*args, **kwargs):
        raise AssertionError("measured although a network could not be scored")

    monkeypatch.setattr(scoring_layers, "load_mnist", measuring)
    save(FFNetwork([784, 20, 20], embedding="none"), tmp_path / "unsupervised.pt")
    save(FFNetwork([784, 20, 20, 20]), tmp_path / "three.pt")
    save(FFNetwork([784, 20, 20]), tmp_path / "two.pt")
    for networks, says in ((["unsupervised.pt"], "no goodness per label"),
                           (["three.pt", "two.pt"], "different numbers of layers")):
        assert scoring_layers.main([str(tmp_path / n) for n in networks]
                                   + ["--path", str(tmp_path / "record.json")]) == 2
        assert says in capsys.readouterr().err and not (tmp_path / "record.json").exists()


def small_mnist(mnist):
    """12,000 training images: the validation split trains on the first 2,000, measures on the last 10,000."""
    return MNIST(mnist.x_train[-12_000:], mnist.y_train[-12_000:], mnist.x_test, mnist.y_test)


def test_shifted_readout_trains_each_read_out_on_freshly_shifted_images_and_leaves_the_layers_alone(
        tmp_path, monkeypatch, mnist):
    monkeypatch.setattr(shifted_readout, "load_mnist", lambda: small_mnist(mnist))
    paths = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        paths.append(tmp_path / f"net-{seed}.pt")
        save(FFNetwork([784, 30, 20], embedding="none"), paths[-1])
    seen = []
    features = FFNetwork.readout_features
    monkeypatch.setattr(FFNetwork, "readout_features", lambda self, x: seen.append(x) or features(self, x))
    record = tmp_path / "readout.json"
    assert shifted_readout.main([*map(str, paths), "--candidates", "0x2", "1x3", "--no-progress",
                                 "--path", str(record)]) == 0
    x = mnist.x_train[-12_000:-10_000]
    # Per network: the unshifted read-out's features once, then its measurements (validation and
    # training images), then the shifted read-out's features every epoch, each image at one of the 9
    # shifts of at most a pixel (and not all where they were), then its measurements.
    assert len(seen) == 2 * (1 + 2 + 3 + 2)
    assert torch.equal(seen[0], x) and all(not torch.equal(s, x) for s in seen[3:6])
    shifts = [F.pad(x.view(-1, 28, 28), (1, 1, 1, 1), value=BACKGROUND)[:, 1 + dy:29 + dy, 1 + dx:29 + dx]
              .reshape(-1, 784) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    for s in seen[3:6]:
        assert all(any(torch.equal(s[i], shifted[i]) for shifted in shifts) for i in range(0, 2000, 97))
    written = json.loads(record.read_text())
    for path, row in zip(paths, written["networks"]):
        net = ff_tutorial.load(path)  # the saved layers: the experiment must not have changed them
        for name in ("shift_0_epochs_2", "shift_1_epochs_3"):
            assert 0 < row[f"{name}_error"] < 0.9 and 0 <= row[f"{name}_train_error"] < 0.9
        torch.manual_seed(0)
        net.reset_readout()
        ff_tutorial.train_readout(net, x, mnist.y_train[-12_000:-10_000], epochs=2, batch_size=1000, lr=0.03,
                                  generator=torch.Generator().manual_seed(0), progress=False)
        assert row["shift_0_epochs_2_error"] == net.error_rate(mnist.x_train[-10_000:], mnist.y_train[-10_000:],
                                                               one_pass=True)
    errors = [row["shift_1_epochs_3_error"] for row in written["networks"]]
    assert written["shift_1_epochs_3_error"] == pytest.approx(sum(errors) / 2)
    assert written["shift_1_epochs_3_error_std"] == pytest.approx(abs(errors[0] - errors[1]) / 2 ** 0.5)
    assert "validation" in written["images"] and written["learning_rate"] == 0.03


def test_shifted_readout_refuses_bad_candidates_and_networks_before_measuring(tmp_path, capsys, monkeypatch):
    def measuring(*args, **kwargs):
        raise AssertionError("measured although the command was refused")

    monkeypatch.setattr(shifted_readout, "load_mnist", measuring)
    save(FFNetwork([784, 20, 20], embedding="none"), tmp_path / "net.pt")
    for bad, says in (("1x0", "epochs must be at least 1"), ("28x60", "SHIFTxEPOCHS"), ("one", "SHIFTxEPOCHS")):
        with pytest.raises(SystemExit):
            shifted_readout.main([str(tmp_path / "net.pt"), "--candidates", bad, "--path", str(tmp_path / "r.json")])
        assert says in capsys.readouterr().err
    assert shifted_readout.main([str(tmp_path / "missing.pt"), "--path", str(tmp_path / "r.json")]) == 2
    assert not (tmp_path / "r.json").exists()


def test_shifted_readout_from_an_upper_layer_trains_a_head_on_that_layer_and_those_above_only(
        tmp_path, monkeypatch, mnist):
    monkeypatch.setattr(shifted_readout, "load_mnist", lambda: small_mnist(mnist))
    torch.manual_seed(0)
    save(FFNetwork([784, 30, 20], embedding="none", readout_from=0), tmp_path / "net.pt")
    record = tmp_path / "readout.json"
    assert shifted_readout.main([str(tmp_path / "net.pt"), "--candidates", "0x2", "--readout-from", "1",
                                 "--no-progress", "--path", str(record)]) == 0
    written = json.loads(record.read_text())
    row, = written["networks"]
    assert row["readout_from"] == 1 and written["command"].endswith(f"--readout-from 1 --path {record}")
    net = ff_tutorial.load(tmp_path / "net.pt")
    assert net.readout_from == 0  # the saved network keeps its own read-out
    torch.manual_seed(0)
    net.reset_readout(1)
    assert net.head.in_features == 20  # the second layer's 20 units, not 30 + 20
    x, y = mnist.x_train[-12_000:-10_000], mnist.y_train[-12_000:-10_000]
    ff_tutorial.train_readout(net, x, y, epochs=2, batch_size=1000, lr=0.03,
                              generator=torch.Generator().manual_seed(0), progress=False)
    assert row["shift_0_epochs_2_error"] == net.error_rate(mnist.x_train[-10_000:], mnist.y_train[-10_000:],
                                                           one_pass=True)


def test_shifted_readout_refuses_a_layer_the_networks_do_not_have_before_measuring(tmp_path, capsys, monkeypatch):
    def measuring(*args, **kwargs):
        raise AssertionError("measured although the command was refused")

    monkeypatch.setattr(shifted_readout, "load_mnist", measuring)
    save(FFNetwork([784, 20, 20], embedding="none"), tmp_path / "net.pt")
    for bad in ("2", "-1"):
        assert shifted_readout.main([str(tmp_path / "net.pt"), "--readout-from", bad,
                                     "--path", str(tmp_path / "r.json")]) == 2
        assert f"--readout-from: readout_from must name a layer, 0..1, got {bad}" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()
