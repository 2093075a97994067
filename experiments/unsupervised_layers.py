"""How the unsupervised layers' own settings compare, on validation.

`python -m experiments.unsupervised_layers` trains the `unsupervised` preset's network on the first
20,000 training images for 5 epochs once per candidate (each changes settings of the layers),
then the read-out chosen by experiments/unsupervised_readout.py on each, and prints the error on the
validation split (the last 10,000 training images). No test image is looked at. About a minute per
candidate on a 2-core CPU.

Short runs favour settings that learn fast; the table says which direction is worth a full run,
not what a full run will give. The preset took the best row: the symmetric loss with alpha 4, and
images shifted by up to a pixel.
"""

from __future__ import annotations

import argparse
import time

from ff_tutorial import seed_everything
from ff_tutorial.recipes import PRESETS, train

from .unsupervised_readout import LAYERS, READOUT, validation_data

# The starting point: the unsupervised preset's layers as they were before this comparison, the
# ones its read-out was chosen on (the FF loss with threshold 2, images where they are).
START = LAYERS
CANDIDATES = {  # name -> the settings it changes
    "FF loss (the starting point)": {},
    "lr 0.01": dict(lr=0.01),
    "no peer normalization": dict(peer_norm=0.0),
    "peer normalization 0.1": dict(peer_norm=0.1),
    "threshold 1": dict(threshold=1.0),
    "threshold 4": dict(threshold=4.0),
    "jitter 1": dict(jitter=1),
    "symmetric loss alpha 2": dict(loss="symba", symba_alpha=2.0),
    "symmetric loss alpha 4": dict(loss="symba", symba_alpha=4.0),
    "symmetric loss alpha 8": dict(loss="symba", symba_alpha=8.0),
    "symmetric loss alpha 100": dict(loss="symba", symba_alpha=100.0),
    "symmetric loss alpha 4 without peer normalization": dict(loss="symba", symba_alpha=4.0, peer_norm=0.0),
    "symmetric loss alpha 4 and jitter 1": dict(loss="symba", symba_alpha=4.0, jitter=1),
    "symmetric loss alpha 8 and jitter 1": dict(loss="symba", symba_alpha=8.0, jitter=1),
    "symmetric loss alpha 4 and jitter 2": dict(loss="symba", symba_alpha=4.0, jitter=2),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.unsupervised_layers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-size", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=5, help="epochs of the layers")
    parser.add_argument("--only", help="comma-separated candidate names (default: all)")
    args = parser.parse_args(argv)
    names = list(CANDIDATES) if not args.only else [n.strip() for n in args.only.split(",")]
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown:
        parser.error(f"unknown candidate(s) {unknown}; choose from {list(CANDIDATES)}")
    data, x, y = validation_data(parser, args.train_size)
    base = PRESETS["unsupervised"].replace(epochs=args.epochs, train_size=args.train_size, **START, **READOUT)
    print(f"layers {list(base.dims)} trained without labels on {len(x):,} images for {args.epochs} epochs; "
          f"read-out: {base.readout_epochs} epochs at lr {base.readout_lr:g} on every layer")
    print("| layers' setting | read-out train error | validation error | time |\n|---|---:|---:|---:|")
    for name in names:
        recipe = base.replace(**CANDIDATES[name])
        start = time.perf_counter()
        net, history = train(recipe, x, y, generator=seed_everything(recipe.seed), progress=False)
        seconds = time.perf_counter() - start
        if history.warnings:
            name += f" ({'; '.join(history.warnings)})"
        print(f"| {name} | {net.error_rate(x, y, one_pass=True):.2%} "
              f"| {net.error_rate(data.x_test, data.y_test, one_pass=True):.2%} | {seconds:.0f} s |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
