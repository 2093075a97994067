"""The book's recorded full-size runs again, on a CUDA GPU.

`python -m experiments.gpu_runs [NAME ...]` takes each run's command from results/NAME.json (the run
the book's table shows), runs it again with `--device cuda`, and writes its metrics to
results/gpu/NAME.json; `python -m experiments.table` then sets the two machines side by side. The runs
go one after the other, so that each has the card to itself. With `--budget SECONDS`, a run still
going when the budget is spent is interrupted (Ctrl-C): its metrics say so, and no later run starts.
A run already made on a GPU is not made again: its results/gpu/NAME.json is the record the table
quotes, and a metrics file is never written over.
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import subprocess
import sys
import time

from .table import RESULTS, RUNS

ORDER = ["fast", "seed", "accurate", "unsupervised", "scaled"]  # shortest first: a budget cuts the longest
PREFIX = ["python", "-m", "ff_tutorial"]
# flag -> values it takes; a run again on the GPU starts afresh, from no other machine's state
DROPPED = {"--save": 1, "--metrics": 1, "--device": 1, "--no-progress": 0, "--resume": 1}


def gpu_command(command: str, name: str) -> list:
    """The recorded command's arguments, on CUDA, with its metrics in results/gpu/, no checkpoint and no
    state to resume from."""
    words = shlex.split(command)
    if words[:3] != PREFIX:
        raise ValueError(f"not a `python -m ff_tutorial` command: {command!r}")
    args, words = [], words[3:]
    while words:
        word = words.pop(0)
        if word in DROPPED:
            del words[: DROPPED[word]]
        else:
            args.append(word)
    return args + ["--device", "cuda", "--no-progress", "--metrics", f"results/gpu/{name}.json"]


def run(args: list, seconds_left: float | None, command=None, log=None) -> tuple[int, bool]:
    """Run `python -m ff_tutorial ARGS` (or another `command`), its output to `log` if given;
    interrupt it if it outlasts the budget. Returns (exit code, interrupted)."""
    process = subprocess.Popen(command or [sys.executable, "-m", "ff_tutorial", *args], cwd=RESULTS.parent,
                               stdout=log, stderr=subprocess.STDOUT if log else None)
    try:
        return process.wait(timeout=seconds_left), False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)  # training stops and the metrics are still written
        try:
            return process.wait(timeout=120), True
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait(), True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.gpu_runs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"runs to repeat (default, in this order: {' '.join(ORDER)})")
    parser.add_argument("--budget", type=float, help="seconds for all the runs together")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    args = parser.parse_args(argv)
    names = args.names or ORDER
    unknown = [n for n in names if not (RESULTS / f"{n}.json").is_file()]
    if unknown:
        parser.error(f"no recorded run {unknown} in {RESULTS}; choose from {RUNS}")
    made = [n for n in names if (RESULTS / "gpu" / f"{n}.json").exists()]
    if made and args.names:
        parser.error(f"already run on a GPU: {made} (results/gpu/); a metrics file is never written over")
    names = [n for n in names if n not in made]
    import torch
    if not args.dry_run and not torch.cuda.is_available():
        print("error: no CUDA device here; these are the GPU versions of the recorded runs", file=sys.stderr)
        return 2
    start = time.perf_counter()
    for name in names:
        command = gpu_command(json.loads((RESULTS / f"{name}.json").read_text())["command"], name)
        print(f"\n== {name}: python -m ff_tutorial {shlex.join(command)}", flush=True)
        if args.dry_run:
            continue
        left = None if args.budget is None else args.budget - (time.perf_counter() - start)
        if left is not None and left <= 0:
            print(f"budget spent: {name} and the runs after it were not started")
            break
        code, interrupted = run(command, left)
        if interrupted:
            print(f"{name}: interrupted at the budget; the runs after it were not started")
            break
        if code != 0:
            print(f"{name}: failed (exit code {code})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
