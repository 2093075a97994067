"""Every GPU measurement of the training engine, in one command of at most 8 minutes.

`python -m benchmarks.gpu_session` on a machine with a CUDA GPU, from the repository root:

1. the engines' tests on the GPU (`tests/test_engine.py`, `tests/test_recurrent.py`: the captured
   step against the eager one, several seeds at once against each alone, the host reads);
2. `python -m benchmarks --only engine --device cuda`: eager against captured, one seed
   against 8 at once, float32 / TF32 / bfloat16 with their validation errors, and the accurate
   step's share of the GPU's matrix-product peak;
3. the `accurate` preset, timed as `python -m ff_tutorial train --validation` times it (measured on
   the validation split, so that timing a recipe on a new machine is no look at the test set), then
   `fast`, `seed` and `fast` in bfloat16 the same way;
4. the recurrent network of chapter 13 at the paper's size (two layers of 2,000 units), one epoch on
   50,000 training images and its validation error: the time an epoch takes there, which sizes the
   paper's 60-epoch run;
5. the permutation-invariant network at the paper's size and epochs (four layers of 2,000 units,
   60 epochs), five seeds at once, on the validation split: whether the paper's size pays, which
   this project's CPU cannot train in a sitting;
6. `accurate` with 8 seeds at once, and the `gpu` section of the benchmarks (precision and batch
   size), which an earlier GPU session measured before the engine.

Everything goes into a new folder, results/gpu-session-DATE/ (nothing recorded is overwritten).
Each step gets what is left of `--budget` seconds (default 480); a step still running then is
interrupted, says so, and no later step starts.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

from experiments.gpu_runs import run

ROOT = Path(__file__).resolve().parent.parent
# Shared by every plan of GPU steps (this one and experiments.gpu_validation): a training run on the
# validation split, on CUDA, and the engine's tests.
TRAIN_ON_CUDA = [sys.executable, "-m", "ff_tutorial", "train", "--validation", "--device", "cuda", "--no-progress"]
ENGINE_TESTS = ("engine tests", [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_engine.py",
                                  "tests/test_recurrent.py"])


def steps(out: Path) -> list:
    train = TRAIN_ON_CUDA
    return [
        ENGINE_TESTS,
        ("engine section", [sys.executable, "-m", "benchmarks", "--only", "engine", "--device", "cuda",
                            "--out", str(out)]),
        ("accurate", train + ["--preset", "accurate", "--metrics", str(out / "accurate.json")]),
        ("fast", train + ["--preset", "fast", "--metrics", str(out / "fast.json")]),
        ("seed", train + ["--preset", "seed", "--metrics", str(out / "seed.json")]),
        ("fast, bf16", train + ["--preset", "fast", "--precision", "bf16", "--metrics", str(out / "fast-bf16.json")]),
        ("recurrent, 2 x 2000, 1 epoch", [sys.executable, "-m", "experiments.recurrent_small", "--hidden", "2000,2000",
                                          "--train-size", "50000", "--epochs", "1", "--device", "cuda",
                                          "--no-progress", "--out", str(out), "--name", "recurrent-2000-1-epoch"]),
        ("accurate, 4 x 2000, 60 epochs, 5 seeds", train + [
            "--preset", "accurate", "--dims", "784,2000,2000,2000,2000", "--epochs", "60", "--seeds", "0,1,2,3,4",
            "--metrics", str(out / "accurate-4x2000-60-epochs-seeds-0-1-2-3-4.json")]),
        ("accurate, 8 seeds", train + ["--preset", "accurate", "--seeds", "0,1,2,3,4,5,6,7",
                                       "--metrics", str(out / "accurate-8-seeds.json")]),
        ("gpu section", [sys.executable, "-m", "benchmarks", "--only", "gpu", "--device", "cuda",
                         "--out", str(out / "gpu")]),
    ]


def run_steps(steps: list, out: Path, budget: float) -> int:
    """Run each (name, command) in turn, its output to out/log.txt, within `budget` seconds in all:
    a step still running when it is spent is interrupted and no later step starts. Returns 1 if any
    step failed, was interrupted or did not start."""
    out.mkdir(parents=True, exist_ok=True)
    start, failed = time.perf_counter(), 0
    with open(out / "log.txt", "w") as log:
        for name, command in steps:
            left = budget - (time.perf_counter() - start)
            if left <= 0:
                print(f"{name}: not started, the budget is spent")
                failed += 1
                continue
            print(f"{name}: {' '.join(command[1:])}", flush=True)
            log.write(f"\n===== {name}: {' '.join(command)}\n")
            log.flush()
            began = time.perf_counter()
            code, interrupted = run([], left, command=command, log=log)
            state = "interrupted at the budget" if interrupted else f"exit {code}"
            print(f"  {state} after {time.perf_counter() - began:.1f} s", flush=True)
            failed += bool(code or interrupted)
    print(f"wrote {out} (log.txt has every step's output)")
    return 1 if failed else 0


def command_line(argv, prog: str, doc: str, steps_of, budget: float, folder: str, plans=None) -> int:
    """Parse --budget and --out (and --plan, when there are `plans`: the first is the default) for a
    plan of GPU steps and run them into results/FOLDER-DATE/ (FOLDER-PLAN-DATE)."""
    parser = argparse.ArgumentParser(prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=float, default=budget, help=f"seconds for all the steps (default {budget:g})")
    parser.add_argument("--out", type=Path, help=f"folder for the results (default: results/{folder}"
                                                 f"{'-PLAN' if plans else ''}-DATE)")
    if plans:
        parser.add_argument("--plan", choices=plans, default=plans[0], help=f"which steps (default {plans[0]})")
    args = parser.parse_args(argv)
    name = f"{folder}-{args.plan}" if plans else folder
    out = args.out or ROOT / "results" / f"{name}-{datetime.datetime.now():%Y-%m-%d-%H%M}"
    return run_steps(steps_of(out, args.plan) if plans else steps_of(out), out, args.budget)


def main(argv=None) -> int:
    return command_line(argv, "python -m benchmarks.gpu_session", __doc__, steps, 480.0, "gpu-session")


if __name__ == "__main__":
    sys.exit(main())
