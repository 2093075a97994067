"""The backprop network of the same shape as chapter 12's full-size Forward-Forward run, at its budget.

The FF run (results/local-10-2-whole-seeds-0-1-2.json) is three layers of 1,000 ReLU units, the
first local (10 x 10 patches, 2 apart), trained for 100 epochs of mini-batches of 50 on all 60,000
training images, each shifted by up to a pixel anew each epoch, its learning rate constant for half
the epochs and then brought down to zero. `python -m experiments.backprop_same_shape` trains
the backprop network of that shape (`ff_tutorial.receptive.local_mlp`: the same fields, without
the label's pixels, a linear output of 10 logits) with the same images, epochs, batch size, jitter
and schedule, Adam at 0.001 as chapter 10's baseline, one network per seed; then measures every
network on the test set, once, and records that look in the ledger. `--validation` trains on the
first 50,000 training images and measures on the other 10,000 instead (no look).

Nothing is tuned here: the learning rate is chapter 10's and the schedule is the FF run's. The
record (settings, command, per-seed errors, their mean and standard deviation, seconds, machine)
goes to results/backprop-local-10-2-whole-seeds-0-1-2.json by default (`--path`), kept if it exists unless
--force. A run stopped (Ctrl-C, or SIGTERM) measures nothing and writes nothing. With `--keep
FOLDER`, each network is saved there once trained, and a later run of the same command takes the
networks it finds there (of the same settings) instead of training them again: three networks
can be trained in several sittings, and the test set is still looked at once, when all are there.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import signal
import statistics
import sys
import time
from pathlib import Path

import torch

import ff_tutorial
from experiments.files import one_file_to_make
from ff_tutorial import load_mnist
from ff_tutorial.augment import shift_images
from ff_tutorial.cli import parse_field, parse_seeds, positive
from ff_tutorial.ledger import record_test_look, track_of
from ff_tutorial.outputs import OutputError, write_atomically
from ff_tutorial.receptive import local_mlp
from ff_tutorial.runtime import machine, seed_everything
from ff_tutorial.schedules import cooled_lr

RESULTS = Path(__file__).resolve().parent.parent / "results"
DIMS = (784, 1000, 1000, 1000)
LR, BATCH_SIZE, JITTER = 1e-3, 50, 1


def default_path(fields, seeds, validation: bool) -> Path:
    geometry = "-".join(f"{size}-{stride}" for size, stride in fields) or "dense"
    name = f"backprop-{'local-' if fields else ''}{geometry}-whole-seeds-{'-'.join(map(str, seeds))}.json"
    return RESULTS / "validation" / name if validation else RESULTS / name


def kept_network(folder: Path | None, seed: int, settings: dict, fields):
    """The network of `seed` trained with `settings` and saved in `folder` earlier, and its seconds; or None."""
    path = None if folder is None else folder / f"seed-{seed}.pt"
    if path is None or not path.exists():
        return None, None
    saved = torch.load(path, weights_only=True)
    if saved["settings"] != settings:
        raise OutputError(f"{path} holds a network trained with other settings: {saved['settings']}")
    mlp = local_mlp(list(DIMS), fields, lr=LR)
    mlp.load_state_dict(saved["weights"])
    print(f"seed {seed}: trained earlier, taken from {path}", flush=True)
    return mlp, saved["seconds"]


def train_one(seed: int, fields, x, y, epochs: int) -> tuple:
    """One network from `seed`: its weights and training seconds, or None if stopped."""
    generator = seed_everything(seed)
    mlp = local_mlp(list(DIMS), fields, lr=LR)
    start = time.perf_counter()
    for epoch in range(epochs):
        for group in mlp.optimizer.param_groups:  # the FF run's schedule: constant, then down to zero
            group["lr"] = cooled_lr(LR, epoch, epochs, cooldown=True)
        history = mlp.train_backprop(shift_images(x, JITTER, generator), y, epochs=1, batch_size=BATCH_SIZE,
                                     eval_every=None, generator=generator, progress=False)
        if history.interrupted:
            return None, time.perf_counter() - start
        losses = history.layer_losses[0]
        print(f"seed {seed}, epoch {epoch + 1}/{epochs}: mean loss {sum(losses) / len(losses):.4f}, "
              f"{time.perf_counter() - start:.0f} s", flush=True)
    return mlp, time.perf_counter() - start


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m experiments.backprop_same_shape", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--receptive-fields", type=parse_field, nargs="*", default=[(10, 2)],
                        metavar="FIELD[:STRIDE]", help="the lowest layers' fields, as `train` takes them "
                        "(default: 10:2; none: fully connected)")
    parser.add_argument("--seeds", type=parse_seeds, default=[0, 1, 2], help="comma-separated (default: 0,1,2)")
    parser.add_argument("--epochs", type=positive(int), default=100, help="default: %(default)s")
    parser.add_argument("--train-size", type=positive(int), default=None,
                        help="training images (default: all: 60000, or 50000 with --validation)")
    parser.add_argument("--validation", action="store_true", help="measure on the validation split, not the test set")
    parser.add_argument("--path", type=Path, default=None, help="the results file (default: named from the settings)")
    parser.add_argument("--force", action="store_true", help="run again, and replace, a results file that exists")
    parser.add_argument("--keep", type=Path, default=None, metavar="FOLDER",
                        help="save each trained network here, and take those already here")
    return parser


def results_path(args: argparse.Namespace) -> Path:
    """The file a run writes: --path, or a name made from its settings."""
    return args.path or default_path(tuple(args.receptive_fields), args.seeds, args.validation)


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    seeds, fields = args.seeds, tuple(args.receptive_fields)
    available = 50_000 if args.validation else 60_000
    train_size = args.train_size or available
    if train_size > available:
        parser.error(f"--train-size must be at most {available}, got {train_size}")
    path = results_path(args)
    all_settings = [{"fields": [list(f) for f in fields], "epochs": args.epochs, "train_size": train_size,
                     "validation": args.validation, "seed": seed} for seed in seeds]
    try:
        if not one_file_to_make(path, args.force):
            return 0
        # networks of other settings in --keep are refused now, not after hours of training
        kept = [kept_network(args.keep, seed, settings, fields) for seed, settings in zip(seeds, all_settings)]
    except OutputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    data = load_mnist()
    data = data.validation_split() if args.validation else data
    x, y = data.x_train[:train_size], data.y_train[:train_size]
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a stop is a Ctrl-C: nothing measured
    nets, seconds = [], []
    for seed, settings, (net, spent) in zip(seeds, all_settings, kept):
        if net is None:
            net, spent = train_one(seed, fields, x, y, args.epochs)
            if net is None:
                kept_so_far = f"; the networks trained before it are in {args.keep}" if args.keep and nets else ""
                print(f"seed {seed}: stopped; nothing is measured or written{kept_so_far}", file=sys.stderr)
                return 1
            if args.keep is not None:
                buffer = io.BytesIO()
                torch.save({"settings": settings, "weights": net.state_dict(), "seconds": spent}, buffer)
                write_atomically(args.keep / f"seed-{seed}.pt", buffer.getvalue())
        nets.append(net)
        seconds.append(round(spent, 1))

    errors = [net.error_rate(data.x_test, data.y_test) for net in nets]  # the one look (or validation)
    split = "validation" if args.validation else "test"
    mean, std = statistics.mean(errors), statistics.stdev(errors) if len(errors) > 1 else 0.0
    print(f"{split} error: " + ", ".join(f"seed {s}: {e:.2%}" for s, e in zip(seeds, errors))
          + f"; mean {mean:.2%} ± {std:.2%}")
    command = "python -m experiments.backprop_same_shape " + " ".join(sys.argv[1:] if argv is None else argv)
    look = None
    if not args.validation:
        shape = " ".join(f"{s}:{t}" for s, t in fields) or "none"
        run = (f"backprop of the same shape (3x1000, fields {shape}, {args.epochs} epochs, jitter {JITTER}, "
               f"cool-down, {train_size:,} images, seeds {','.join(map(str, seeds))})")
        look = record_test_look(nets, run, "measured by python -m experiments.backprop_same_shape",
                                {"test_error": mean}, track_of(JITTER, receptive_fields=fields),
                                command=command.strip(), results=path)
    record = {"command": command.strip(), "dims": list(DIMS),
              "receptive_fields": [list(f) for f in fields], "epochs": args.epochs,
              "train_size": train_size, "batch_size": BATCH_SIZE, "jitter": JITTER, "lr": LR,
              "optimizer": "adam", "cooldown": True, "seeds": seeds, "split": split,
              f"{split}_errors": errors, f"{split}_error": mean, f"{split}_error_std": std,
              "test_look": look, "train_seconds": seconds,
              "machine": machine(torch.device("cpu")), "torch": torch.__version__,
              "python": platform.python_version(), "ff_tutorial": ff_tutorial.__version__,
              "date": time.strftime("%Y-%m-%d")}
    write_atomically(path, (json.dumps(record, indent=1) + "\n").encode())
    print(f"wrote {path}" + (f" (look {look} in the ledger)" if look else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
