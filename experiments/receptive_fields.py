"""Chapter 12's comparison: local receptive fields against fully connected layers, on validation.

`python -m experiments.receptive_fields` trains, for each run below, one network per seed (0, 1,
2, all at once) on the first 10,000 images of the validation split's training part (MNIST's first
50,000 training images) and measures it on the validation split (the last 10,000 training images);
no test image is looked at. Each run writes results/receptive/NAME.json: the settings, the command,
each seed's validation error, their mean and standard deviation, the training time, the number of
weights, and the machine. A file that exists is kept, never replaced, unless `--force` is given.

Three kinds of run, all of two hidden layers of 1,000 units and 10 epochs of mini-batches of 50,
every image shifted by up to a pixel anew each epoch (jitter, the other image prior):

- `ff-*`: supervised Forward-Forward with the `accurate` preset's recipe (label overlaid, wrong
  labels as negatives, the symmetric loss, a cool-down); validation error from ten passes;
- `backprop-*`: the backprop network of the same shape (the same fields, no label pixels), at the
  same budget (the same images, epochs, batch size and jitter), Adam at 0.001;
- `unsupervised-*`: the `unsupervised` preset's recipe (hybrid negatives, peer normalization),
  then its linear read-out (20 epochs); `unsupervised-local` uses the geometry whose `ff-` run has
  the lowest mean validation error, read from the files (so the `ff-` runs come first).
"""

from __future__ import annotations

import dataclasses
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

import ff_tutorial
from experiments.files import files_to_make
from ff_tutorial import load_mnist
from ff_tutorial.augment import shift_images
from ff_tutorial.receptive import local_mlp, network_connections
from ff_tutorial.outputs import OutputError, write_atomically
from ff_tutorial.recipes import PRESETS, train
from ff_tutorial.runtime import machine, seed_everything

FOLDER = Path(__file__).resolve().parent.parent / "results" / "receptive"
SEEDS = (0, 1, 2)
TRAIN_SIZE, EPOCHS, WIDTH, JITTER = 10_000, 10, 1000, 1

# The first layer's geometry: a FIELD x FIELD patch of pixels, STRIDE apart; 1,000 units divided
# among the locations (25 locations of 40 units, or 100 of 10). "two-local" makes the second layer
# local too: 6 x 6 patches of the first layer's 10 x 10 grid, 4 apart (4 locations of 250 units).
GEOMETRIES = {
    "dense": (),
    "local-8-5": ((8, 5),),
    "local-12-4": ((12, 4),),
    "local-16-3": ((16, 3),),
    "local-10-2": ((10, 2),),
    "two-local-10-2-6-4": ((10, 2), (6, 4)),
}
SUPERVISED = PRESETS["accurate"].replace(dims=(784, WIDTH, WIDTH), epochs=EPOCHS, train_size=TRAIN_SIZE,
                                         jitter=JITTER, readout_epochs=0)
UNSUPERVISED = PRESETS["unsupervised"].replace(dims=(784, WIDTH, WIDTH), epochs=EPOCHS, train_size=TRAIN_SIZE,
                                               jitter=JITTER, readout_epochs=20)
BACKPROP_LR = 1e-3

RUNS = [f"ff-{g}" for g in GEOMETRIES] + [f"backprop-{g}" for g in GEOMETRIES] + \
       ["unsupervised-dense", "unsupervised-local"]


def weights_of(fields, embedding: str) -> int:
    """How many weights the hidden layers really have: those inside the fields."""
    dims = SUPERVISED.dims if embedding != "none" else UNSUPERVISED.dims
    connections = network_connections(dims, fields, embedding)
    return int(sum(i * o if c is None else c.sum() for i, o, c in zip(dims[:-1], dims[1:], connections)))


