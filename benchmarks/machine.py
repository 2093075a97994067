"""What machine a benchmark ran on, and how to time work on it."""

from __future__ import annotations

import datetime
import os
import platform
import re
import shlex
import statistics
import sys
import time

import torch

from ff_tutorial.runtime import cpu_model, usable_cores


def device_kind(device: torch.device) -> str:
    """A short name for file names: 'cpu', or 'cuda-' and the card, so each card keeps its own file."""
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        return "cuda-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return device.type


def facts(device: torch.device) -> dict:
    """Everything a reader needs to judge whether our numbers apply to their machine."""
    info = dict(
        cpu=cpu_model(),
        cores=usable_cores(),
        cores_in_machine=os.cpu_count(),
        torch=torch.__version__,
        torch_threads=torch.get_num_threads(),
        python=platform.python_version(),
        os=platform.platform(),
        device=str(device),
        gpu=torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        cuda=torch.version.cuda if device.type == "cuda" else None,
        date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        command=" ".join(shlex.quote(a) for a in [os.path.basename(sys.executable), "-m", "benchmarks",
                                                  *sys.argv[1:]]),
    )
    if device.type == "cpu":
        # Another job on the same cores makes every number here slower; the load says whether one ran.
        try:
            info["load_average_at_start"] = [round(v, 2) for v in os.getloadavg()]
        except OSError:
            pass
    return info


def sync(device: torch.device) -> None:
    """Wait for queued GPU work, so that a timer stops when the work is done, not when it is queued."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def timed(fn, device: torch.device):
    """(fn(), seconds it took), with the device drained before and after."""
    sync(device)
    start = time.perf_counter()
    result = fn()
    sync(device)
    return result, time.perf_counter() - start


def best_seconds(fn, device: torch.device, repeats: int) -> float:
    """The fastest of `repeats` runs after one warm-up: the machine's capability, not its noise."""
    fn()
    return min(timed(fn, device)[1] for _ in range(repeats))


def median(values) -> float:
    return statistics.median(values)
