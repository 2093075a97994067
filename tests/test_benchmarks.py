"""The benchmarks still run: the quick mode, end to end, writes every section, its table and its plots.

It checks that each measurement was made and is sane (positive times and ratios, clocks that hold
what they timed, memory in bytes), never how fast anything is: tiny sizes on a shared machine measure nothing.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("side_by_side", "flops", "time_to_accuracy", "prediction", "growth")
MIB = 2**20


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    # About a minute in a fresh process: every test that uses it is marked slow.
    out = tmp_path_factory.mktemp("benchmarks")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--device", "cpu", "--out", str(out),
                           "--seed-metrics", str(out / "no-seed.json")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    seconds = time.perf_counter() - start
    assert done.returncode == 0, f"python -m benchmarks --quick failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return out, json.loads((out / "benchmark-cpu-quick.json").read_text()), done.stdout, seconds


@pytest.mark.slow
def test_every_section_is_there_with_the_machine(quick):
    _, result, stdout, run_seconds = quick
    assert result["quick"] is True
    assert set(SECTIONS) <= set(result["sections"])
    machine = result["machine"]
    for key in ("cpu", "cores", "torch", "torch_threads", "date", "command"):
        assert machine[key], key
    assert "--quick" in machine["command"]
    assert "Ratio blog / ours" in stdout
    # A section's clock holds the work it timed (0.05 s: its rounding); together they fit in the whole run.
    sections, section_seconds = result["sections"], result["section_seconds"]
    side, rows = sections["side_by_side"], sections["prediction"]["rows"]
    timed = dict(side_by_side=sum(side["blog_seconds"] + side["ours_seconds"]),
                 flops=sum(p["forward"] + p["weight_gradient"] for p in sections["flops"]["product_seconds"]),
                 time_to_accuracy=sections["time_to_accuracy"]["fast"]["wall_seconds"][-1],
                 prediction=sum(s for r in rows for s in r["seconds"]),
                 growth=sum(p["seconds"] for p in sections["growth"]["points"]))
    for name in SECTIONS:
        assert section_seconds[name] >= timed[name] - 0.05, name
    assert 0 < sum(section_seconds[name] for name in SECTIONS) < run_seconds


@pytest.mark.slow
def test_side_by_side_and_flops(quick):
    sections = quick[1]["sections"]
    side, flops = sections["side_by_side"], sections["flops"]
    assert side["blog_seconds_per_epoch"] > 0 and side["ours_seconds_per_epoch"] > 0
    assert side["ratio_blog_over_ours"] > 0
    assert len(side["blog_seconds"]) == len(side["ours_seconds"]) == side["repeats"]
    assert flops["flops_per_epoch"] > 0 and flops["peak_flops_per_second"] > 0
    for who in ("blog", "ours"):
        assert flops[f"{who}_flops_per_second"] > 0 and flops[f"{who}_share_of_peak"] > 0


@pytest.mark.slow
def test_time_to_accuracy(quick):
    t = quick[1]["sections"]["time_to_accuracy"]
    fast = t["fast"]
    assert len(fast["epochs"]) == len(fast["validation_error"]) == len(fast["train_seconds"]) == fast["max_epochs"]
    assert "test_error" not in fast and fast["validation_images"] == 1_000  # the quick mode's share of the split
    assert all(s > 0 for s in fast["train_seconds"])
    assert all(a <= b for a, b in zip(fast["train_seconds"], fast["wall_seconds"]))  # evaluations left out
    assert t["seed"] is None  # pointed at a file that does not exist
    assert t["blog"]["seconds"] > 0 and t["blog"]["method"] == "estimated from measured s/epoch"
    # Reached means reached: a threshold below the reported error is never credited to the blog.
    assert t["blog"]["reached"]["0.03"] is None


@pytest.mark.slow
def test_prediction_and_growth(quick):
    sections = quick[1]["sections"]
    prediction, growth = sections["prediction"], sections["growth"]
    rows = prediction["rows"]
    assert {r["method"] for r in rows} == {"goodness", "one_pass", "blog"}
    for r in rows:
        # Bytes, not KiB counted twice: a thousand tiny images never need hundreds of MiB.
        # (A peak is never below 0: the measurement clamps it there, so only its upper bound says anything.)
        assert r["images_per_second"] > 0 and r["speed_over_blog"] > 0
        assert isinstance(r["peak_bytes"], int) and r["peak_bytes"] < 256 * MIB
    # The quick mode measures in one worker, where memory freed by a task can hide the next one's peak; the
    # first task (ten passes of goodness, after a smaller warm-up) must still hold its images with a label in.
    goodness = next(r for r in rows if r["method"] == "goodness")
    assert goodness["peak_bytes"] >= goodness["images"] * prediction["dims"][0] * 4, goodness["memory_method"]
    points = growth["points"]
    for preset in ("seed", "fast"):
        for axis in ("images", "width", "depth"):
            mine = [p for p in points if p["preset"] == preset and p["axis"] == axis]
            assert len(mine) >= 3
            assert all(p["seconds_per_epoch"] > 0 and isinstance(p["peak_bytes"], int) and p["peak_bytes"] < 256 * MIB
                       for p in mine)


@pytest.mark.slow
def test_report_files(quick):
    out = quick[0]
    table = (out / "benchmark-cpu-quick.md").read_text()
    assert "Measured on" in table and table.count("### ") >= len(SECTIONS)
    for name in ("error-vs-time-cpu-quick.png", "growth-cpu-quick.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    # the files checked writable before measuring are the files written
    from benchmarks import report
    checked = {p.name for p in report.paths(quick[1], out, quick[1]["sections"])} | {"benchmark-cpu-quick.json"}
    assert checked == {p.name for p in out.iterdir()}


@pytest.mark.filterwarnings("ignore:layer 0 is dead")  # made-up images: a tiny layer may die; only the split matters
def test_the_benchmarks_measure_errors_on_the_validation_split_never_on_the_test_set(tmp_path, monkeypatch):
    # A test set that no network can read (images of 3 pixels): any error measured on it would fail.
    from benchmarks import run
    from ff_tutorial.data import MNIST
    generator = torch.Generator().manual_seed(0)
    x = (torch.rand(11_000, 784, generator=generator) - 0.1307) / 0.3081  # normalized as load_mnist does
    data = MNIST(x, torch.randint(0, 10, (11_000,), generator=generator),
                 torch.rand(5, 3), torch.zeros(5, dtype=torch.long), source="made up")
    monkeypatch.setattr(run, "load_mnist", lambda: data)
    assert run.main(["--quick", "--device", "cpu", "--out", str(tmp_path), "--only", "engine,time_to_accuracy",
                     "--seed-metrics", str(tmp_path / "no-seed.json")]) == 0
    sections = json.loads((tmp_path / "benchmark-cpu-quick.json").read_text())["sections"]
    fast = sections["time_to_accuracy"]["fast"]
    assert fast["validation_images"] == 1_000 and len(fast["validation_error"]) == fast["max_epochs"]
    for row in sections["engine"]["rows"]:
        assert 0 <= row["validation_error"] <= 1 and "test_error" not in row
    table = (tmp_path / "benchmark-cpu-quick.md").read_text()
    assert "validation error" in table and "test error" not in table


def test_the_report_rebuilds_the_recorded_tables(tmp_path):
    # Files written before the benchmarks kept the test set say test_error, and before a step recorded
    # its precision say none; the report still reads them as they were written.
    from benchmarks import report
    for recorded in ("benchmark-cpu", "engine-cpu/benchmark-cpu", "engine-cpu-bf16/benchmark-cpu",
                     "benchmark-cuda-nvidia-h200"):
        result = json.loads((ROOT / "results" / f"{recorded}.json").read_text())
        assert report.markdown(result) == (ROOT / "results" / f"{recorded}.md").read_text(), recorded


def test_an_output_folder_that_cannot_be_made_stops_the_benchmarks_before_measuring(tmp_path, capsys):
    from benchmarks.run import main
    (tmp_path / "a-file").write_text("")
    assert main(["--quick", "--out", str(tmp_path / "a-file" / "results"), "--only", "flops"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_bfloat16_training_sees_every_update_of_the_weights():
    # The products run in bfloat16 on copies of the weights that autocast makes: each step must
    # make them anew from the float32 weights it updated, or every step computes the same loss.
    from ff_tutorial import FFNetwork
    from ff_tutorial.engine import Engine

    torch.manual_seed(0)
    net = FFNetwork([784, 50], loss="symba", symba_alpha=100.0)
    engine = Engine([net], precision="bf16")
    x = torch.rand(1, 40, 784)
    x = x / x.norm(dim=-1, keepdim=True)  # the engine takes rows of unit length
    for _ in range(5):
        engine.step(0, 0, x)
    losses = [float(step_losses) for _, step_losses in engine.log]
    assert len(set(losses)) == 5 and losses[-1] < losses[0]
    assert net.layers[0].linear.weight.dtype == torch.float32  # the weights themselves stay float32