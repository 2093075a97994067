"""The GPU repeats of the recorded runs use the recorded commands, changed only in device and output."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from experiments import gpu_runs
from experiments.table import RESULTS

from conftest import ROOT


def test_the_command_keeps_every_setting_and_changes_device_metrics_and_checkpoint():
    args = gpu_runs.gpu_command("python -m ff_tutorial train --preset accurate --epochs 60 --device cpu "
                                "--save models/scaled.pt --metrics results/scaled.json --no-progress "
                                "--resume /tmp/state.pt --jitter 2", "scaled")
    assert args == ["train", "--preset", "accurate", "--epochs", "60", "--jitter", "2",
                    "--device", "cuda", "--no-progress", "--metrics", "results/gpu/scaled.json"]


def test_every_recorded_run_has_a_gpu_command_that_the_cli_accepts():
    from ff_tutorial.cli import build_parser

    for name in gpu_runs.ORDER:
        command = json.loads((RESULTS / f"{name}.json").read_text())["command"]
        args = build_parser().parse_args(gpu_runs.gpu_command(command, name))
        assert args.device == "cuda" and args.metrics == f"results/gpu/{name}.json" and args.save is None


def test_a_command_of_another_program_is_refused():
    with pytest.raises(ValueError, match="not a `python -m ff_tutorial` command"):
        gpu_runs.gpu_command("python train.py --epochs 3", "x")


def test_without_cuda_it_says_so(monkeypatch, capsys):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert gpu_runs.main(["scaled"]) == 2
    assert "no CUDA device" in capsys.readouterr().err


def test_a_run_already_made_on_a_gpu_is_not_made_again(capsys):
    assert (gpu_runs.RESULTS / "gpu" / "fast.json").is_file()  # recorded on an H200
    with pytest.raises(SystemExit):
        gpu_runs.main(["fast"])
    assert "already run on a GPU: ['fast']" in capsys.readouterr().err
    assert gpu_runs.main(["--dry-run"]) == 0
    planned = [line for line in capsys.readouterr().out.splitlines() if line.startswith("== ")]
    recorded = {p.stem for p in (gpu_runs.RESULTS / "gpu").glob("*.json")}
    assert planned and not any(line.split(":")[0][3:] in recorded for line in planned)


def test_an_unknown_run_is_refused():
    with pytest.raises(SystemExit):
        gpu_runs.main(["nonesuch"])


def test_the_gpu_session_writes_only_to_its_own_new_folder_and_its_commands_parse(tmp_path):
    from benchmarks import gpu_session
    from experiments import recurrent_small
    from ff_tutorial.cli import build_parser

    out = tmp_path / "gpu-session"
    steps = gpu_session.steps(out)
    trains = [command[3:] for _, command in steps if command[1:3] == ["-m", "ff_tutorial"]]
    assert len(trains) == 6
    for args in trains:
        parsed = build_parser().parse_args(args)
        assert parsed.device == "cuda" and Path(parsed.metrics).parent == out
        assert parsed.validation  # timing a recipe on a new machine is no look at the test set
    assert any(build_parser().parse_args(args).seeds == list(range(8)) for args in trains)
    paper = [build_parser().parse_args(args) for args in trains if "784,2000,2000,2000,2000" in args]
    assert len(paper) == 1 and paper[0].epochs == 60 and len(paper[0].seeds) == 5  # the paper's size and epochs
    benchmarks = [command for _, command in steps if command[1:3] == ["-m", "benchmarks"]]
    assert [Path(b[b.index("--out") + 1]).is_relative_to(out) for b in benchmarks] == [True, True]
    recurrent = next(command for _, command in steps if command[1:3] == ["-m", "experiments.recurrent_small"])
    parsed = recurrent_small.build_parser().parse_args(recurrent[3:])
    assert parsed.device == "cuda" and parsed.out == out and not parsed.final  # validation only, in its folder
    assert parsed.hidden == "2000,2000"  # the paper's size, whose time an epoch sizes the 60-epoch run


@pytest.mark.slow
def test_the_engine_tests_run_without_the_notebook_tools():
    """The GPU image has torch and pytest but not nbval or nbformat: the session's first step, the
    engine's tests, must not need them (only the chapters' tests do)."""
    hide = ("import sys\n"
            "class Missing:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] in ('nbval', 'nbformat'):\n"
            "            raise ImportError(f'No module named {name!r}')\n"
            "sys.meta_path.insert(0, Missing())\n"
            "import pytest\n")
    test = "tests/test_engine.py::test_host_reads_do_not_grow_with_the_number_of_steps"
    # no plugin loaded from what is installed here, as where nbval is not installed
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = subprocess.run([sys.executable, "-c", hide + f"sys.exit(pytest.main(['-q', '{test}']))"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def validation_trains(steps, out: Path) -> list:
    """The `ff_tutorial train` commands of a GPU plan's steps, parsed, each checked to be a validation
    run on the GPU that writes its metrics into the plan's folder `out`."""
    from ff_tutorial.cli import build_parser

    trains = [build_parser().parse_args(command[3:]) for _, command in steps if command[1:3] == ["-m", "ff_tutorial"]]
    for parsed in trains:
        assert parsed.device == "cuda" and parsed.validation and Path(parsed.metrics).parent == out
    return trains


