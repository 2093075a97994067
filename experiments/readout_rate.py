"""The read-out's learning rate and epochs, chosen on a network's final layers, on validation.

A read-out's rate chosen on one set of layers may overshoot on better ones: layers trained longer
give features that are easier to separate. So the rate is chosen again once the layers are final.
Train them on the validation split's 50,000 training images and save them, for instance

    python -m ff_tutorial train --preset unsupervised --validation --no-progress --save layers.pt

(about 21 minutes on a 2-core CPU), then

    python -m experiments.readout_rate layers.pt

trains fresh read-outs on those frozen layers, one per (learning rate, epochs) and seed, on the
layers the network reads out from, and prints each one's error on the validation split (the last
10,000 training images). No test image is looked at. The lowest mean validation error wins.
"""

from __future__ import annotations

import argparse
import statistics

import torch

from ff_tutorial import load_mnist
from ff_tutorial import train_readout
from ff_tutorial.checkpoint import CheckpointError, load

# (Adam's learning rate, read-out epochs): the unsupervised preset's former choice first, then
# smaller steps, given more epochs where they are smaller still.
CANDIDATES = [(0.3, 20), (0.1, 20), (0.03, 20), (0.03, 60), (0.01, 100)]
SEEDS = (0, 1, 2)


def candidate(text: str) -> tuple:
    """'0.03x60' -> (0.03, 60)."""
    try:
        lr, epochs = text.split("x")
        lr, epochs = float(lr), int(epochs)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a candidate is RATExEPOCHS, such as 0.03x60; got {text!r}") from None
    if not (lr > 0 and epochs > 0):
        raise argparse.ArgumentTypeError(f"a candidate's rate and epochs must be positive, got {text!r}")
    return lr, epochs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.readout_rate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("layers", help="a network saved by `python -m ff_tutorial train --validation --save PATH`")
    parser.add_argument("--candidates", type=candidate, nargs="+", default=CANDIDATES, metavar="RATExEPOCHS",
                        help="read-outs to try, such as 0.01x10 0.03x60 (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        net = load(args.layers)
    except CheckpointError as error:
        parser.error(str(error))
    data = load_mnist().validation_split()
    x, y = data.x_train, data.y_train
    dims, first = net.config.dims, net.readout_from
    seen = "all of them" if first == 0 else f"layers {first + 1}-{len(dims) - 1}"
    print(f"layers {dims}, read-out on {seen}, {len(x):,} training images")
    print("| learning rate | epochs | validation error (seeds 0, 1, 2) | mean |\n|---:|---:|---|---:|")
    for lr, epochs in args.candidates:
        errors = []
        for seed in SEEDS:
            torch.manual_seed(seed)
            net.reset_readout()  # a fresh head for each try, on the same layers
            train_readout(net, x, y, epochs=epochs, lr=lr, generator=torch.Generator().manual_seed(seed),
                              progress=False)
            errors.append(net.error_rate(data.x_test, data.y_test, one_pass=True))
        print(f"| {lr:g} | {epochs} | {', '.join(f'{e:.2%}' for e in errors)} "
              f"| {statistics.mean(errors):.2%} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
