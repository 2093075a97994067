"""How far a network trained among several seeds drifts from the same seed trained alone.

`train --seeds 0,1,2` stacks the networks' weights and multiplies them in one batched product.
Each network starts from the weights, and gets the draws of data, that its seed gives alone, but a
stacked product may add its terms in another order than a lone one, so the results differ in the
last bits. Adam divides each gradient by its own running size, so a rounding difference in a
gradient near zero can become a step of the full learning rate: the two runs part, and after
thousands of steps they are two different networks of the same recipe (the three `accurate`
networks from seed 0 in the results differ as much as different seeds do).

`python -m experiments.stacking_drift` trains the `accurate` preset's network from seed 0 alone
and with seed 1 beside it, on the first images of the training set (no image is measured), and
records the largest difference between the two seed-0 networks' weights after each number of
steps, beside the typical size of a weight, in results/stacking-drift.json (kept if it exists,
unless --force).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ff_tutorial import load_mnist, seed_everything
from ff_tutorial.outputs import OutputError
from ff_tutorial.recipes import PRESETS, train

from .files import one_file_to_make, write_record

PATH = Path(__file__).resolve().parent.parent / "results" / "stacking-drift.json"
STEPS = (5, 10, 15, 20, 50, 100, 200)


def drift(steps: int, data) -> list:
    """Per layer: the largest |difference| between seed 0 alone and seed 0 beside seed 1."""
    recipe = PRESETS["accurate"].replace(epochs=1, train_size=steps * 50, cooldown=False, readout_epochs=0)
    x, y = data.x_train[: recipe.train_size], data.y_train[: recipe.train_size]
    beside, _ = train(recipe, x, y, seeds=[0, 1], progress=False)
    generator = seed_everything(0)
    alone, _ = train(recipe, x, y, net=recipe.build(), generator=generator, progress=False)
    return [(a.linear.weight - b.linear.weight).abs().max().item()
            for a, b in zip(beside[0].layers, alone.layers)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.stacking_drift", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--force", action="store_true", help="replace the file if it exists")
    parser.add_argument("--path", type=Path, default=PATH, help="where the record goes (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        if not one_file_to_make(args.path, args.force):
            return 0
    except OutputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    data = load_mnist()
    rows = []
    for steps in STEPS:
        rows.append({"steps": steps, "largest_difference_per_layer": drift(steps, data)})
        print(f"after {steps} steps: largest weight difference per layer "
              + ", ".join(f"{d:.2g}" for d in rows[-1]["largest_difference_per_layer"]), flush=True)
    seed_everything(0)
    fresh = PRESETS["accurate"].build()
    record = {"command": "python -m experiments.stacking_drift", "preset": "accurate", "batch_size": 50,
              "rows": rows, "weight_std_at_start": [layer.linear.weight.std().item() for layer in fresh.layers],
              "learning_rate": PRESETS["accurate"].lr}
    write_record(args.path, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
