"""The read-out's learning rate, chosen again on the unsupervised preset's final layers, on validation.

The read-out's rate (0.3) was chosen on layers trained for 5 epochs (benchmarks/unsupervised_readout.py).
The preset's layers, trained for 40 epochs, give features that are easier to separate, and 0.3 may
overshoot on them. Train those layers on the validation split's 50,000 training images and save them:

    python -m ff_tutorial train --preset unsupervised --validation --no-progress --save layers.pt

(about 21 minutes on a 2-core CPU), then

    python -m benchmarks.unsupervised_readout_rate layers.pt

trains fresh read-outs on those frozen layers, one per (learning rate, epochs) and seed, and prints
each one's error on the validation split (the last 10,000 training images). No test image is looked
at. The candidate with the lowest mean validation error wins; the preset keeps it.
"""

from __future__ import annotations

import argparse
import statistics

import torch

from ff_tutorial import load_mnist
from ff_tutorial.checkpoint import CheckpointError, load

# (Adam's learning rate, read-out epochs): the former choice first, then smaller steps, given
# more epochs where they are smaller still.
CANDIDATES = [(0.3, 20), (0.1, 20), (0.03, 20), (0.03, 60), (0.01, 100)]
SEEDS = (0, 1, 2)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.unsupervised_readout_rate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("layers", help="a network saved by `python -m ff_tutorial train --preset "
                                       "unsupervised --validation --save PATH`")
    args = parser.parse_args(argv)
    try:
        net = load(args.layers)
    except CheckpointError as error:
        parser.error(str(error))
    if net.embedding != "none":
        parser.error(f"{args.layers} was trained with labels (embedding {net.embedding!r}); this benchmark "
                     f"is for the unsupervised preset's layers")
    data = load_mnist().validation_split()
    x, y = data.x_train, data.y_train
    net.readout_from = 0  # every layer, as the preset reads out
    width = sum(net.config["dims"][1:])
    print(f"layers {net.config['dims']}, read-out on all of them, {len(x):,} training images")
    print("| learning rate | epochs | validation error (seeds 0, 1, 2) | mean |\n|---:|---:|---|---:|")
    for lr, epochs in CANDIDATES:
        errors = []
        for seed in SEEDS:
            torch.manual_seed(seed)
            net.head = torch.nn.Linear(width, 10)  # a fresh head for each try, on the same layers
            net.train_readout(x, y, epochs=epochs, lr=lr, generator=torch.Generator().manual_seed(seed),
                              progress=False)
            errors.append(net.error_rate(data.x_test, data.y_test, one_pass=True))
        print(f"| {lr:g} | {epochs} | {', '.join(f'{e:.2%}' for e in errors)} "
              f"| {statistics.mean(errors):.2%} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
