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
from pathlib import Path

from ff_tutorial import load_mnist

from .files import networks_to_measure, write_record

IMAGES = 20_000  # the first training images: inside the training set of every recipe, validation or not


def count(net, path: Path, data) -> dict:
    """One network's silent units per layer, with what it is."""
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
    networks = networks_to_measure(args.networks, args.path, args.force)
    if isinstance(networks, int):
        return networks
    data = load_mnist()
    rows = []
    for path, net in zip(args.networks, networks):
        rows.append(count(net, path, data))
        print(f"{path}: silent units per layer {rows[-1]['silent']} of {rows[-1]['dims'][1:]}", flush=True)
    record = {"command": "python -m experiments.silent_units " + " ".join(map(str, args.networks))
              + f" --path {args.path}", "images": f"the first {IMAGES:,} training images, each with its label",
              "networks": rows}
    write_record(args.path, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
