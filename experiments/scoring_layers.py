"""Which layers' goodness should vote in ten-pass prediction, on the validation split.

The package sums the goodness of every layer (`score_from=0`); the paper sums it over every layer
but the first (`score_from=1`). The choice changes no weight, only how a trained network answers,
so it is measured on networks already trained:

`python -m experiments.scoring_layers NETWORK ... --path results/validation/scoring/NAME.json` measures
each saved network's validation error (the last 10,000 training images) with the goodness summed
from each layer up, and writes them, with each rule's mean and standard deviation over the networks
(one per seed), to one file (kept if it exists, unless --force). Give it networks trained with
`train --validation`: a network trained on all 60,000 images has seen the validation images. No
test image is looked at. (Not in results/validation/ itself: `experiments.table` reads every file
there as a training run.)
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from ff_tutorial import FFNetwork, load_mnist
from ff_tutorial.cli import summarize

from .files import networks_to_measure, write_record


def errors_by_first_scoring_layer(net, x, y) -> dict:
    """{"from_layer_K_error": error on x} for every layer K the sum of goodness can start from."""
    errors = {}
    for first in range(len(net.layers)):
        net.config = replace(net.config, score_from=first)
        errors[f"from_layer_{first}_error"] = net.error_rate(x, y)
    return errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.scoring_layers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("networks", nargs="+", type=Path, help="networks saved by train --validation --save")
    parser.add_argument("--path", type=Path, required=True, help="where the errors go (a new .json file)")
    parser.add_argument("--force", action="store_true", help="replace the file if it exists")
    args = parser.parse_args(argv)
    networks = networks_to_measure(args.networks, args.path, args.force)
    if isinstance(networks, int):
        return networks
    problem = next((f"{path} has no goodness per label (a recurrent network, or one trained without labels)"
                    for path, net in zip(args.networks, networks)
                    if not isinstance(net, FFNetwork) or net.embedding == "none"), None)
    if problem is None and len({len(net.layers) for net in networks}) > 1:
        problem = "the networks have different numbers of layers; give the networks of one recipe"
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    split = load_mnist().validation_split()
    x, y = split.x_test, split.y_test  # the held-out last 10,000 training images
    rows = []
    for path, net in zip(args.networks, networks):
        errors = errors_by_first_scoring_layer(net, x, y)
        rows.append({"network": str(path), "dims": list(net.config.dims), **errors})
        print(f"{path}: validation error " + ", ".join(f"{error:.2%} from layer {k} up"
                                                       for k, error in enumerate(errors.values())), flush=True)
    summary = summarize([{key: row[key] for key in row if key.endswith("_error")} for row in rows])
    for k in range(len(networks[0].layers)):
        key = f"from_layer_{k}_error"
        print(f"from layer {k} up: {summary[key]:.2%} ± {100 * summary[key + '_std']:.2f} "
              f"over {len(rows)} network{'s' if len(rows) > 1 else ''}")
    record = {"command": "python -m experiments.scoring_layers " + " ".join(map(str, args.networks))
              + f" --path {args.path}", "images": "the validation split: the last 10,000 training images",
              "networks": rows, **summary}
    write_record(args.path, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
