"""The read-out benchmark: fresh read-outs on saved layers, measured on the validation split only."""

import json
import statistics
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks/ is a folder, not installed
import benchmarks.readout_rate as readout_rate  # noqa: E402
from ff_tutorial import FFNetwork, save  # noqa: E402


@pytest.fixture(scope="module")
def layers(tmp_path_factory):
    torch.manual_seed(0)
    return save(FFNetwork([784, 40, 30]), tmp_path_factory.mktemp("readout") / "layers.pt")


def test_each_candidate_gets_three_fresh_read_outs_that_learn(layers, tmp_path, capsys):
    out = tmp_path / "rows.json"
    assert readout_rate.main([str(layers), "--candidates", "0.001x1", "0.1x2", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    # The default read-out of a two-layer network sees its second layer only.
    assert "read-out on layers 2-2, 50,000 training images" in printed
    record = json.loads(out.read_text())
    assert record["command"].startswith("python -m benchmarks.readout_rate ")
    assert record["dims"] == [784, 40, 30]
    assert [(row["readout_from"], row["lr"], row["epochs"]) for row in record["rows"]] == [(1, 0.001, 1), (1, 0.1, 2)]
    for row in record["rows"]:
        assert len(row["errors"]) == 3 and row["mean"] == pytest.approx(statistics.mean(row["errors"]))
        assert f"| {row['lr']:g} | {row['epochs']} |" in printed
    slow, fast = record["rows"]
    # Thirty random ReLU features already separate digits far better than chance (90% error), and
    # a read-out given a hundred times the rate and twice the epochs learns more of that.
    assert fast["mean"] < 0.5 and fast["mean"] < slow["mean"]
    assert len(set(fast["errors"])) > 1, "the three seeds should give three different read-outs"


def test_read_outs_from_each_first_layer_named(layers, tmp_path, capsys):
    out = tmp_path / "rows.json"
    argv = [str(layers), "--candidates", "0.1x1", "--readout-from", "0", "1", "--json", str(out)]
    assert readout_rate.main(argv) == 0
    printed = capsys.readouterr().out
    rows = json.loads(out.read_text())["rows"]
    assert [row["readout_from"] for row in rows] == [0, 1]
    assert "| all of them | 0.1 | 1 |" in printed and "| layers 2-2 | 0.1 | 1 |" in printed
    # Seventy features (both layers) against thirty (the second): different read-outs, different errors.
    assert rows[0]["errors"] != rows[1]["errors"]


def test_a_layer_the_network_does_not_have_is_refused(layers, capsys):
    with pytest.raises(SystemExit):
        readout_rate.main([str(layers), "--readout-from", "2"])
    assert "--readout-from must name layers 0..1 of this network, got [2]" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["0.03", "0.03x", "x60", "0x10", "0.1x0"])
def test_a_malformed_candidate_is_refused_with_its_shape(layers, bad, capsys):
    with pytest.raises(SystemExit) as stop:
        readout_rate.main([str(layers), "--candidates", bad])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--candidates" in err and "a candidate" in err


def test_a_file_that_is_no_network_is_refused(tmp_path, capsys):
    path = tmp_path / "notes.pt"
    torch.save({"hello": 1}, path)
    with pytest.raises(SystemExit):
        readout_rate.main([str(path)])
    assert "not an ff_tutorial FFNetwork checkpoint" in capsys.readouterr().err
