"""experiments.seeds: runs of one recipe made one seed at a time, brought together with error bars."""

import json
import re
import statistics

import pytest

from experiments import seeds

SETTINGS = {"dims": [784, 1000], "epochs": 100, "jitter": 1, "seed": 0}


def run(seed, test_error, one_pass, **settings):
    return {"preset": "accurate", "settings": {**SETTINGS, **settings, "seed": seed},
            "command": f"python -m ff_tutorial train --seed {seed}", "train_seconds": 100.0 + seed,
            "device": "cpu", "machine": "a CPU", "torch": "2.14.1", "train_error": 0.004,
            "test_error": test_error, "train_error_one_pass": 0.005, "test_error_one_pass": one_pass}


def several(seeds, test_errors, one_pass):
    """The file `train --seeds` writes: each seed's errors, their mean and spread, one time for all."""
    per_seed = [{"seed": seed, "train_error": 0.004, "test_error": e, "train_error_one_pass": 0.005,
                 "test_error_one_pass": o} for seed, e, o in zip(seeds, test_errors, one_pass)]
    return {**run(seeds[0], statistics.mean(test_errors), statistics.mean(one_pass)), "train_seconds": 500.0,
            "command": f"python -m ff_tutorial train --seeds {','.join(map(str, seeds))}",
            "seeds": seeds, "per_seed": per_seed}


def write(folder, runs):
    paths = []
    for r in runs:
        path = folder / f"seed-{r['settings']['seed']}.json"
        path.write_text(json.dumps(r))
        paths.append(str(path))
    return paths


def test_three_runs_give_their_mean_and_sample_standard_deviation(tmp_path, capsys):
    errors, one_pass = [0.0129, 0.0125, 0.0140], [0.0140, 0.0126, 0.0131]
    paths = write(tmp_path, [run(s, e, o) for s, e, o in zip([0, 1, 2], errors, one_pass)])
    out = tmp_path / "results" / "all.json"
    assert seeds.main([*paths, "--metrics", str(out)]) == 0
    m = json.loads(out.read_text())
    assert m["seeds"] == [0, 1, 2] and [p["test_error"] for p in m["per_seed"]] == errors
    assert m["test_error"] == pytest.approx(statistics.mean(errors))
    assert m["test_error_std"] == pytest.approx(statistics.stdev(errors))  # n - 1, as `train --seeds`
    assert m["test_error_one_pass_std"] == pytest.approx(statistics.stdev(one_pass))
    assert m["train_seconds"] == pytest.approx(303.0)  # the three runs' time in all
    assert [r["file"] for r in m["runs"]] == paths and m["command"].startswith("python -m experiments.seeds ")
    printed = capsys.readouterr().out
    assert f"test error: {statistics.mean(errors):.2%} ± {100 * statistics.stdev(errors):.2f}" in printed
    # the new file is never written over
    with pytest.raises(SystemExit) as exit:
        seeds.main([*paths, "--metrics", str(out)])
    assert exit.value.code == 2 and "exists already" in capsys.readouterr().err


def test_a_file_of_several_seeds_counts_as_each_of_them(tmp_path, capsys):
    # The first seed run alone, the next two later in one `train --seeds 1,2`: one set of three.
    first = tmp_path / "seed-0.json"
    first.write_text(json.dumps(run(0, 0.0129, 0.0140)))
    later = tmp_path / "seeds-1-2.json"
    later.write_text(json.dumps(several([1, 2], [0.0125, 0.0140], [0.0126, 0.0131])))
    out = tmp_path / "all.json"
    assert seeds.main([str(first), str(later), "--metrics", str(out)]) == 0
    m = json.loads(out.read_text())
    errors = [0.0129, 0.0125, 0.0140]
    assert m["seeds"] == [0, 1, 2] and [p["test_error"] for p in m["per_seed"]] == errors
    assert m["test_error"] == pytest.approx(statistics.mean(errors))
    assert m["test_error_std"] == pytest.approx(statistics.stdev(errors))
    assert m["train_seconds"] == pytest.approx(600.0)  # each file's time once
    assert [r["file"] for r in m["runs"]] == [str(first), str(later)]
    assert "standard deviation over 3 seeds: 1.29%, 1.25%, 1.40%" in capsys.readouterr().out


@pytest.mark.parametrize("second, message", [
    (run(1, 0.01, 0.01, jitter=2), "jitter differ"),
    (run(0, 0.01, 0.01), r"share a seed \(\[0, 0\]\)"),
    (run(1, 0.01, 0.01, precision="bf16"), "precision differ"),
    ({**run(1, 0.01, 0.01), "machine": "a GPU"}, "machine differ"),
    ({**run(1, 0.01, 0.01), "seeds": [1, 2]}, "missing per_seed"),
    (several([0, 1], [0.01, 0.02], [0.01, 0.02]), r"share a seed \(\[0, 0, 1\]\)"),
    ({"settings": {}}, "missing command, train_seconds"),
])
def test_runs_that_are_not_one_recipe_with_different_seeds_are_refused(tmp_path, capsys, second, message):
    first = tmp_path / "first.json"
    first.write_text(json.dumps(run(0, 0.01, 0.01)))
    other = tmp_path / "other.json"
    other.write_text(json.dumps(second))
    with pytest.raises(SystemExit) as exit:
        seeds.main([str(first), str(other), "--metrics", str(tmp_path / "all.json")])
    assert exit.value.code == 2
    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "all.json").exists()


def test_a_setting_an_older_engine_did_not_write_counts_as_its_default(tmp_path):
    # The first `scaled` runs predate the precision setting: they ran in fp32, the default.
    older, newer = run(0, 0.0129, 0.014), run(2, 0.0131, 0.0132, precision="fp32", receptive_fields=[])
    out = tmp_path / "all.json"
    assert seeds.main([*write(tmp_path, [older, newer]), "--metrics", str(out)]) == 0
    assert json.loads(out.read_text())["seeds"] == [0, 2]
