"""The recurrent network with top-down connections, small, on the validation split.

`python -m experiments.recurrent_small` trains a `RecurrentFFNetwork` (three hidden layers of 500
by default, 8 damped iterations, goodness over iterations 3-5) on the first 10,000 training images
for a few epochs, prints the validation error (the last 10,000 training images, or
`--validation-size` of them) after each epoch and the time; then, once trained, the validation
error when each single step predicts and when a few windows of steps do (the paper's is 3-5).
It writes the numbers, the command and the machine to a new JSON file in results/recurrent/ (or
`--out DIR`; an existing file is never overwritten). No test image is looked at. With `--seeds`,
one network per seed, each written to its own file, NAME-seed-N.json; with `--together` they are
trained side by side in one engine (on a GPU, several networks for little more than the time of
one; on a 2-core CPU, about the time of training them one after the other).

With `--final`, the recipe chosen on validation is trained on all 60,000 training images, once for
each of `--seeds`, and only then measured on the test set, once, with the network's own read-out
(its `--score-iterations`): one look, recorded in the ledger of test-set looks, and no other
window or step is measured there. With `--resume DIR` each seed's network is kept in DIR as soon as
it is trained; the same command given again loads the seeds found there (once they are checked to
be this recipe's, on these images, from these first weights) and trains only the others, so that
a final run longer than a sitting is taken in several. The look waits until every seed is trained.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from ff_tutorial import RecurrentFFNetwork, load, load_mnist, save, seed_everything, train_recurrent
from ff_tutorial.checkpoint import CheckpointError
from ff_tutorial.cli import parse_seeds
from ff_tutorial.layer import LOSSES
from ff_tutorial.ledger import fingerprint, record_test_look
from ff_tutorial.outputs import OutputError, check_writable, write_atomically
from ff_tutorial.recurrent import RECURRENT_NEGATIVES, window_error
from ff_tutorial.recurrent_training import RECURRENT_PRECISIONS
from ff_tutorial.resume import data_fingerprint
from ff_tutorial.runtime import machine

RESULTS = Path(__file__).resolve().parent.parent / "results" / "recurrent"
# Windows of steps whose summed goodness may predict, as (first, last): the first step alone, the
# first few, the paper's 3-5, and every step. Those past --iterations are left out.
WINDOWS = ((1, 1), (1, 2), (1, 3), (2, 4), (3, 5), (1, None))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m experiments.recurrent_small", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden", default="500,500,500", help="hidden layer widths, comma-separated")
    parser.add_argument("--train-size", type=int, default=10_000)
    parser.add_argument("--validation-size", type=int, default=10_000, help="the last images of the training set")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--iterations", type=int, default=8)
    parser.add_argument("--damping", type=float, default=0.3)
    parser.add_argument("--score-iterations", default="3,4,5")
    parser.add_argument("--threshold", type=float, default=0.1, help="the FF loss's (--loss ff)")
    parser.add_argument("--loss", choices=LOSSES, default="symba")
    parser.add_argument("--symba-alpha", type=float, default=100.0)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--weight-decay", type=float, default=0.0,
                        help="each step shrinks weights and biases by lr * WEIGHT_DECAY of themselves (AdamW's decay)")
    parser.add_argument("--dropout", type=float, default=0.0,
                        help="in training, each unit of a neighbouring layer is unheard with this probability")
    parser.add_argument("--negatives", choices=RECURRENT_NEGATIVES, default="hard")
    parser.add_argument("--cooldown", action="store_true",
                        help="the learning rate falls linearly to 0 over the second half of the epochs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--final", action="store_true",
                        help="train on all 60,000 training images and measure on the test set, once (a recorded look)")
    parser.add_argument("--seeds", type=parse_seeds, metavar="S,S,...",
                        help="one network per seed (with --final, measured together as one look)")
    parser.add_argument("--together", action="store_true",
                        help="with --seeds: train the networks side by side in one engine, not one after another")
    parser.add_argument("--precision", choices=RECURRENT_PRECISIONS, default="fp32",
                        help="tf32: matrix products in TensorFloat-32 on a CUDA GPU (default fp32)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar over the epochs (a "
                                                                    "run of all the images takes minutes an epoch)")
    parser.add_argument("--checkpoint", type=Path, help="also save the trained network here "
                                                        "(with --seeds, NAME-seedN for each)")
    parser.add_argument("--resume", type=Path, metavar="DIR",
                        help="with --final: keep each seed's network in DIR once trained; given again, the "
                             "seeds found there are loaded, not trained again")
    parser.add_argument("--name", help="the file's name in results/recurrent/ (or --out), without .json "
                                       "(default: small-DATE-TIME-seedN); an existing file is never replaced")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="write the file in DIR instead of results/recurrent/ (a timing on a new machine, "
                             "kept apart from the book's runs)")
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.out = args.out or RESULTS
    if args.together and not args.seeds:
        parser.error("--together goes with --seeds: the networks of several seeds are trained side by side")
    if args.resume and not args.final:
        parser.error("--resume goes with --final, whose seeds may be trained in several sittings")
    if args.final:
        return final(parser, args, argv)
    if not 0 < args.validation_size < 60_000 or not 0 < args.train_size <= 60_000 - args.validation_size:
        parser.error(f"--train-size plus --validation-size must be at most 60000, got {args.train_size} and "
                     f"{args.validation_size}")

    seeds = args.seeds or [args.seed]
    stamp = time.strftime('%Y%m%d-%H%M%S')
    names = {seed: (f"{args.name}-seed-{seed}" if args.seeds else args.name) if args.name else f"small-{stamp}-seed{seed}"
             for seed in seeds}
    try:  # before an hour of training, not after it
        for name in names.values():
            check_writable(args.out / f"{name}.json", "results", new=True)
    except OutputError as error:
        parser.error(str(error))

    data = load_mnist(device=args.device).validation_split(args.validation_size)
    x, y = data.x_train[:args.train_size], data.y_train[:args.train_size]
    for group in ([seeds] if args.together else [[seed] for seed in seeds]):
        nets, generators = [], []
        for seed in group:
            generators.append(seed_everything(seed))
            nets.append(build(args))
        start = time.perf_counter()
        histories = train_recurrent(nets, x, y, args.epochs, batch_size=args.batch_size, negatives=args.negatives,
                                    x_test=data.x_test, y_test=data.y_test, cooldown=args.cooldown,
                                    generator=generators, progress=not args.no_progress, precision=args.precision)
        seconds = time.perf_counter() - start
        for seed, net, history in zip(group, nets, histories):
            report(args, argv, data, x, seed, net, history, seconds, group, names[seed])
    return 0


def report(args, argv, data, x, seed, net, history, seconds, group, name) -> None:
    """Print a validation run's numbers and write its file (and the network, with --checkpoint)."""
    together = f" (seed {seed}, trained with seeds {','.join(map(str, group))})" if len(group) > 1 else \
        (f" (seed {seed})" if args.seeds else "")
    for epoch, error in zip(history.epochs, history.test_error):
        print(f"epoch {epoch}: validation error {error:.2%}{together}")
    where = machine(args.device)
    print(f"{seconds:.0f} s on {where}")

    # one run of the trained network per label gives every step's goodness, so every window at once
    trajectories = net.goodness_over_iterations(data.x_test)
    step_error = [window_error(trajectories, data.y_test, [t]) for t in range(net.iterations + 1)]
    windows = {}
    for first, last in WINDOWS:
        last = net.iterations if last is None else last
        if last <= net.iterations:
            windows[f"{first}-{last}"] = window_error(trajectories, data.y_test, range(first, last + 1))
    print("validation error by the step that predicts: "
          + ", ".join(f"{t}: {e:.2%}" for t, e in enumerate(step_error)))
    print("by a window of steps: " + ", ".join(f"{w}: {e:.2%}" for w, e in windows.items()))

    record = {"command": command_of(argv),
              "machine": where, "torch": torch.__version__, "config": net.config.to_dict(),
              "train_size": len(x), "validation_size": len(data.x_test), "epochs": args.epochs,
              "batch_size": args.batch_size, "negatives": args.negatives, "cooldown": args.cooldown,
              "seed": seed,
              "validation_error": history.test_error, "step_error": step_error, "window_error": windows,
              "seconds": seconds,
              "train_seconds": history.train_seconds[-1] if history.train_seconds else None,
              "interrupted": history.interrupted}
    if args.precision != "fp32":
        record["precision"] = args.precision
    if len(group) > 1:  # the times are those of all of them, trained side by side
        record["trained_together_with_seeds"] = group
    path = write_atomically(args.out / f"{name}.json", (json.dumps(record, indent=2) + "\n").encode(), new=True)
    print(f"wrote {path}")
    if args.checkpoint:
        target = args.checkpoint if not args.seeds else \
            args.checkpoint.with_name(f"{args.checkpoint.stem}-seed{seed}{args.checkpoint.suffix}")
        print(f"saved the network to {save(net, target)}")


