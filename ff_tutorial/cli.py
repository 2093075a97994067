"""`python -m ff_tutorial train`: train a Forward-Forward network on MNIST from a preset;
`python -m ff_tutorial evaluate`: measure saved networks, alone and together."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import shlex
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch

from .checkpoint import checkpoint_bytes, load
from .data import DataError, load_mnist
from .engine import PRECISIONS
from .ensemble import Ensemble
from .history import TrainingDiverged
from .labels import EMBEDDINGS
from .layer import LOSSES, OPTIMIZERS
from .ledger import counts, ledger_path, record_test_look, track_of
from .network import FFNetwork
from .outputs import OutputError, check_writable, write_or_rescue
from .outputs import describe as describe_os_error
from .recipes import PRESETS, SCHEDULES, Recipe, seeded_networks, train_readouts
from .recipes import train as train_recipe
from .resume import epochs_saved
from .runtime import machine, pick_device, seed_everything
from .schedules import NEGATIVES
from .stopping import exit_status, signal_name, signals_deferred, signals_stop_cleanly
from .verdict import problems

HELP = """Train a Forward-Forward network on MNIST and report its train and test error.

Presets (any field can be overridden by its flag):
  seed  the blog exactly: 794-500-500, concatenated label, one full batch of the first 50,000
        training images, Adam lr 0.03, threshold 2.0, 1000 epochs per layer, greedy, negatives
        from one shuffle of the labels (drawn once, as the blog does)
  fast  784-500-500 with the label overlaid on the first 10 pixels, 5 epochs of mini-batches of
        50 with all layers trained together, a wrong label drawn anew each epoch, the symmetric
        (SymBa) loss with alpha 100, Adam lr 0.03 cooled down over the second half
  accurate  the fast recipe on 784-1000-1000-1000 for 30 epochs, then a softmax read-out
        (10 epochs) for one-pass prediction; about 10 minutes on a 2-core CPU
  unsupervised  no labels while the layers learn: real images against hybrid images,
        784-1000-1000-1000, the symmetric loss with alpha 4, images shifted by up to a pixel,
        40 epochs; then a softmax read-out on the normalized activities of every layer

It prints progress, the train and test error and the time; --save writes a checkpoint
(loadable with ff_tutorial.load) and --metrics a JSON file of the results and settings.
--metrics always names a new file: a file that exists is refused before training (exit
status 2), because a metrics file is the record a reported number is read from; --save may
replace a network. Both paths are checked before training starts; if writing still fails at
the end (a full disk, or the metrics name taken meanwhile), the file is saved in
~/.cache/ff_tutorial/rescued/ instead and the message says so.
Ctrl-C or SIGTERM stops training and saves what was learned so far. A run measured on the
test set (not --validation) is recorded in the ledger of test-set looks, results/test-looks.jsonl,
unless it trained a network the ledger has seen already; a run stopped early, measured as it
stood, is recorded as an interrupted look.
A long run can be taken in several sittings: with --resume FILE its state is written to FILE
after each epoch (at most every 30 seconds), and the same command given again goes on from
there. Stopped, such a run measures nothing and writes no network or metrics (nothing is
looked at before the run is whole); finished, it removes FILE.
"""

EXIT_STATUS = """exit status:
  0    trained, measured and saved
  1    training or the read-out diverged (the network as of its last good check is saved), or a
       file could not be written where asked and went where the message says
  2    bad input: nothing was trained (the message says why)
  3    trained but useless: a layer ended dead, or the network gives most images no answer, or
       an error is no better than always answering the commonest label (warnings say which)
  130  stopped by Ctrl-C, 143 by SIGTERM: what was learned is saved, and the metrics say
       interrupted, the epochs completed and what was skipped (with --resume: the state of the
       last epoch written is in FILE, and nothing else is written)
"""


EVALUATE_HELP = """Measure saved networks on MNIST's test images, each alone and, given several, together.

