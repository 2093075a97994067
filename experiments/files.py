"""The command line of an experiment that writes one file per run, and which of those files to make.

The experiments write one JSON file per named run and never replace one unless asked (`--force`),
so a number the book quotes stays the number its file holds. Every file to make is checked
writable before the first run starts, so a bad folder fails in a second, not after an hour of
training.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from ff_tutorial import load
from ff_tutorial.checkpoint import CheckpointError
from ff_tutorial.outputs import OutputError, check_writable, write_atomically
from ff_tutorial.runtime import machine


def files_to_make(prog: str, description: str, runs, folder: Path, what: str, argv=None) -> dict[str, Path]:
    """Read the command line (run names, `--force`, `--folder`) and return `{name: path}` for the
    runs to make, in the order of `runs`; says which existing files are kept.

    An unknown run name exits with status 2, as argparse does; a file that cannot be written raises
    `ff_tutorial.outputs.OutputError`.
    """
    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"runs to make (default: all, in order: {', '.join(runs)})")
    parser.add_argument("--force", action="store_true", help="run again, and replace, runs whose file exists")
    parser.add_argument("--folder", type=Path, default=folder, help="where the files go (default: %(default)s)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in runs]
    if unknown:
        parser.error(f"no run {', '.join(unknown)}; choose from {', '.join(runs)}")
    todo = {}
    for name in args.names or runs:
        path = args.folder / f"{name}.json"
        if path.exists() and not args.force:
            print(f"{name}: {path} exists, kept (--force runs it again and replaces it)")
        else:
            todo[name] = path
    for path in todo.values():
        check_writable(path, what)
    return todo


def one_file_to_make(path: Path, force: bool) -> bool:
    """For an experiment that writes one file: whether to measure and write `path` (not when it
    exists, unless `force`; says so). A path that cannot be written raises
    `ff_tutorial.outputs.OutputError`, before any measurement."""
    if path.exists() and not force:
        print(f"{path} exists, kept (--force measures again and replaces it)")
        return False
    check_writable(path, "results file")
    return True


def networks_to_measure(paths, record: Path, force: bool) -> list | int:
    """For an experiment that measures saved networks and writes one record: the networks at
    `paths`, loaded, all before any measurement; or instead the exit status, 0 when `record` exists
    and is kept (not `force`), 2 (the error said) when it cannot be written or a network cannot be
    loaded."""
    try:
        if not one_file_to_make(record, force):
            return 0
        return [load(path) for path in paths]
    except (OutputError, CheckpointError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def write_record(path: Path, record: dict) -> None:
    """Write an experiment's one record as JSON, with the machine, torch's version and the date after
    what it measured; whole or not at all (`write_atomically`). Says where it went."""
    record = {**record, "machine": machine(torch.device("cpu")), "torch": torch.__version__,
              "date": time.strftime("%Y-%m-%d")}
    write_atomically(path, (json.dumps(record, indent=1) + "\n").encode())
    print(f"-> {path}")
