"""How the unsupervised preset's read-out was chosen: its layers and learning rate, on validation.

`python -m experiments.unsupervised_readout` trains the `unsupervised` preset's network, with the
layers' settings it had then (the FF loss, images where they are), on the first 20,000 training
images for 5 epochs (a minute and a half on a 2-core CPU), then trains one read-out per candidate
setting on the same frozen network and prints each one's error on the validation split
(the last 10,000 training images). No test image is looked at. The preset keeps the best.
"""

from __future__ import annotations

import argparse

import torch

from ff_tutorial import load_mnist, seed_everything
from ff_tutorial import train_readout
from ff_tutorial.recipes import PRESETS, train

# The layers as they were when the read-out was chosen: the FF loss, images where they are. Their
# own settings were chosen afterwards, with this read-out (experiments/unsupervised_layers.py).
LAYERS = dict(loss="ff", jitter=0)
# What this comparison chose, as experiments/unsupervised_layers.py used it. The final layers' read-out
# learns more slowly (experiments/readout_rate.py).
READOUT = dict(readout_from=0, readout_lr=0.3, readout_epochs=20)
# (first layer the read-out sees, Adam's learning rate)
CANDIDATES = [(1, 0.01), (0, 0.01), (0, 0.03), (0, 0.1), (0, 0.3)]


def validation_data(parser, train_size: int):
    """The validation split, and its first `train_size` training images and labels to train on."""
    if not 0 < train_size <= 50_000:
        parser.error(f"--train-size must be from 1 to 50000 (the rest is the validation split), got {train_size}")
    data = load_mnist().validation_split()
    return data, data.x_train[:train_size], data.y_train[:train_size]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.unsupervised_readout", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-size", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=5, help="epochs of the layers")
    parser.add_argument("--readout-epochs", type=int, default=20)
    args = parser.parse_args(argv)
    data, x, y = validation_data(parser, args.train_size)
    recipe = PRESETS["unsupervised"].replace(epochs=args.epochs, readout_epochs=0, train_size=args.train_size,
                                             **LAYERS)
    net, _ = train(recipe, x, y, generator=seed_everything(recipe.seed), progress=False)
    print(f"layers {list(recipe.dims)} trained without labels on {len(x):,} images for {args.epochs} epochs")
    print("| read-out sees layers | learning rate | train error | validation error |\n|---|---:|---:|---:|")
    for first, lr in CANDIDATES:
        net.reset_readout(first)  # a fresh head for each candidate, on the same layers
        train_readout(net, x, y, epochs=args.readout_epochs, lr=lr, generator=torch.Generator().manual_seed(0),
                          progress=False)
        layers = f"{first + 1}-{len(recipe.dims) - 1}"
        print(f"| {layers} | {lr:g} | {net.error_rate(x, y, one_pass=True):.2%} "
              f"| {net.error_rate(data.x_test, data.y_test, one_pass=True):.2%} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
