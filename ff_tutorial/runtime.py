"""Where to run, how to be reproducible, how to show progress, and whether a chapter's parameters make sense."""

from __future__ import annotations

import os
import platform
import random
import sys

import numpy as np
import torch
from tqdm.std import tqdm


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


class DisplayedLine:
    """A file for tqdm that shows the bar as one line of text output in a notebook, updated in place.

    A widget bar is stored as "0%" (its state lives in a script that a saved or rendered notebook cannot
    run), and a bar written to stderr is stored as every state it went through; an updated display
    is stored as its last state: "100%|██████████| 10/10 [00:02<00:00, 4.1it/s]".
    """

    encoding = "utf-8"  # tqdm draws the bar with block characters when the file takes them

    def __init__(self):
        self.handle = None

    def write(self, text: str) -> None:
        line = text.rsplit("\r", 1)[-1].rstrip()  # tqdm writes "\r" + the bar, then "\n" when it closes
        if not line:
            return
        from IPython.display import display
        if self.handle is None:
            self.handle = display({"text/plain": line}, raw=True, display_id=True)
        else:
            self.handle.update({"text/plain": line}, raw=True)

    def flush(self) -> None:
        pass


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (a notebook, Colab), where outputs are stored and rendered."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return getattr(shell, "kernel", None) is not None


def progress(iterable=None, enabled: bool = True, **kwargs):
    """A progress bar, or the bare iterable when disabled: live text in a terminal, one line of text
    updated in place in a notebook (never a widget, which stored outputs show as "0%")."""
    if enabled and in_notebook():
        return tqdm(iterable, file=DisplayedLine(), **kwargs)
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


# ----- the chapters' parameters -----
# A rule is (test, what the value must be). Each chapter checks its parameters cell with
# `check_parameters(CHAPTER, globals())` before using them, so that papermill's or a reader's bad value
# stops the chapter at once with a one-line message, rather than deep inside a training loop.

def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _between(low: int, high: int, what: str = "") -> tuple:
    return (lambda v: _integer(v) and low <= v <= high), f"an integer from {low} to {high}{what}"


def _one_of(*choices) -> tuple:
    return (lambda v: v in choices), " or ".join(repr(c) for c in choices)


POSITIVE_INTEGER = (lambda v: _integer(v) and v > 0), "a positive integer"
POSITIVE_INTEGER_OR_NONE = ((lambda v: v is None or POSITIVE_INTEGER[0](v)),
                            "a positive integer, or None for the whole set")
POSITIVE_NUMBER = (lambda v: _number(v) and v > 0), "a positive number"
NON_NEGATIVE_NUMBER = (lambda v: _number(v) and v >= 0), "a number, zero or positive"
BOOLEAN = (lambda v: isinstance(v, bool)), "True or False"
POSITIVE_INTEGERS = ((lambda v: isinstance(v, (list, tuple)) and len(v) > 0
                      and all(POSITIVE_INTEGER[0](w) for w in v)),
                     "a non-empty list of positive integers such as [500, 500]")
TRAINING_IMAGES = _between(1, 60_000, " (MNIST's training set)")
VALIDATION_TRAINING_IMAGES = _between(1, 50_000, " (MNIST's training set less the validation split)")
EMBEDDINGS = _one_of("concat", "overlay")
NEGATIVES = _one_of("wrong", "permuted", "hard")

