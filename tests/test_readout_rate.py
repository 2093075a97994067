"""The read-out benchmark: fresh read-outs on saved layers, measured on the validation split only."""

import statistics

import pytest
import torch

from experiments import readout_rate
from ff_tutorial import FFNetwork, save


@pytest.fixture(scope="module")
def layers(tmp_path_factory):
    torch.manual_seed(0)
    return save(FFNetwork([784, 40, 30]), tmp_path_factory.mktemp("readout") / "layers.pt")


def rows(printed: str) -> list:
    """The table's rows as (rate, epochs, [three errors], mean), percentages turned into fractions."""
    out = []
    for line in printed.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 4 and cells[0][0].isdigit():
            errors = [float(e.rstrip("%")) / 100 for e in cells[2].split(",")]
            out.append((float(cells[0]), int(cells[1]), errors, float(cells[3].rstrip("%")) / 100))
    return out


@pytest.mark.slow  # six read-outs, each on 50,000 images
def test_each_candidate_gets_three_fresh_read_outs_that_learn(layers, capsys):
    assert readout_rate.main([str(layers), "--candidates", "0.001x1", "0.1x2"]) == 0
    printed = capsys.readouterr().out
    # The default read-out of a two-layer network sees its second layer only.
    assert "read-out on layers 2-2, 50,000 training images" in printed
    table = rows(printed)
    assert [(lr, epochs) for lr, epochs, _, _ in table] == [(0.001, 1), (0.1, 2)]
    for _, _, errors, mean in table:
        assert len(errors) == 3 and mean == pytest.approx(statistics.mean(errors), abs=1e-4)
    (_, _, _, slow), (_, _, fast_errors, fast) = table
    # Thirty random ReLU features already separate digits far better than chance (90% error), and
    # a read-out given a hundred times the rate and twice the epochs learns more of that.
    assert fast < 0.5 and fast < slow
    assert len(set(fast_errors)) > 1, "the three seeds should give three different read-outs"


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
