"""`python -m ff_tutorial train`: train a Forward-Forward network on MNIST from a preset."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch

from .checkpoint import save
from .data import DataError, load_mnist
from .history import TrainingDiverged
from .network import FFNetwork
from .runtime import pick_device, seed_everything


@dataclass
class Preset:
    dims: tuple = (784, 500, 500)
    embedding: str = "overlay"
    schedule: str = "greedy"  # "greedy" (one layer after another) or "simultaneous"
    epochs: int = 100  # per layer for "greedy", in all for "simultaneous"
    batch_size: int = 0  # 0: the whole training set at once
    train_size: int = 50_000
    lr: float = 0.03
    threshold: float = 2.0
    negatives: str = "wrong"
    optimizer: str = "adam"
    loss: str = "ff"
    symba_alpha: float = 4.0
    peer_norm: float = 0.0
    cooldown: bool = False
    readout_epochs: int = 0  # >0: also train the one-pass softmax read-out
    seed: int = 0


PRESETS = {
    # The blog, exactly: concatenated label, one batch of 50,000 images, 1000 epochs per layer,
    # negatives from one shuffle of the labels drawn once (a tenth of them carry the true label).
    "seed": Preset(dims=(794, 500, 500), embedding="concat", epochs=1000, negatives="permuted"),
    # Same widths, but mini-batches, every layer at once, labels that are really wrong, and the
    # symmetric loss, which has no plateau at log 2 to wait out (chapter 3 shows that plateau).
    "fast": Preset(schedule="simultaneous", epochs=5, batch_size=50, lr=0.03, negatives="wrong",
                   loss="symba", symba_alpha=100.0, cooldown=True),
    # The fast preset's recipe, wider, deeper and longer: for the best test error on a CPU.
    "accurate": Preset(dims=(784, 1000, 1000, 1000), schedule="simultaneous", epochs=30, batch_size=50,
                       lr=0.03, negatives="wrong", loss="symba", symba_alpha=100.0, cooldown=True,
                       readout_epochs=10),
}

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

It prints progress, the train and test error and the time; --save writes a checkpoint
(loadable with ff_tutorial.load) and --metrics a JSON file of the results and settings.
"""


def parse_dims(text: str) -> tuple:
    try:
        dims = tuple(int(d) for d in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"dims must be comma-separated integers like 784,500,500, got {text!r}")
    return dims


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ff_tutorial",
                                     description="Forward-Forward on MNIST, from the ff-tutorial book.")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a network from a preset", description=HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("--preset", choices=sorted(PRESETS), default="fast", help="starting settings (default: fast)")
    train.add_argument("--dims", type=parse_dims, help="layer widths, input first, e.g. 784,500,500")
    train.add_argument("--embedding", choices=["overlay", "concat"], help="how the label enters the image")
    train.add_argument("--schedule", choices=["greedy", "simultaneous"])
    train.add_argument("--epochs", type=positive(int), help="epochs per layer (greedy) or in all (simultaneous)")
    train.add_argument("--batch-size", type=non_negative(int), help="0 for the whole training set at once")
    train.add_argument("--train-size", type=positive(int), help="number of training images (first N of 60,000)")
    train.add_argument("--lr", type=positive(float), help="learning rate of every layer's optimizer")
    train.add_argument("--threshold", type=positive(float), help="goodness threshold of the FF loss")
    train.add_argument("--negatives", choices=["wrong", "permuted", "hard"])
    train.add_argument("--optimizer", choices=["adam", "sgd"])
    train.add_argument("--loss", choices=["ff", "symba"])
    train.add_argument("--symba-alpha", type=positive(float), help="sharpness of the symmetric loss")
    train.add_argument("--peer-norm", type=non_negative(float), help="weight of peer normalization (0: off)")
    train.add_argument("--cooldown", action=argparse.BooleanOptionalAction, help="decay lr to 0 over the second half")
    train.add_argument("--readout-epochs", type=non_negative(int), help="train the one-pass softmax read-out too")
    train.add_argument("--seed", type=non_negative(int))
    train.add_argument("--device", default="auto", help="cpu, cuda, mps or auto (default)")
    train.add_argument("--data", help="folder with the four MNIST .gz files (default: the usual search)")
    train.add_argument("--save", metavar="PATH", help="write the trained network here")
    train.add_argument("--metrics", metavar="PATH", help="write a JSON of settings and results here")
    train.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser


def settings_from(args) -> Preset:
    preset = asdict(PRESETS[args.preset])
    for f in fields(Preset):
        value = getattr(args, f.name, None)
        if value is not None:
            preset[f.name] = value
    return Preset(**preset)


def train(args) -> int:
    p = settings_from(args)
    if p.train_size > 60_000:
        print(f"error: --train-size is at most 60000, got {p.train_size}", file=sys.stderr)
        return 2
    device = pick_device(args.device)
    generator = seed_everything(p.seed)
    data = load_mnist(args.data, device=device)
    x, y = data.x_train[: p.train_size], data.y_train[: p.train_size]
    print(f"preset {args.preset}: {asdict(p)}")
    print(f"device {device}, {len(x)} training images, {len(data.x_test)} test images from {data.source}")
    net = FFNetwork(list(p.dims), embedding=p.embedding, threshold=p.threshold, lr=p.lr, optimizer=p.optimizer,
                    loss=p.loss, symba_alpha=p.symba_alpha, peer_norm=p.peer_norm, device=device)
    train_kwargs = dict(epochs=p.epochs, batch_size=p.batch_size or None, negatives=p.negatives,
                        cooldown=p.cooldown, generator=generator, progress=not args.no_progress)
    start = time.perf_counter()
    try:
        if p.schedule == "greedy":
            history = net.train_greedy(x, y, **train_kwargs)
        else:
            history = net.train_simultaneous(x, y, eval_every=None, **train_kwargs)
        if p.readout_epochs and not history.interrupted:
            net.train_readout(x, y, epochs=p.readout_epochs, generator=generator, progress=not args.no_progress)
    except TrainingDiverged as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    train_seconds = time.perf_counter() - start
    if history.interrupted:
        print("Training was interrupted; results below are for the network as trained so far.")
    results = dict(train_seconds=round(train_seconds, 2),
                   train_error=net.error_rate(x, y), test_error=net.error_rate(data.x_test, data.y_test),
                   interrupted=history.interrupted, warnings=history.warnings, device=str(device),
                   torch=torch.__version__, threads=torch.get_num_threads())
    if net.head_trained:
        results["test_error_one_pass"] = net.error_rate(data.x_test, data.y_test, one_pass=True)
    print(f"train time {train_seconds:.1f} s")
    print(f"train error {results['train_error']:.4f}  test error {results['test_error']:.4f}")
    if "test_error_one_pass" in results:
        print(f"one-pass (softmax read-out) test error {results['test_error_one_pass']:.4f}")
    if args.save:
        print(f"saved the network to {save(net, args.save)}")
    if args.metrics:
        Path(args.metrics).parent.mkdir(parents=True, exist_ok=True)
        Path(args.metrics).write_text(json.dumps(dict(preset=args.preset, settings=asdict(p), **results), indent=2))
        print(f"wrote metrics to {args.metrics}")
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return train(args)
    except (DataError, RuntimeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