# Chapter -> its parameters' rules. SEED and DEVICE are checked where they are used (seed_everything,
# pick_device), paths where the files are opened.
CHAPTER_PARAMETERS = {
    1: {"TRAIN_SIZE": TRAINING_IMAGES, "HIDDEN": POSITIVE_INTEGERS, "EPOCHS": POSITIVE_INTEGER,
        "BATCH_SIZE": POSITIVE_INTEGER, "LR": POSITIVE_NUMBER},
    2: {"EXAMPLE": _between(0, 59_999, " (an index into MNIST's training set)"),
        "BLOG_TRAIN_SIZE": _between(2, 60_000), "DRAWS": POSITIVE_INTEGER},
    3: {"TRAIN_SIZE": TRAINING_IMAGES, "HIDDEN": POSITIVE_INTEGER, "EPOCHS": POSITIVE_INTEGER,
        "BATCH_SIZE": POSITIVE_INTEGER, "THRESHOLD": POSITIVE_NUMBER, "LR": POSITIVE_NUMBER},
    4: {"TRAIN_SIZE": TRAINING_IMAGES, "EPOCHS": POSITIVE_INTEGER, "SMOOTH": POSITIVE_INTEGER,
        "BATCH_SIZE": POSITIVE_INTEGER_OR_NONE, "HIDDEN": POSITIVE_INTEGERS, "EMBEDDING": EMBEDDINGS,
        "NEGATIVES": NEGATIVES, "LR": POSITIVE_NUMBER, "THRESHOLD": POSITIVE_NUMBER,
        "USE_SAVED_SEED_NETWORK": BOOLEAN},
    5: {"TRAIN_SIZE": TRAINING_IMAGES, "EPOCHS": POSITIVE_INTEGER, "BATCH_SIZE": POSITIVE_INTEGER_OR_NONE,
        "LR": POSITIVE_NUMBER, "USE_SAVED_SEED_NETWORK": BOOLEAN, "READOUT_EPOCHS": POSITIVE_INTEGER,
        "TIMING_REPEATS": POSITIVE_INTEGER},
    6: {"TRAIN_SIZE": TRAINING_IMAGES, "EPOCHS": POSITIVE_INTEGER, "BATCH_SIZE": POSITIVE_INTEGER_OR_NONE,
        "LR": POSITIVE_NUMBER, "USE_SAVED_SEED_NETWORK": BOOLEAN,
        "NUM_WEIGHTS": _between(1, 500, " (the units in layer 0)"), "NUM_EXAMPLES": POSITIVE_INTEGER,
        "NUM_MISTAKES": POSITIVE_INTEGER},
    7: {"TRAIN_SIZE": VALIDATION_TRAINING_IMAGES, "EPOCHS": POSITIVE_INTEGER, "WIDTH": POSITIVE_INTEGER},
    8: {"RUN": BOOLEAN, "VALIDATION_EPOCHS": POSITIVE_INTEGER, "NUM_MISTAKES": POSITIVE_INTEGER},
    9: {"TRAIN_SIZE": TRAINING_IMAGES, "WIDTH": POSITIVE_INTEGER, "LAYERS": POSITIVE_INTEGER,
        "EPOCHS": POSITIVE_INTEGER, "READOUT_EPOCHS": POSITIVE_INTEGER, "LR": POSITIVE_NUMBER,
        "READOUT_LR": POSITIVE_NUMBER, "PEER_NORM": NON_NEGATIVE_NUMBER},
    10: {"TRAIN_SIZE": TRAINING_IMAGES, "WIDTH": POSITIVE_INTEGER, "EPOCHS": POSITIVE_INTEGER,
         "BATCH_SIZE": POSITIVE_INTEGER, "MEMORY_BATCH_SIZE": POSITIVE_INTEGER, "DEPTHS": POSITIVE_INTEGERS},
    11: {"TRAIN_SIZE": VALIDATION_TRAINING_IMAGES, "WIDTH": POSITIVE_INTEGER, "LAYERS": POSITIVE_INTEGER,
         "EPOCHS": POSITIVE_INTEGER, "BATCH_SIZE": POSITIVE_INTEGER, "LOSS": _one_of("ff", "symba"),
         "THRESHOLD": POSITIVE_NUMBER, "LR": POSITIVE_NUMBER, "COOLDOWN": BOOLEAN,
         "JITTER": _between(0, 27, " (pixels)"), "EMBEDDING": EMBEDDINGS,
         "NEGATIVES": _one_of("wrong", "permuted", "hard", "hybrid")},
    12: {"TRAIN_SIZE": VALIDATION_TRAINING_IMAGES, "EPOCHS": POSITIVE_INTEGER, "WIDTH": POSITIVE_INTEGER,
         "GEOMETRY": ((lambda v: isinstance(v, (list, tuple)) and len(v) == 2
                       and all(POSITIVE_INTEGER[0](w) for w in v)),
                      "[field, stride], two positive integers such as [12, 4]"),
         "USE_RECORDED_NETWORK": BOOLEAN},
    13: {"TRAIN_SIZE": VALIDATION_TRAINING_IMAGES, "EPOCHS": POSITIVE_INTEGER, "HIDDEN": POSITIVE_INTEGERS,
         "NEGATIVES": _one_of("hard", "wrong"), "NUM_EXAMPLES": POSITIVE_INTEGER, "USE_RECORDED_NETWORK": BOOLEAN},
}


def check_parameters(chapter: int, values: dict) -> None:
    """Check a chapter's parameters (`values`: its namespace, such as `globals()`) against its rules
    in CHAPTER_PARAMETERS; the first bad one raises a ValueError that names it and says what it must be."""
    if chapter not in CHAPTER_PARAMETERS:
        raise ValueError(f"chapter must be one of {sorted(CHAPTER_PARAMETERS)}, got {chapter!r}")
    for name, (test, what) in CHAPTER_PARAMETERS[chapter].items():
        if name not in values:
            raise ValueError(f"chapter {chapter} has no parameter {name}: run its parameters cell first")
        if not test(values[name]):
            raise ValueError(f"{name} must be {what}, got {values[name]!r}")