def build(args) -> RecurrentFFNetwork:
    return RecurrentFFNetwork(hidden=[int(w) for w in args.hidden.split(",")], iterations=args.iterations,
                              damping=args.damping, score_iterations=[int(t) for t in args.score_iterations.split(",")],
                              threshold=args.threshold, lr=args.lr, loss=args.loss, symba_alpha=args.symba_alpha,
                              weight_decay=args.weight_decay, dropout=args.dropout, device=args.device)


def command_of(argv) -> str:
    return "python -m experiments.recurrent_small " + " ".join(sys.argv[1:] if argv is None else argv)


def final(parser, args, argv) -> int:
    """Train one network per seed on all the training images, then look at the test set once."""
    if args.together:
        parser.error("--together goes with validation runs: a final run trains its seeds one after another, "
                     "each kept with --resume as soon as it is trained")
    seeds = args.seeds or [args.seed]
    train_size = 60_000 if args.train_size == parser.get_default("train_size") else args.train_size
    if not 0 < train_size <= 60_000:
        parser.error(f"--train-size must be between 1 and 60000, got {train_size}")
    name = args.name or f"final-{time.strftime('%Y%m%d-%H%M%S')}-seeds-{'-'.join(map(str, seeds))}"
    try:
        check_writable(args.out / f"{name}.json", "results", new=True)
    except OutputError as error:
        parser.error(str(error))

    data = load_mnist(device=args.device)
    x, y = data.x_train[:train_size], data.y_train[:train_size]
    kept = Kept(args.resume, args, train_size, x, y) if args.resume else None
    if kept:
        try:  # every seed already there is checked before an hour of training, not after it
            check_writable(kept.paths(seeds[0])[0], "kept network")
            for seed in seeds:
                kept.check(seed)
        except (KeptError, OutputError) as error:
            parser.error(str(error))
    nets, seconds, loaded = [], [], []
    for seed in seeds:
        if kept and kept.has(seed):
            net, took = kept.load(seed)
            print(f"seed {seed}: trained in an earlier sitting, in {took:.0f} s; loaded from {kept.folder}",
                  flush=True)
            loaded.append(seed)
        else:
            generator = seed_everything(seed)
            net = build(args)
            started_from = fingerprint(net)
            start = time.perf_counter()
            history = train_recurrent(net, x, y, args.epochs, batch_size=args.batch_size, negatives=args.negatives,
                                      cooldown=args.cooldown, generator=generator, progress=not args.no_progress,
                                      precision=args.precision)
            if history.interrupted:  # a network cut short is not the recipe; nothing is measured
                print(f"seed {seed}: interrupted after {history.epochs_completed} epochs; no test look"
                      + (f". The seeds trained before it are kept in {kept.folder}: give the same command "
                         f"to go on" if kept else ""))
                return 1
            took = time.perf_counter() - start
            print(f"seed {seed}: trained in {took:.0f} s", flush=True)
            if kept:
                print(f"kept in {kept.keep(seed, net, started_from, took)}", flush=True)
        nets.append(net)
        seconds.append(took)
        if args.checkpoint:
            path = args.checkpoint if len(seeds) == 1 else \
                args.checkpoint.with_name(f"{args.checkpoint.stem}-seed{seed}{args.checkpoint.suffix}")
            print(f"saved the network to {save(net, path)}")

    # the one look: every network, with its own read-out, and nothing else
    test_error = [net.error_rate(data.x_test, data.y_test) for net in nets]
    mean = sum(test_error) / len(test_error)
    print("test error: " + ", ".join(f"seed {s}: {e:.2%}" for s, e in zip(seeds, test_error)) + f"; mean {mean:.2%}")
    hidden = "x".join(map(str, net.config.hidden)) if len(set(net.config.hidden)) > 1 else \
        f"{len(net.config.hidden)}x{net.config.hidden[0]}"
    # the loss and its sharpness are named, so that two recipes that differ only there read apart in the ledger
    loss = f", symmetric loss of sharpness {net.config.symba_alpha:g}" if net.config.loss == "symba" else \
        ", the FF loss"
    if net.config.weight_decay:
        loss += f", weight decay {net.config.weight_decay:g}"
    if net.config.dropout:
        loss += f", dropout {net.config.dropout:g}"
    epochs = f"{args.epochs} epoch{'s' if args.epochs != 1 else ''}{', cool-down' if args.cooldown else ''}"
    run = f"recurrent, top-down ({hidden}, {epochs}{loss}, {train_size:,} images, seeds {','.join(map(str, seeds))})"
    look = record_test_look(nets, run, "measured by python -m experiments.recurrent_small --final",
                            {"test_error": mean}, "permutation-invariant", command=command_of(argv),
                            results=args.out / f"{name}.json")
    where = machine(args.device)
    record = {"command": command_of(argv), "machine": where, "torch": torch.__version__,
              "config": net.config.to_dict(), "train_size": train_size, "epochs": args.epochs,
              "batch_size": args.batch_size, "negatives": args.negatives, "cooldown": args.cooldown,
              "seeds": seeds, "read_out": f"goodness summed over steps {net.config.score_iterations}",
              "test_error": test_error, "test_error_mean": mean, "ledger_look": look,
              "train_seconds": seconds}
    if args.precision != "fp32":
        record["precision"] = args.precision
    if loaded:  # trained by the same command in an earlier sitting (--resume), then loaded
        record["trained_in_an_earlier_sitting"] = loaded
    path = write_atomically(args.out / f"{name}.json", (json.dumps(record, indent=2) + "\n").encode(), new=True)
    print(f"wrote {path}" + (f" (look {look} in the ledger)" if look else ""))
    if kept:  # the run is whole and written: nothing to go on from
        kept.remove(seeds)
        print(f"removed the networks kept in {kept.folder}: the run is finished")
    return 0


