"""An experiment that writes one record keeps the one there, and refuses a path it cannot write, before measuring."""

import json

import torch

from experiments import backprop_same_shape, denormals, silent_units, stacking_drift
from ff_tutorial import FFNetwork, save


def test_a_record_that_exists_is_kept_unless_forced(tmp_path, capsys, monkeypatch):
    record = tmp_path / "record.json"
    record.write_text("{}")
    def measuring(*args, **kwargs):
        raise AssertionError("measured although the record was kept")

    monkeypatch.setattr(stacking_drift, "load_mnist", measuring)
    monkeypatch.setattr(denormals.subprocess, "run", measuring)
    monkeypatch.setattr(backprop_same_shape, "load_mnist", measuring)
    monkeypatch.setattr(silent_units, "load_mnist", measuring)
    for experiment, networks in ((denormals, []), (stacking_drift, []), (backprop_same_shape, []),
                                 (silent_units, ["network.pt"])):
        assert experiment.main(networks + ["--path", str(record)]) == 0
        assert "exists, kept" in capsys.readouterr().out and record.read_text() == "{}"


def test_a_path_that_cannot_be_written_is_refused_before_measuring(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    for experiment, networks in ((denormals, []), (stacking_drift, []), (backprop_same_shape, []),
                                 (silent_units, ["network.pt"])):
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