Together, the networks add up their scores: the goodness of each label for ten-pass prediction,
the read-outs' probabilities for one-pass prediction. Networks trained with different seeds make
different mistakes, so together they make fewer.

  python -m ff_tutorial evaluate models/scaled.pt models/scaled-seed-1.pt

With --validation the networks are measured on the last 10,000 training images instead: use it
for networks trained with `train --validation`, to choose settings without the test set.

On the test set, each measurement the ledger of test-set looks (results/test-looks.jsonl) has
not seen yet is recorded there: a network measured alone for the first time, networks together.

exit status: 0 measured; 2 bad input (a missing or broken checkpoint, a network that cannot
predict); 130 / 143 stopped by Ctrl-C / SIGTERM.
"""


def parse_dims(text: str) -> tuple:
    try:
        dims = tuple(int(d) for d in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"dims must be comma-separated integers like 784,500,500, got {text!r}")
    return dims


def parse_field(text: str) -> tuple:
    """'10:2' is a 10x10 patch at a stride of 2; '10' a stride of 1."""
    parts = text.split(":")
    try:
        if len(parts) > 2:
            raise ValueError(text)
        return int(parts[0]), int(parts[1]) if len(parts) == 2 else 1
    except ValueError:
        raise argparse.ArgumentTypeError(f"a receptive field is FIELD or FIELD:STRIDE, like 10:2, got {text!r}")


def parse_seeds(text: str) -> list:
    try:
        seeds = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds must be comma-separated whole numbers like 0,1,2, got {text!r}")
    if any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(f"seeds must be distinct and not negative, got {text!r}")
    return seeds


NAMES = {int: "a whole number", float: "a number"}


def number(kind, zero_ok: bool = False):
    """An argparse type: `kind` (int or float), finite, above zero (or at least zero)."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {NAMES[kind]}, got {text!r}")
        # nan and inf fail here too: they would only fail later, inside training
        if not (0 <= value if zero_ok else 0 < value) or not value < math.inf:
            raise argparse.ArgumentTypeError(
                f"must be a finite {'number, zero or positive' if zero_ok else 'positive number'}, got {text}")
        return value
    return parse


def positive(kind):
    return number(kind)


def non_negative(kind):
    return number(kind, zero_ok=True)


