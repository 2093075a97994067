"""The GPU repeats of the recorded runs use the recorded commands, changed only in device and output."""

import json

import pytest

import benchmarks.gpu_runs as gpu_runs
from benchmarks.table import RESULTS


def test_the_command_keeps_every_setting_and_changes_device_metrics_and_checkpoint():
    args = gpu_runs.gpu_command("python -m ff_tutorial train --preset accurate --epochs 60 --device cpu "
                                "--save models/scaled.pt --metrics results/scaled.json --no-progress "
                                "--jitter 2", "scaled")
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
    assert gpu_runs.main(["fast"]) == 2
    assert "no CUDA device" in capsys.readouterr().err


def test_an_unknown_run_is_refused():
    with pytest.raises(SystemExit):
        gpu_runs.main(["nonesuch"])
