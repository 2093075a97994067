"""The chapter 11 gallery: small playground runs that contrast one setting, recorded for the static book.

`python -m experiments.gallery` trains each run below with the playground's own `train_small` (a
few thousand images, a few seconds each) and writes results/gallery/NAME.json: the settings, the
command, the error on the first 2,000 validation images (the last 10,000 training images, which
no run trains on; no test image is looked at), every step's loss, each layer's goodness
histograms, and the machine. Name runs to make only those. A file that exists is kept, never
replaced, unless `--force` is given; chapter 11 draws its figures from these files
(`ff_tutorial.playground.gallery_figure`).
"""

from __future__ import annotations

import json
import sys

from experiments.files import files_to_make
from ff_tutorial import load_mnist
from ff_tutorial.outputs import OutputError, write_atomically
from ff_tutorial.playground import GALLERY, gallery_record, train_small

# Each run is the playground's default (train_small's: the symmetric loss with a cool-down) with
# the settings given here changed; the chapter sets them side by side.
RUNS = {
    "default": {},
    "seed-1": {"seed": 1},
    "seed-2": {"seed": 2},
    # The FF loss, with its threshold: 2 is the blog's, which waits on the plateau at log 2.
    "ff": {"loss": "ff"},
    "ff-threshold-0.3": {"loss": "ff", "threshold": 0.3},
    "ff-threshold-8": {"loss": "ff", "threshold": 8.0},
    "lr-0.003": {"lr": 0.003},
    "lr-1": {"lr": 1.0},
    "permuted": {"negatives": "permuted"},
    "hard": {"negatives": "hard"},
    "hybrid": {"negatives": "hybrid"},
    "no-cooldown": {"cooldown": False},
    "batch-10": {"batch_size": 10},
    "batch-500": {"batch_size": 500},
    "jitter-1": {"jitter": 1},
    "jitter-2": {"jitter": 2},
}


def as_json(record: dict) -> str:
    """One line per field: the settings read at a glance, the long lists of numbers each on one line."""
    return "{\n" + ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in record.items()) + "\n}\n"


def main(argv=None) -> int:
    try:
        todo = files_to_make("python -m experiments.gallery", __doc__, RUNS, GALLERY, "gallery file", argv)
    except OutputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    data = load_mnist() if todo else None
    for name, path in todo.items():
        result = train_small(data, **RUNS[name])
        record = gallery_record(result, name, f"python -m experiments.gallery {name}")
        write_atomically(path, as_json(record).encode())
        print(f"{name}: validation error {result.validation_error:.2%} in {result.seconds:.1f} s -> {path}",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
