"""Where to run, how to be reproducible, and how to show progress."""

from __future__ import annotations

import os
import platform
import random

import numpy as np
import torch
from tqdm.auto import tqdm


def pick_device(preferred: str | None = None) -> torch.device:
    """The fastest device here: CUDA, then Apple's MPS, then the CPU.

    `preferred` ("cuda", "mps", "cpu" or "auto") asks for one; asking for one that this machine
    lacks is an error that says what it has, rather than a failure deep inside torch.
    """
    available = ["cpu"]
    if torch.backends.mps.is_available():
        available.insert(0, "mps")
    if torch.cuda.is_available():
        available.insert(0, "cuda")
    if preferred in (None, "auto"):
        return torch.device(available[0])
    if not isinstance(preferred, (str, torch.device)):
        raise TypeError(f"device must be a string such as 'cpu' or 'cuda', got {type(preferred).__name__}")
    kind = torch.device(preferred).type
    if kind not in available:
        raise RuntimeError(f"device {preferred!r} was asked for but this machine has only "
                           f"{', '.join(available)}; use device='auto' to take the best one there is")
    return torch.device(preferred)


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; return a CPU generator seeded the same, for explicit use.

    On the CPU this makes training bit-for-bit repeatable; on a GPU some kernels may still vary.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def progress(iterable=None, enabled: bool = True, **kwargs):
    """A progress bar (a widget in Jupyter, text in a terminal), or the bare iterable when disabled."""
    return tqdm(iterable, disable=not enabled, dynamic_ncols=True, **kwargs)


def cpu_model() -> str:
    """The CPU's marketing name, as Linux reports it; platform's guess elsewhere."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def usable_cores() -> int:
    """Cores this process may run on (a container may be given fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def machine(device) -> str:
    """What a time was measured on, in words: the GPU, or the CPU with its cores and torch's threads."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{cpu_model()}, {usable_cores()} cores, {torch.get_num_threads()} threads"