def test_the_gpu_validation_runs_are_validation_runs_in_their_own_folder(tmp_path):
    from experiments import gpu_validation, recurrent_small

    out = tmp_path / "gpu-validation"
    for plan in gpu_validation.PLANS:  # each starts with the engines' tests
        assert gpu_validation.steps(out, plan)[0][1][-2:] == ["tests/test_engine.py", "tests/test_recurrent.py"]
    trains = validation_trains(gpu_validation.steps(out, "unsupervised"), out)
    assert len(trains) == 2
    for parsed in trains:
        assert len(parsed.seeds) >= 3  # error bars
    unsupervised, supervised = trains
    assert unsupervised.preset == "unsupervised" and unsupervised.jitter == 0  # permutation-invariant
    assert unsupervised.dims == (784, 2000, 2000, 2000, 2000) and unsupervised.epochs == 100  # the paper's
    assert supervised.dims == (784, 2000, 2000, 2000) and supervised.epochs == 60

    steps = gpu_validation.steps(out)  # the default plan: the recurrent network at the paper's size
    bench = next(command for _, command in steps if command[1:3] == ["-m", "benchmarks"])
    assert bench[bench.index("--only") + 1] == "recurrent" and Path(bench[bench.index("--out") + 1]) == out
    recurrent = [recurrent_small.build_parser().parse_args(command[3:]) for _, command in steps
                 if command[1:3] == ["-m", "experiments.recurrent_small"]]
    for parsed in recurrent:
        assert parsed.device == "cuda" and parsed.out == out and not parsed.final  # validation only, in its folder
        assert (parsed.hidden, parsed.epochs, parsed.cooldown) == ("2000,2000", 60, True)  # the paper's size, epochs
    side_by_side, check = recurrent
    assert side_by_side.seeds == [0, 1, 2] and side_by_side.together and side_by_side.precision == "tf32"
    assert (check.seeds, check.seed, check.precision) == (None, 0, "fp32")  # TF32 against float32, seed 0
    with pytest.raises(ValueError, match="plan must be one of"):
        gpu_validation.steps(out, "everything")


def test_the_gpu_local_plan_trains_both_image_prior_tracks_at_about_2000_units_a_layer(tmp_path):
    from experiments import gpu_validation
    from ff_tutorial.receptive import network_connections

    out = tmp_path / "gpu-validation"
    trains = validation_trains(gpu_validation.steps(out, "local"), out)
    assert len(trains) == 2
    for parsed in trains:
        assert parsed.seeds == [0, 1, 2] and parsed.jitter in (None, 1)  # the unsupervised preset jitters by 1
    unsupervised, supervised = trains  # the shorter run first: the budget stops the last step
    assert supervised.preset == "accurate" and supervised.receptive_fields == [(10, 2)]
    assert (supervised.epochs, supervised.symba_alpha, supervised.jitter) == (100, 30.0, 1)  # the track's recipe
    assert supervised.dims == (784, 2000, 2000, 2000)
    assert unsupervised.preset == "unsupervised" and unsupervised.epochs == 60
    # Every layer local: the units each one sees, counted from the geometry in the plan's description
    # (a 10 x 10 patch; then all channels of 2 x 2 locations: 4 x 128 and 4 x 220).
    connections = network_connections(unsupervised.dims, unsupervised.receptive_fields, "none")
    assert [c.shape[0] for c in connections] == [16 * 128, 9 * 220, 4 * 512]
    assert [set(c.sum(dim=1).tolist()) for c in connections] == [{100}, {4 * 128}, {4 * 220}]


def test_a_gpu_plan_is_chosen_by_name_and_an_unknown_one_refused(tmp_path, monkeypatch, capsys):
    from benchmarks import gpu_session
    from experiments import gpu_validation

    ran = []
    monkeypatch.setattr(gpu_session, "run_steps", lambda steps, out, budget: ran.append((steps, out, budget)) or 0)
    assert gpu_validation.main(["--plan", "unsupervised", "--budget", "100", "--out", str(tmp_path)]) == 0
    assert ran[-1] == (gpu_validation.steps(tmp_path, "unsupervised"), tmp_path, 100.0)
    assert gpu_validation.main(["--out", str(tmp_path)]) == 0
    assert ran[-1][0] == gpu_validation.steps(tmp_path, "recurrent")
    with pytest.raises(SystemExit) as exit:
        gpu_validation.main(["--plan", "everything"])
    assert exit.value.code == 2 and "invalid choice" in capsys.readouterr().err
