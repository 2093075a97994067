"""The validation runs that only a GPU can make in a sitting, in one command of at most 9 minutes.

`python -m experiments.gpu_validation` on a machine with a CUDA GPU, from the repository root,
after `python -m benchmarks.gpu_session` has measured the engine there (results/gpu-session-*):

1. the engine's tests on the GPU (`tests/test_engine.py`), which the first GPU session could not
   start (its machine lacked the notebook tools, which the tests no longer need);
2. the permutation-invariant unsupervised network at the paper's size and epochs (four layers of
   2,000 units, 100 epochs, the `unsupervised` preset without jitter), three seeds at once: the
   track furthest from its target. On an H200 its 100 epochs take about six minutes (68 of them
   took 240 seconds there), then its read-out;
3. three layers of 2,000 units for 60 epochs, five seeds at once: the comparison that the paper's
   four layers at 60 epochs (1.65% ± 0.06 with ten passes, on the Results page) left open against
   the chosen three layers at 30.

All on the validation split: no test image is looked at. Everything goes into a new folder,
results/gpu-validation-DATE/ (nothing recorded is overwritten), and each step gets what is left of
`--budget` seconds (default 540), as in `benchmarks.gpu_session`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.gpu_session import ENGINE_TESTS, TRAIN_ON_CUDA, command_line


def steps(out: Path) -> list:
    train = TRAIN_ON_CUDA
    return [
        ENGINE_TESTS,
        ("unsupervised, 4 x 2000, 100 epochs, 3 seeds", train + [
            "--preset", "unsupervised", "--jitter", "0", "--dims", "784,2000,2000,2000,2000", "--epochs", "100",
            "--seeds", "0,1,2", "--metrics", str(out / "unsupervised-pi-4x2000-100-epochs-seeds-0-1-2.json")]),
        ("accurate, 3 x 2000, 60 epochs, 5 seeds", train + [
            "--preset", "accurate", "--dims", "784,2000,2000,2000", "--epochs", "60", "--seeds", "0,1,2,3,4",
            "--metrics", str(out / "accurate-2000-60-epochs-seeds-0-1-2-3-4.json")]),
    ]


def main(argv=None) -> int:
    return command_line(argv, "python -m experiments.gpu_validation", __doc__, steps, 540.0, "gpu-validation")


if __name__ == "__main__":
    sys.exit(main())
