"""One recipe trained from several seeds in separate runs, as one file with its error bars.

`python -m ff_tutorial train --seeds 0,1,2` trains several seeds at once and writes their mean
± standard deviation itself. Runs made one seed at a time (the `scaled` networks took 50 minutes
each) are brought together here instead:

    python -m experiments.seeds results/scaled.json results/scaled-seed-1.json \\
        results/scaled-seed-2.json --metrics results/scaled-seeds-0-1-2.json

reads the runs' metrics files, checks that they are one recipe (every setting equal but the
seed) with different seeds, and writes a new file in the shape `train --seeds` writes: each
seed's errors, each error's mean and standard deviation, and the files it came from. A file
written by `train --seeds` counts as each of its seeds, so a first seed run alone and more
seeds run later together make one set. Nothing is measured again, so no test image is looked
at: each run's look is already in the ledger.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from ff_tutorial.cli import summarize
from ff_tutorial.outputs import OutputError, check_writable, write_atomically
from ff_tutorial.recipes import Recipe

# What each run reports about itself that must agree for the runs to be one set.
SAME = ("preset", "device", "machine")
# A setting missing from a file is one its engine did not have yet: it ran as the default.
DEFAULTS = json.loads(json.dumps(asdict(Recipe())))


def read_runs(paths: list) -> list:
    """The metrics files, each as a dict; a clear ValueError for one that is not a run's."""
    runs = []
    for path in paths:
        try:
            run = json.loads(Path(path).read_text())
        except (OSError, ValueError) as error:
            raise ValueError(f"cannot read {path}: {error}") from None
        needed = ("settings", "command", "train_seconds") + (("per_seed",) if "seeds" in run else ())
        missing = [key for key in needed if key not in run]
        if missing:
            raise ValueError(f"{path} is not the metrics file of a training run (missing {', '.join(missing)})")
        runs.append(run)
    return runs


def seeds_of(run: dict) -> list:
    """Each seed a file holds, with its errors: its only one, or each of a `train --seeds` file."""
    if "seeds" in run:
        return run["per_seed"]
    return [{"seed": run["settings"]["seed"],
             **{key: value for key, value in run.items() if key.endswith(("_error", "_error_one_pass"))}}]


def check_one_recipe(paths: list, runs: list) -> None:
    """Refuse runs that differ in anything but the seed, or that share a seed."""
    first = runs[0]
    for path, run in zip(paths[1:], runs[1:]):
        keys = (set(first["settings"]) | set(run["settings"])) - {"seed"}
        differ = sorted(key for key in keys if first["settings"].get(key, DEFAULTS.get(key))
                        != run["settings"].get(key, DEFAULTS.get(key)))
        differ += [key for key in SAME if first.get(key) != run.get(key)]
        if differ:
            raise ValueError(f"{path} is not the recipe of {paths[0]}: {', '.join(differ)} differ")
    seeds = [entry["seed"] for run in runs for entry in seeds_of(run)]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"the runs share a seed ({seeds}); each seed counts once")
    if len(seeds) < 2:
        raise ValueError("error bars need at least two seeds")


def held_out(run: dict) -> str:
    """'validation' for a run made with --validation, else 'test'."""
    return "validation" if any(key.startswith("validation_") for key in run) else "test"


def combine(paths: list, runs: list, command: str) -> dict:
    """The runs as one record of several seeds, in the shape `train --seeds` writes."""
    split = held_out(runs[0])
    entries = [entry for run in runs for entry in seeds_of(run)]
    keys = [key for key in ("train_error", f"{split}_error", "train_error_one_pass", f"{split}_error_one_pass")
            if all(key in entry for entry in entries)]
    per_seed = [{"seed": entry["seed"], **{key: entry[key] for key in keys}} for entry in entries]
    first = runs[0]
    return dict(preset=first["preset"], settings=first["settings"], command=command,
                train_seconds=round(sum(run["train_seconds"] for run in runs), 2),
                device=first.get("device"), machine=first.get("machine"),
                torch=sorted({run.get("torch") for run in runs}, key=str),
                seeds=[p["seed"] for p in per_seed],
                **summarize([{key: p[key] for key in keys} for p in per_seed]),
                per_seed=per_seed,
                runs=[dict(file=str(path), command=run["command"]) for path, run in zip(paths, runs)])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.seeds", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+",
                        help="metrics files of one recipe: runs of one seed, or of several (train --seeds)")
    parser.add_argument("--metrics", required=True, help="the new file to write (one that exists is refused)")
    args = parser.parse_args(argv)
    try:
        check_writable(args.metrics, "metrics", new=True)
        runs = read_runs(args.runs)
        check_one_recipe(args.runs, runs)
    except (OutputError, ValueError) as error:
        parser.error(str(error))
    command = " ".join(["python -m experiments.seeds", *args.runs, "--metrics", args.metrics])
    record = combine(args.runs, runs, command)
    write_atomically(args.metrics, (json.dumps(record, indent=2) + "\n").encode(), new=True)
    split = held_out(record)
    for key in (f"{split}_error", f"{split}_error_one_pass"):
        if key in record:
            print(f"{key.replace('_', ' ')}: {record[key]:.2%} ± {100 * record[key + '_std']:.2f} "
                  f"(standard deviation over {len(record['seeds'])} seeds: "
                  f"{', '.join(f'{p[key]:.2%}' for p in record['per_seed'])})")
    print(f"wrote {args.metrics}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
