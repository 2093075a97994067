"""Should the read-out learn from shifted images, as the layers do? Measured on the validation split.

The unsupervised recipe's layers learn from images shifted by up to a pixel (`--jitter 1`), but its
softmax read-out learns from the images where they are, its features computed once. It fits them far
better than new ones (0.26% train error against 1.68% on validation, `unsupervised-local-10-2-seeds-0-1-2`).
A read-out that sees each training image at a fresh shift every epoch, its features computed again
each time, may get the help against fitting its training images that the shifts give the layers.
The layers do not change, so this is measured on networks already trained:

    python -m ff_tutorial train --preset unsupervised --receptive-fields 10:2 --seeds 0,1,2 \\
        --validation --save layers.pt
    python -m experiments.shifted_readout layers-seed-0.pt layers-seed-1.pt layers-seed-2.pt \\
        --path results/validation/readout/NAME.json

trains fresh read-outs on each network's frozen layers, one per candidate (the most pixels an image
is shifted, 0 for none, and the epochs), all with the same learning rate and the same seed (`--seed`:
a read-out's own seed moves its error too, so a gain is checked with another), and
writes each one's error on the validation images (the last 10,000 training images) and on its
unshifted training images, with each candidate's mean and standard deviation over the networks,
to one file (kept if it exists, unless --force). Give it networks trained with `train --validation`.
With `--readout-from LAYER` every read-out sees that layer and those above it only (0: all of them),
as the paper's unsupervised network was read out from its upper layers; by default each network's
own choice.
No test image is looked at. (Not in results/validation/ itself: `experiments.table` reads every
file there as a training run.) Validation chose the shifted read-out; a training run asks for it
with `python -m ff_tutorial train --readout-jitter 1`.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import torch

from ff_tutorial import FFNetwork, load_mnist, train_readout
from ff_tutorial.augment import check_max_shift
from ff_tutorial.cli import summarize

from .files import networks_to_measure, write_record

# (most pixels shifted, read-out epochs): the recipe's read-out first, then the same with shifts,
# then with twice the epochs, since a shifted image is a harder one to fit.
CANDIDATES = [(0, 60), (1, 60), (1, 120)]
LEARNING_RATE = 0.03  # the unsupervised preset's read-out rate (experiments.readout_rate chose it)
BATCH_SIZE = 1000     # train_readout's, as in every read-out of the package
SEED = 0  # the read-outs' (their first weights, their batches, their shifts), the same for every candidate


def candidate(text: str) -> tuple:
    """'1x60' -> (1, 60)."""
    try:
        shift, epochs = map(int, text.split("x"))
        check_max_shift(shift)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"a candidate is SHIFTxEPOCHS, a whole number of pixels from 0 to 27 and of epochs, such as 1x60; "
            f"got {text!r}") from None
    if epochs < 1:
        raise argparse.ArgumentTypeError(f"a candidate's epochs must be at least 1, got {text!r}")
    return shift, epochs


def train_shifted_readout(net: FFNetwork, x, y, max_shift: int, epochs: int, lr: float, seed: int,
                          progress: bool = True) -> None:
    """A fresh head on `net`'s frozen layers, trained by `train_readout` (Adam, batches of 1,000) on
    features computed anew each epoch from the images shifted by up to `max_shift` pixels, each its
    own shift (none for 0). One seed gives every candidate the same first weights, and the same
    order of batches."""
    torch.manual_seed(seed)
    net.reset_readout()
    train_readout(net, x, y, epochs=epochs, batch_size=BATCH_SIZE, lr=lr,
                  generator=torch.Generator().manual_seed(seed), progress=progress, jitter=max_shift)


def key(shift: int, epochs: int) -> str:
    return f"shift_{shift}_epochs_{epochs}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.shifted_readout", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("networks", nargs="+", type=Path, help="networks saved by train --validation --save")
    parser.add_argument("--path", type=Path, required=True, help="where the errors go (a new .json file)")
    parser.add_argument("--candidates", type=candidate, nargs="+", default=CANDIDATES, metavar="SHIFTxEPOCHS",
                        help="read-outs to try, such as 0x60 1x60 (default: 0x60 1x60 1x120)")
    parser.add_argument("--lr", type=float, default=LEARNING_RATE,
                        help="Adam's learning rate for every read-out (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=SEED,
                        help="seed of every read-out: its first weights, batches and shifts (default: %(default)s)")
    parser.add_argument("--readout-from", type=int, metavar="LAYER",
                        help="first layer every read-out sees (0: all of them; default: each network's own)")
    parser.add_argument("--force", action="store_true", help="replace the file if it exists")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")
    args = parser.parse_args(argv)
    if not (math.isfinite(args.lr) and args.lr > 0):
        parser.error(f"--lr must be a positive number, got {args.lr}")
    networks = networks_to_measure(args.networks, args.path, args.force)
    if isinstance(networks, int):
        return networks
    if not all(isinstance(net, FFNetwork) for net in networks):
        print("error: a recurrent network has no read-out on its layers; give feed-forward networks",
              file=sys.stderr)
        return 2
    if args.readout_from is not None:
        try:
            for net in networks:
                net.reset_readout(args.readout_from)  # the head the read-outs below are trained afresh on
        except ValueError as error:  # a layer this network lacks
            print(f"error: --readout-from: {error}", file=sys.stderr)
            return 2
    split = load_mnist().validation_split()
    rows = []
    for path, net in zip(args.networks, networks):
        row = {"network": str(path), "dims": list(net.config.dims), "readout_from": net.readout_from}
        for shift, epochs in args.candidates:
            train_shifted_readout(net, split.x_train, split.y_train, shift, epochs, args.lr, args.seed,
                                  args.progress)
            name = key(shift, epochs)
            row[name + "_error"] = net.error_rate(split.x_test, split.y_test, one_pass=True)
            row[name + "_train_error"] = net.error_rate(split.x_train, split.y_train, one_pass=True)
            print(f"{path}: shifts of up to {shift}, {epochs} epochs: validation error "
                  f"{row[name + '_error']:.2%} (train {row[name + '_train_error']:.2%})", flush=True)
        rows.append(row)
    summary = summarize([{k: row[k] for k in row if k.endswith("_error")} for row in rows])
    for shift, epochs in args.candidates:
        name = key(shift, epochs) + "_error"
        print(f"shifts of up to {shift}, {epochs} epochs: {summary[name]:.2%} ± {100 * summary[name + '_std']:.2f} "
              f"over {len(rows)} network{'s' if len(rows) > 1 else ''}")
    record = {"command": "python -m experiments.shifted_readout " + " ".join(map(str, args.networks))
              + " --candidates " + " ".join(f"{s}x{e}" for s, e in args.candidates)
              + (f" --lr {args.lr:g}" if args.lr != LEARNING_RATE else "")
              + (f" --seed {args.seed}" if args.seed != SEED else "")
              + (f" --readout-from {args.readout_from}" if args.readout_from is not None else "")
              + f" --path {args.path}",
              "images": "read-outs trained on the validation split's 50,000 training images, measured on "
                        "its last 10,000 training images",
              "learning_rate": args.lr, "seed": args.seed, "networks": rows, **summary}
    write_record(args.path, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
