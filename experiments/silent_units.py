"""How many units of saved networks never answer: in each layer, the units that give 0 for every one of
the first 20,000 training images, each shown with its own label (`FFNetwork.silent_units`).

`python -m experiments.silent_units NETWORK ... --path results/NAME.json` counts them for each saved
network and writes them, with its layers' widths, receptive fields and peer normalization, to one
file (kept if it exists, unless --force). Only training images are used: no test or validation
image is looked at. Chapter 12 counts its kept network's silent units the same way (section 7) and
sets the counts of a network trained with peer normalization beside them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ff_tutorial import load, load_mnist
from ff_tutorial.checkpoint import CheckpointError
from ff_tutorial.outputs import OutputError

from .files import one_file_to_make, write_record

IMAGES = 20_000  # the first training images: inside the training set of every recipe, validation or not


def count(path: Path, data) -> dict:
    """One network's silent units per layer, with what it is."""
    net = load(path)
    silent = net.silent_units(data.x_train[:IMAGES], data.y_train[:IMAGES])
    return {"network": str(path), "dims": list(net.config.dims), "receptive_fields": net.config.receptive_fields,
            "peer_norm": net.config.peer_norm, "silent": [int(s.sum()) for s in silent]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.silent_units", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("networks", nargs="+", type=Path, help="saved networks (.pt)")
    parser.add_argument("--path", type=Path, required=True, help="where the counts go (a new .json file)")
    parser.add_argument("--force", action="store_true", help="replace the file if it exists")
    args = parser.parse_args(argv)
    try:
        if not one_file_to_make(args.path, args.force):
            return 0
        data = load_mnist()
        rows = []
        for path in args.networks:
            rows.append(count(path, data))
            print(f"{path}: silent units per layer {rows[-1]['silent']} of {rows[-1]['dims'][1:]}", flush=True)
    except (OutputError, CheckpointError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    record = {"command": "python -m experiments.silent_units " + " ".join(map(str, args.networks))
              + f" --path {args.path}", "images": f"the first {IMAGES:,} training images, each with its label",
              "networks": rows}
    write_record(args.path, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
