"""Measurements that need a process of their own: time and peak memory of one piece of work.

On a CPU, `measure(tasks, ...)` starts `python -m benchmarks.worker TASKS_JSON`, a fresh process
whose peak memory is the work's alone (`ff_tutorial.memory.in_fresh_process` starts it, as it does
chapter 10's measurements). On a GPU the allocator's statistics are
exact in any process, so the work runs here. A task is a dict:

- {"task": "predict", "method": "goodness" | "one_pass" | "blog", "images": FILE, ...}
- {"task": "train", "preset": NAME, "dims": [...], "images": FILE, "n": N, "epochs": E}

where FILE holds tensors saved by the parent (`torch.save((x, y), FILE)`), so a worker reads
them in a moment instead of decompressing MNIST again.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

import torch

from ff_tutorial import load, seed_everything

from . import presets
from .blog_baseline import FFNN
from .machine import timed
from ff_tutorial.memory import PeakMemory, in_fresh_process

ROOT = Path(__file__).resolve().parent.parent
WARMUP_IMAGES = 256  # a small first run, so thread pools and kernel choices are not timed
MARKER = "RESULT "


def _predictor(task, device):
    if task["method"] == "blog":
        torch.manual_seed(0)
        net = FFNN(task["dims"], device=device)
        return net.predict
    net = load(task["checkpoint"], device=device)
    return net.predict if task["method"] == "goodness" else net.predict_one_pass


def predict(task, device) -> dict:
    x, _ = torch.load(task["images"])
    x = x.to(device)
    fn = _predictor(task, device)
    fn(x[:WARMUP_IMAGES])
    seconds = []
    with PeakMemory(device) as peak:
        for _ in range(task.get("repeats", 1)):
            seconds.append(timed(lambda: fn(x), device)[1])
    return dict(images=len(x), seconds=seconds, peak_bytes=peak.bytes, memory_method=peak.method)


def train(task, device) -> dict:
    x, y = torch.load(task["images"])
    x, y = x[: task["n"]].to(device), y[: task["n"]].to(device)
    name, dims = task["preset"], task["dims"]
    generator = seed_everything(0)
    presets.train(presets.build(name, dims, device), name, x[:WARMUP_IMAGES], y[:WARMUP_IMAGES], 1, generator)
    net = presets.build(name, dims, device)
    with PeakMemory(device) as peak:
        _, seconds = timed(lambda: presets.train(net, name, x, y, task["epochs"], generator), device)
    return dict(images=len(x), seconds=seconds, peak_bytes=peak.bytes, memory_method=peak.method)


def run(task, device) -> dict:
    result = {"predict": predict, "train": train}[task["task"]](task, torch.device(device))
    result["threads"] = torch.get_num_threads()
    return result


def _in_fresh_process(tasks, device) -> list:
    job = json.dumps(dict(tasks=tasks, device=str(device)))
    return in_fresh_process("benchmarks.worker", job, marker=MARKER, cwd=ROOT, what="benchmark worker")


def measure(tasks: list, device: torch.device, isolated: bool = True) -> list:
    """Run the tasks and return their results in order.

    On a CPU each task gets its own fresh process when `isolated`; otherwise they share one, which
    is faster to start but lets one task's freed memory hide part of the next one's peak (the quick
    mode does that, and its JSON says so).
    """
    if device.type == "cuda":
        return [run(task, device) for task in tasks]
    if isolated:
        return [result for task in tasks for result in _in_fresh_process([task], device)]
    return _in_fresh_process(tasks, device)


def main() -> None:
    spec = json.loads(sys.argv[1])
    # The imports leave a few hundred thousand objects behind; frozen, they are not walked again by
    # the garbage collection that precedes each measurement (that walk takes a noticeable fraction of a second).
    gc.freeze()
    results = [run(task, spec["device"]) for task in spec["tasks"]]
    print(MARKER + json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