def best_geometry(folder: Path) -> str:
    """The geometry of the `ff-local-*`/`ff-two-local-*` run with the lowest mean validation error."""
    errors = {}
    for name in GEOMETRIES:
        path = folder / f"ff-{name}.json"
        if name != "dense" and path.exists():
            errors[name] = json.loads(path.read_text())["validation_error"]
    if not errors:
        raise OutputError("unsupervised-local takes the best supervised geometry: make the ff- runs first")
    return min(errors, key=errors.get)


def train_ff(recipe, data) -> tuple:
    x, y = data.x_train[:TRAIN_SIZE], data.y_train[:TRAIN_SIZE]
    start = time.perf_counter()
    nets, _ = train(recipe, x, y, seeds=list(SEEDS), progress=False)
    seconds = time.perf_counter() - start
    one_pass = recipe.embedding == "none"  # an unsupervised network answers through its read-out
    errors = [net.error_rate(data.x_test, data.y_test, one_pass=one_pass) for net in nets]
    return errors, seconds


def train_backprop(fields, data) -> tuple:
    x, y = data.x_train[:TRAIN_SIZE], data.y_train[:TRAIN_SIZE]
    errors, seconds = [], 0.0
    for seed in SEEDS:
        generator = seed_everything(seed)
        mlp = local_mlp(list(SUPERVISED.dims), fields, lr=BACKPROP_LR)
        start = time.perf_counter()
        for _ in range(EPOCHS):  # jitter anew each epoch, as the FF runs have it
            mlp.train_backprop(shift_images(x, JITTER, generator), y, epochs=1, batch_size=SUPERVISED.batch_size,
                               eval_every=None, generator=generator, progress=False)
        seconds += time.perf_counter() - start
        errors.append(mlp.error_rate(data.x_test, data.y_test))
    return errors, seconds


def run(name: str, data, folder: Path) -> dict:
    kind, geometry = name.split("-", 1)
    if kind == "unsupervised":
        geometry = "dense" if geometry == "dense" else best_geometry(folder)
    fields = GEOMETRIES[geometry]
    settings = {"geometry": geometry, "receptive_fields": [list(f) for f in fields], "seeds": list(SEEDS),
                "train_size": TRAIN_SIZE, "epochs": EPOCHS, "jitter": JITTER}
    if kind == "backprop":
        errors, seconds = train_backprop(fields, data)
        settings.update(dims=list(SUPERVISED.dims), lr=BACKPROP_LR, batch_size=SUPERVISED.batch_size)
        weights = weights_of(fields, "none")
    else:
        recipe = (SUPERVISED if kind == "ff" else UNSUPERVISED).replace(receptive_fields=fields)
        errors, seconds = train_ff(recipe, data)
        settings["recipe"] = json.loads(json.dumps(dataclasses.asdict(recipe)))  # tuples as lists
        weights = weights_of(fields, recipe.embedding)
    return {"name": name, "kind": kind, "command": f"python -m experiments.receptive_fields {name}",
            **settings, "hidden_weights": weights,
            "validation_errors": errors, "validation_error": statistics.mean(errors),
            "validation_error_std": statistics.stdev(errors),
            "train_seconds": round(seconds, 2), "seconds_per_network_epoch": round(seconds / len(SEEDS) / EPOCHS, 3),
            "machine": machine(torch.device("cpu")), "torch": torch.__version__,
            "python": platform.python_version(), "ff_tutorial": ff_tutorial.__version__,
            "date": time.strftime("%Y-%m-%d")}


def main(argv=None) -> int:
    try:
        todo = files_to_make("python -m experiments.receptive_fields", __doc__, RUNS, FOLDER, "results file", argv)
    except OutputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    data = load_mnist().validation_split() if todo else None
    for name, path in todo.items():
        try:
            record = run(name, data, path.parent)
        except OutputError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        write_atomically(path, (json.dumps(record, indent=1) + "\n").encode())
        errors = ", ".join(f"{e:.2%}" for e in record["validation_errors"])
        print(f"{name}: validation error {record['validation_error']:.2%} ± {record['validation_error_std']:.2%} "
              f"({errors}) in {record['train_seconds']:.0f} s -> {path}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