def fraction(text: str) -> float:
    """An argparse type: a number from 0 up to (not including) 1."""
    value = non_negative(float)(text)
    if not value < 1:
        raise argparse.ArgumentTypeError(f"must be a fraction below 1, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ff_tutorial",
                                     description="Forward-Forward on MNIST, from the ff-tutorial book.")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a network from a preset", description=HELP,
                                epilog=EXIT_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("--preset", choices=sorted(PRESETS), default="fast", help="starting settings (default: fast)")
    train.add_argument("--dims", type=parse_dims, help="layer widths, input first, e.g. 784,500,500")
    train.add_argument("--embedding", choices=EMBEDDINGS, help="how the label enters the image")
    train.add_argument("--schedule", choices=SCHEDULES)
    train.add_argument("--epochs", type=positive(int), help="epochs per layer (greedy) or in all (simultaneous)")
    train.add_argument("--batch-size", type=non_negative(int), help="0 for the whole training set at once")
    train.add_argument("--train-size", type=positive(int), help="number of training images (first N of 60,000)")
    train.add_argument("--lr", type=positive(float), help="learning rate of every layer's optimizer")
    train.add_argument("--threshold", type=positive(float), help="goodness threshold of the FF loss")
    train.add_argument("--negatives", choices=NEGATIVES + ("hybrid",))
    train.add_argument("--optimizer", choices=OPTIMIZERS)
    train.add_argument("--loss", choices=LOSSES)
    train.add_argument("--symba-alpha", type=positive(float), help="sharpness of the symmetric loss")
    train.add_argument("--peer-norm", type=non_negative(float), help="weight of peer normalization (0: off)")
    train.add_argument("--weight-decay", type=non_negative(float),
                       help="each step shrinks every weight and bias by lr times this fraction of itself (0: off)")
    train.add_argument("--cooldown", action=argparse.BooleanOptionalAction, help="decay lr to 0 over the second half")
    train.add_argument("--jitter", type=non_negative(int), metavar="PIXELS",
                       help="shift each training image by up to this many pixels each epoch (0: off)")
    train.add_argument("--pixel-dropout", type=fraction, metavar="FRACTION",
                       help="blank this fraction of each training image's pixels, anew each epoch (0: off)")
    train.add_argument("--receptive-fields", "--receptive-field", type=parse_field, nargs="+",
                       metavar="FIELD[:STRIDE]", help="make the lowest layers local, one patch size (and "
                       "stride) per layer from the bottom, e.g. 10:2 6:1; the rest stay fully connected")
    train.add_argument("--readout-epochs", type=non_negative(int), help="train the one-pass softmax read-out too")
    train.add_argument("--readout-from", type=non_negative(int), metavar="LAYER",
                       help="first layer whose activities the read-out sees (0: all of them)")
    train.add_argument("--readout-lr", type=positive(float), help="learning rate of the read-out")
    train.add_argument("--readout-jitter", type=non_negative(int), metavar="PIXELS",
                       help="shift the read-out's images by up to this many pixels each epoch (0: off)")
    train.add_argument("--precision", choices=PRECISIONS,
                       help="fp32 (default); tf32 or bf16: matrix products in lower precision")
    seeds = train.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=non_negative(int))
    seeds.add_argument("--seeds", type=parse_seeds, metavar="S,S,...",
                       help="train one network per seed, all at once (e.g. 0,1,2,3,4): each starts as --seed "
                            "alone would, but its stacked products round differently, so a long run ends "
                            "in another network of the same recipe; reports each and their mean and "
                            "standard deviation")
    train.add_argument("--no-capture", action="store_true",
                       help="on a CUDA GPU, take each step eagerly instead of replaying it as a CUDA graph")
    train.add_argument("--eval-every", type=positive(int), metavar="N",
                       help="also measure the held-out error every N epochs, and record it with the "
                            "training time so far (evaluations excluded); a curve for choosing "
                            "settings belongs on --validation: on the test set, the ledger records "
                            "the run as a look made while tuning")
    train.add_argument("--validation", action="store_true",
                       help="hold out the last 10,000 training images and report the error on them "
                            "instead of the test error: for choosing settings")
    train.add_argument("--device", default="auto", help="cpu, cuda, mps or auto (default)")
    train.add_argument("--data", help="folder with the four MNIST .gz files (default: the usual search)")
    train.add_argument("--save", metavar="PATH", help="write the trained network here")
    train.add_argument("--metrics", metavar="PATH",
                       help="write a JSON of settings and results to this new file (one that exists is refused)")
    train.add_argument("--no-progress", action="store_true", help="no progress bars")
    train.add_argument("--resume", metavar="FILE",
                       help="write the run's state here after each epoch (at most every 30 s), and go on "
                            "from the state already here if there is one (it must be this same command's)")
    evaluate = commands.add_parser("evaluate", help="measure saved networks, alone and together",
                                   description=EVALUATE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    evaluate.add_argument("models", nargs="+", metavar="MODEL", help="networks saved by train --save")
    evaluate.add_argument("--validation", action="store_true",
                          help="measure on the last 10,000 training images instead of the test images")
    evaluate.add_argument("--device", default="auto", help="cpu, cuda, mps or auto (default)")
    evaluate.add_argument("--data", help="folder with the four MNIST .gz files (default: the usual search)")
    evaluate.add_argument("--metrics", metavar="PATH",
                          help="write a JSON of the errors and the networks to this new file (one that "
                               "exists is refused)")
    return parser


def settings_from(args) -> Recipe:
    changes = {f.name: getattr(args, f.name) for f in fields(Recipe) if getattr(args, f.name, None) is not None}
    if "receptive_fields" in changes:
        changes["receptive_fields"] = tuple(changes["receptive_fields"])
    return PRESETS[args.preset].replace(**changes)


def measure(net, x, y, data, held_out: str) -> dict:
    """Train and held-out error of one trained network, each way it can answer."""
    results = {}
    if net.embedding != "none":  # a network trained without labels can only answer through its read-out
        results.update(train_error=net.error_rate(x, y),
                       **{f"{held_out}_error": net.error_rate(data.x_test, data.y_test)})
    if net.head_trained:
        results.update(train_error_one_pass=net.error_rate(x, y, one_pass=True),
                       **{f"{held_out}_error_one_pass": net.error_rate(data.x_test, data.y_test, one_pass=True)})
    return results


def summarize(per_seed: list) -> dict:
    """Each error's mean over the seeds, and its standard deviation (n - 1) beside it."""
    summary = {}
    for key in per_seed[0]:
        if key.endswith("error") or key.endswith("one_pass"):
            values = torch.tensor([r[key] for r in per_seed], dtype=torch.float64)
            summary[key] = values.mean().item()
            summary[f"{key}_std"] = values.std().item() if len(values) > 1 else 0.0
    return summary


def seeded_path(path: str, seed: int) -> Path:
    """models/x.pt -> models/x-seed-3.pt: where the network of one seed of several is saved."""
    path = Path(path)
    return path.with_name(f"{path.stem}-seed-{seed}{path.suffix}")


def report(results: dict, held_out: str, prefix: str = "") -> None:
    if f"{held_out}_error" in results:
        print(f"{prefix}train error {results['train_error']:.4f}  {held_out} error {results[f'{held_out}_error']:.4f}")
    if f"{held_out}_error_one_pass" in results:
        print(f"{prefix}one-pass (softmax read-out) train error {results['train_error_one_pass']:.4f}  "
              f"{held_out} error {results[f'{held_out}_error_one_pass']:.4f}")


def planned_outputs(args) -> list:
    """Every file the command will write, checked now, before any work: [(path, what)]."""
    planned = []
    if getattr(args, "save", None):
        paths = [seeded_path(args.save, s) for s in args.seeds] if args.seeds else [Path(args.save)]
        planned += [(path, "network") for path in paths]
    if args.metrics:
        planned.append((Path(args.metrics), "metrics"))
    if getattr(args, "resume", None):
        planned.append((Path(args.resume), "training state"))
    # a network may be replaced by a better one; a metrics file is the record of a run, never replaced
    real = [check_writable(path, what, new=what == "metrics") for path, what in planned]
    if len(set(real)) < len(real):
        raise OutputError("--save, --metrics and --resume name the same file; give each its own")
    return planned


def say_error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


@dataclass
class Learned:
    """How the layers and the read-outs went: what the metrics record beside the errors."""

    histories: list = field(default_factory=list)  # the layers', one per network
    readouts: list = field(default_factory=list)  # the read-outs' (those tried)
    interrupted: bool = False
    diverged: str | None = None  # the message, if anything diverged
    skipped: list = field(default_factory=list)  # what was not done because of either


def learn(p: Recipe, nets, generators, x, y, one, progress: bool, capture, resume=None, **curve) -> Learned:
    """The layers, then the read-outs; Ctrl-C or divergence in one skips what follows, never the rest."""
    run = Learned()
    try:
        layers_only = p.replace(readout_epochs=0, readout_jitter=0)
        _, trained = train_recipe(layers_only, x, y, net=one(nets), generator=one(generators),
                                  progress=progress, capture=capture, resume=resume, **curve)
        run.histories = trained if isinstance(trained, list) else [trained]
        run.interrupted = run.histories[0].interrupted
    except TrainingDiverged as error:
        run.diverged, run.histories = str(error), [error.history]
    except KeyboardInterrupt:  # between the schedule's steps, where it could not catch it itself
        run.interrupted = True
    if not p.readout_epochs:
        return run
    if not (run.interrupted or run.diverged):
        try:
            run.readouts = train_readouts(p, nets, generators, x, y, progress=progress)
            run.interrupted = any(r.interrupted for r in run.readouts)
        except TrainingDiverged as error:
            run.diverged, run.readouts = str(error), error.readouts  # the one that diverged was tried
        except KeyboardInterrupt:
            run.interrupted = True
    if len(run.readouts) < len(nets):
        run.skipped.append("read-out" if len(nets) == 1 else
                           f"read-out of {len(nets) - len(run.readouts)} of the {len(nets)} networks")
    return run


def run_name(preset: str, p: Recipe) -> str:
    """'accurate (epochs=100, jitter=1)': the preset and what was changed, seeds aside (a seed is
    the same recipe again)."""
    changed = [f"{k}={v}" for k, v in asdict(p).items() if k != "seed" and v != getattr(PRESETS[preset], k)]
    return preset + (f" ({', '.join(changed)})" if changed else "")


def note_look(nets, run: str, errors: dict, track, args, together: bool = False,
              kind: str = "final") -> int | None:
    """Record a look at the test set in the ledger (unless it re-measures one), and say so."""
    look = record_test_look(nets, run, f"measured by python -m ff_tutorial {args.command}", errors, track,
                            command=args.command_line, together=together, kind=kind, results=args.metrics)
    if look:
        print(f"this was test-set look {look} in {ledger_path()} ({counts().get(run, 0)} for {run})")
    return look


def train(args, received: list) -> int:
    p = settings_from(args)
    if p.train_size > 60_000:
        say_error(f"--train-size is at most 60000, got {p.train_size}")
        return 2
    outputs = planned_outputs(args)
    if not args.validation and ledger_path() is not None:
        check_writable(ledger_path(), "ledger of test-set looks")
    device = pick_device(args.device)
    generator = seed_everything(p.seed)
    data = load_mnist(args.data, device=device)
    held_out = "test"
    if args.validation:  # settings are chosen here; the test set is looked at once, at the end
        data, held_out = data.validation_split(), "validation"
        if p.train_size > len(data.x_train):
            say_error(f"with --validation at most {len(data.x_train)} images train, "
                      f"got --train-size {p.train_size}")
            return 2
    x, y = data.x_train[: p.train_size], data.y_train[: p.train_size]
    print(f"preset {args.preset}: {asdict(p)}")
    print(f"device {device}, {len(x)} training images, {len(data.x_test)} {held_out} images from {data.source}")
    p.check()
    if args.eval_every and p.embedding == "none":
        say_error("--eval-every needs labels to try; an unsupervised network answers only through its "
                  "read-out, which is trained at the end")
        return 2
    curve = dict(x_eval=data.x_test, y_eval=data.y_test, eval_every=args.eval_every) if args.eval_every else {}
    if args.seeds:
        nets, generators = seeded_networks(p, args.seeds, device)
    else:
        nets, generators = [p.build(device)], [generator]
    one = (lambda items: items) if args.seeds else (lambda items: items[0])
    if args.resume and Path(args.resume).expanduser().exists():
        print(f"going on from the state in {args.resume}, once it is checked to be this run's")
    start = time.perf_counter()
    run = learn(p, nets, generators, x, y, one, progress=not args.no_progress,
                capture=False if args.no_capture else None, resume=args.resume, **curve)
    # From here on only the measurement may be cut short. A signal anywhere else (even in the middle
    # of a print) is noted and obeyed where stopping loses nothing: a second Ctrl-C after training
    # must not lose the trained network.
    signals_in_training = len(received)
    with signals_deferred(received):
        interrupted, diverged, skipped, histories = run.interrupted, run.diverged, run.skipped, run.histories
        if args.resume and interrupted and not diverged:
            return stopped_to_resume(args, p, received)
        # Training time only: the evaluations of --eval-every are left out, as History counts them; a
        # resumed run's time includes that of the processes before it.
        evaluating = sum(h.elapsed[-1] - h.train_seconds[-1] for h in histories if h.elapsed)
        before = histories[0].seconds_before_resume if histories else 0.0
        train_seconds = time.perf_counter() - start + before - evaluating
        if diverged:
            say_error(diverged)
        if interrupted:
            print("Training was interrupted; results below are for the network as trained so far.")
        epochs_planned = p.epochs * (len(p.dims) - 1 if p.schedule == "greedy" else 1)
        results = dict(train_seconds=round(train_seconds, 2), interrupted=interrupted, signal=signal_name(received),
                       epochs_completed=histories[0].epochs_completed if histories else 0,
                       epochs_planned=epochs_planned, diverged=diverged, skipped=skipped,
                       warnings=sorted({w for h in histories for w in h.warnings}), device=str(device),
                       machine=machine(device), torch=torch.__version__, threads=torch.get_num_threads())
        if histories and histories[0].resumed_at:  # taken in several sittings: after these many epochs
            results["resumed_at_epochs"] = histories[0].resumed_at
        if p.readout_epochs:
            done = [r.epochs_completed for r in run.readouts] + [0] * (len(nets) - len(run.readouts))
            results.update(readout_epochs_completed=one(done), readout_epochs_planned=p.readout_epochs)
        print(f"train time {train_seconds:.1f} s" + (f" for {len(nets)} networks at once" if args.seeds else ""))
        if args.eval_every and histories:
            # The curve: error after each evaluated epoch, at the training time it took to get there.
            history = histories[0]
            results["curve"] = dict(epochs=history.epochs, train_seconds=[round(t, 2) for t in history.train_seconds],
                                    error=history.test_error, evaluated_on=held_out)
            for epoch, seconds, error in zip(history.epochs, history.train_seconds, history.test_error):
                print(f"  after epoch {epoch}: {held_out} error {error:.4f} at {seconds:.1f} s of training")
        useless = []
        try:
            with signals_stop_cleanly(received):  # the measurement alone may be cut short
                if len(received) > signals_in_training:  # a signal came while the lines above were printed
                    raise KeyboardInterrupt
                per_seed = [measure(net, x, y, data, held_out) for net in nets]
                for seed, net, errors in zip(args.seeds or [None], nets, per_seed):
                    held = {k: v for k, v in errors.items() if k.startswith(held_out)}
                    which = "" if seed is None else f"seed {seed}: "
                    useless += [which + problem for problem in problems(net, data.x_test, data.y_test, held)]
        except KeyboardInterrupt:
            if args.resume:  # nothing of the run is written before it is whole: the state waits in FILE
                return stopped_to_resume(args, p, received)
            interrupted, per_seed = True, []
            skipped.append("final measurement")
            results.update(interrupted=True, signal=signal_name(received))
            print("Interrupted during the final measurement: the network is saved without it.")
        if per_seed and not per_seed[0]:
            why = ("the read-out was not trained (" + ("it diverged" if diverged else "training was interrupted") + ")"
                   if p.readout_epochs else "no read-out was trained (--readout-epochs 0)")
            print(f"{why}, so there is no error to report")
        elif per_seed and args.seeds:
            for seed, errors in zip(args.seeds, per_seed):
                report(errors, held_out, prefix=f"seed {seed}: ")
            results.update(seeds=args.seeds, per_seed=[dict(seed=s, **e) for s, e in zip(args.seeds, per_seed)],
                           **summarize(per_seed))
            for key in (f"{held_out}_error", f"{held_out}_error_one_pass"):
                if key in results:
                    print(f"{key.replace('_', ' ')}: mean {results[key]:.4f} +- {results[key + '_std']:.4f} "
                          f"(standard deviation over {len(nets)} seeds)")
        elif per_seed:
            results.update(per_seed[0])
            report(per_seed[0], held_out)
        if held_out == "test" and per_seed and per_seed[0]:
            errors = {k: v for k, v in results.items() if k.startswith("test_error") and not k.endswith("_std")}
            # --eval-every on the test set looked at it after every epoch: a look made while training; a run
            # stopped early still looked, but its errors are not the recipe's
            kind = "tuning" if args.eval_every else "interrupted" if interrupted else "final"
            results["test_look"] = note_look(nets, run_name(args.preset, p), errors,
                                             track_of(p.jitter, receptive_fields=p.receptive_fields,
                                                      readout_jitter=p.readout_jitter), args, kind=kind)
        for problem in useless:
            print(f"warning: {problem}", file=sys.stderr)
        results["warnings"] += useless
        results["useless"] = bool(useless)
        status = (exit_status(received, interrupted=True) if interrupted else
                  1 if diverged else 3 if useless else 0)
        record = dict(preset=args.preset, settings=asdict(p), command=args.command_line, **results)
        status = keep(nets, outputs, record, status, received)
        if args.resume and not (interrupted or diverged):  # the run is whole: nothing to go on from
            Path(args.resume).expanduser().unlink(missing_ok=True)
            print(f"removed the training state {args.resume}: the run is finished")
    return status


def stopped_to_resume(args, p: Recipe, received: list) -> int:
    """A run with --resume, stopped: its state is on disk, and nothing is measured or written (a
    look at the test set, or a metrics file, belongs to the whole run, when it is resumed)."""
    planned = p.epochs * (len(p.dims) - 1 if p.schedule == "greedy" else 1)
    if not Path(args.resume).expanduser().exists():
        print(f"Stopped before a state was written to {args.resume} (the first is written after the "
              f"epoch that ends 30 seconds in), so the same command starts again from the beginning. "
              f"Nothing was measured or saved.")
    else:
        done = epochs_saved(args.resume)  # the state may be a few epochs behind the stop
        left = "the read-out is trained anew" if done >= planned else f"{planned - done} epochs are left"
        print(f"Stopped. The state after {done} of {planned} epochs is in {args.resume}: give the same "
              f"command again to go on from there ({left}). Nothing was measured or saved.")
    return exit_status(received, interrupted=True)


def keep(nets, outputs, record: dict, status: int, received: list) -> int:
    """Write the networks, then the metrics `record`, where asked, or where the message names if
    that fails now; signals wait until all is written. Returns the exit status, 1 where a file had
    to go elsewhere (unless a signal's or a useless result's status says more)."""
    rescued = False
    with signals_deferred(received):
        saved = []
        for net, (path, _) in zip(nets, [o for o in outputs if o[1] == "network"]):
            where, moved = write_or_rescue(path, checkpoint_bytes(net), say_error)
            rescued |= moved
            saved.append(str(where if moved else path))
            print(f"saved the network to {where if moved else path}")
        if saved:
            record["saved"] = saved
        for path, _ in [o for o in outputs if o[1] == "metrics"]:
            where, moved = write_or_rescue(path, json.dumps(record, indent=2).encode(), say_error, new=True)
            rescued |= moved
            print(f"wrote metrics to {where if moved else path}")
    if received and status < 128:  # a signal while saving: noted, obeyed now that all is written
        status = exit_status(received)
    return 1 if rescued and status == 0 else status


def errors_of(together: Ensemble, x, y, held_out: str) -> dict:
    """The held-out error of networks answering together (or of one alone), each way they all can answer."""
    errors = {}
    if all(net.embedding != "none" for net in together.nets):
        errors[f"{held_out}_error"] = together.error_rate(x, y)
    if all(net.head_trained for net in together.nets):
        errors[f"{held_out}_error_one_pass"] = together.error_rate(x, y, one_pass=True)
    return errors


def describe(errors: dict, held_out: str) -> str:
    ways = [(f"{held_out}_error", "ten passes"), (f"{held_out}_error_one_pass", "one pass")]
    return f"{held_out} error " + ", ".join(f"{errors[k]:.2%} ({way})" for k, way in ways if k in errors)


def evaluate(args, received: list) -> int:
    outputs = planned_outputs(args)
    if not args.validation and ledger_path() is not None:
        check_writable(ledger_path(), "ledger of test-set looks")
    device = pick_device(args.device)
    nets = [load(path, device=device) for path in args.models]
    for path, net in zip(args.models, nets):
        if not isinstance(net, FFNetwork):  # a recurrent network predicts its own way (ff_tutorial.recurrent)
            say_error(f"{path} holds a {type(net).__name__}; evaluate measures FFNetwork checkpoints only")
            return 2
    data = load_mnist(args.data, device=device)
    held_out = "test"
    if args.validation:
        data, held_out = data.validation_split(), "validation"
    x, y = data.x_test, data.y_test
    start = time.perf_counter()
    members = []
    for path, net in zip(args.models, nets):
        errors = errors_of(Ensemble([net]), x, y, held_out)  # one network alone answers as it does by itself
        if not errors:
            say_error(f"{path} was trained without labels and has no trained read-out, so it cannot predict")
            return 2
        print(f"{path}: {describe(errors, held_out)}")
        for problem in problems(net, x, y, errors):
            print(f"warning: {path}: {problem}", file=sys.stderr)
        members.append(dict(model=str(path), sha256=hashlib.sha256(Path(path).read_bytes()).hexdigest(),
                            config=net.config.to_dict(), **errors))
    if held_out == "test":  # networks the ledger has not seen measured alone: a look at each
        for path, net, member in zip(args.models, nets, members):
            errors = {k: member[k] for k in member if k.startswith("test_error")}
            member["test_look"] = note_look([net], f"evaluate {Path(path).stem}", errors, None, args)
    results = {}
    if len(nets) > 1:
        results = errors_of(Ensemble(nets), x, y, held_out)
        if not results:
            say_error("these networks have no way of predicting in common (ten passes need labels "
                      "in every network, one pass a trained read-out in every network)")
            return 2
        alone = summarize([{key: m[key] for key in results} for m in members])
        for key in results:
            print(f"alone, {key.replace('_', ' ')}: mean {alone[key]:.2%} +- {alone[key + '_std']:.2%} "
                  f"(standard deviation over {len(nets)} networks)")
        print(f"together ({len(nets)} networks): {describe(results, held_out)}")
        if held_out == "test":
            results["test_look"] = note_look(nets, "ensemble of " + " + ".join(Path(m).stem for m in args.models),
                                             dict(results), "ensemble", args, together=True)
        results["alone"] = alone
    seconds = time.perf_counter() - start
    print(f"measured on {len(x)} {held_out} images from {data.source} in {seconds:.1f} s")
    record = dict(command=args.command_line, members=members, **results, evaluate_seconds=round(seconds, 2),
                  device=str(device), machine=machine(device), torch=torch.__version__,
                  threads=torch.get_num_threads())
    return keep([], outputs, record, 0, received)


@contextlib.contextmanager
def one_line_warnings():
    """Warnings as 'warning: ...' lines on stderr, without the source line Python adds."""
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, *rest, **kw: print(f"warning: {message}", file=sys.stderr)
        yield


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    given = sys.argv[1:] if argv is None else argv
    args.command_line = " ".join(["python -m ff_tutorial"] + [shlex.quote(str(a)) for a in given])
    with signals_stop_cleanly() as received, one_line_warnings():
        try:
            return evaluate(args, received) if args.command == "evaluate" else train(args, received)
        except KeyboardInterrupt:  # before there was anything to keep
            print("Stopped before the measurement was finished: no results written." if args.command == "evaluate"
                  else "Stopped before anything was learned: nothing to save.", file=sys.stderr)
            return exit_status(received, interrupted=True)
        except (DataError, RuntimeError, ValueError) as error:  # OutputError and CheckpointError too
            say_error(str(error))
            return 2
        except OSError as error:
            say_error(describe_os_error(error))
            return 2