class KeptError(ValueError):
    """A network kept by an earlier sitting that is not this run's."""


class Kept:
    """The networks of a final run kept between sittings: DIR/seed-N.pt, and beside it seed-N.json,
    what it was trained by (the recipe, the images, the first weights) and in how many seconds."""

    def __init__(self, folder: Path, args, train_size: int, x, y):
        self.folder = folder.expanduser()
        self.recipe = dict(config=build(args).config.to_dict(), epochs=args.epochs, batch_size=args.batch_size,
                           negatives=args.negatives, cooldown=args.cooldown, train_size=train_size,
                           precision=args.precision,
                           data=data_fingerprint(x, y))
        self.args = args

    def paths(self, seed: int) -> tuple[Path, Path]:
        return self.folder / f"seed-{seed}.pt", self.folder / f"seed-{seed}.json"

    def identity(self, seed: int, started_from: str | None = None) -> dict:
        if started_from is None:  # the first weights this seed gives, built as training builds them
            seed_everything(seed)
            started_from = fingerprint(build(self.args))
        return dict(self.recipe, seed=seed, started_from=started_from)

    def has(self, seed: int) -> bool:
        return self.paths(seed)[1].exists()

    def check(self, seed: int) -> None:
        """Nothing kept for `seed`, or a network of this very run."""
        network, about = self.paths(seed)
        if not about.exists():
            return
        try:
            theirs = json.loads(about.read_text())["identity"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise KeptError(f"{about} is not what a final run keeps ({error}); name a new --resume folder") from None
        mine = json.loads(json.dumps(self.identity(seed)))  # as read back: tuples are lists
        differ = sorted(k for k in set(theirs) | set(mine) if theirs.get(k) != mine.get(k))
        if differ:
            raise KeptError(f"{network} was trained by another run: it differs from this one in "
                            f"{', '.join(differ)}. Give the command that kept it, or name a new --resume folder")
        try:
            load(network)
        except CheckpointError as error:
            raise KeptError(f"the network kept for seed {seed} cannot be loaded: {error}; name a new "
                            f"--resume folder") from None

    def keep(self, seed: int, net: RecurrentFFNetwork, started_from: str, seconds: float) -> Path:
        network, about = self.paths(seed)
        save(net, network)  # the network first: a seed counts as kept only once its note is written
        note = {"identity": self.identity(seed, started_from), "train_seconds": seconds}
        write_atomically(about, (json.dumps(note, indent=2) + "\n").encode())
        return network

    def load(self, seed: int) -> tuple[RecurrentFFNetwork, float]:
        """The network kept for `seed` (checked by `check`) and the seconds its training took."""
        network, about = self.paths(seed)
        return load(network, device=self.args.device), json.loads(about.read_text())["train_seconds"]

    def remove(self, seeds) -> None:
        for seed in seeds:
            for path in self.paths(seed):
                path.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
