"""Prediction: images per second over the test images, and the peak memory it takes.

Three ways to predict, all on the seed preset's 794-500-500 network so that the blog's code does
the same arithmetic: our goodness per label (ten forward passes, one per candidate label), our
one-pass prediction (one pass with a neutral label, then the softmax read-out), and the blog's
`FFNN.predict` (ten passes too).

The layers are not trained: a forward pass costs the same whatever the weights are. The read-out
gets a short training only so that `predict_one_pass` may be called. Each method runs in a fresh
process on a CPU so that its peak memory is its own (see `memory`).
"""

from __future__ import annotations

from pathlib import Path

import torch

from ff_tutorial import save
from ff_tutorial import train_readout

from . import presets, worker
from .machine import median

PRESET = "seed"
METHODS = {
    "goodness": "ours: goodness per label (ten passes)",
    "one_pass": "ours: one pass + softmax read-out",
    "blog": "blog: FFNN.predict (ten passes)",
}


def run(data, device, scratch: Path, images=None, width=None, readout_images=5000, repeats=3,
        isolated=True) -> dict:
    dims = presets.dims_of(PRESET, width)
    test_file = scratch / "test-images.pt"
    torch.save((data.x_test[:images].clone(), data.y_test[:images].clone()), test_file)
    net = presets.build(PRESET, dims, device)
    train_readout(net, data.x_train[:readout_images], data.y_train[:readout_images], epochs=1, progress=False)
    checkpoint = save(net, scratch / "prediction-net.pt")
    tasks = [dict(task="predict", method=m, images=str(test_file), checkpoint=str(checkpoint), dims=dims,
                  repeats=repeats) for m in METHODS]
    rows = []
    for method, measured in zip(METHODS, worker.measure(tasks, device, isolated)):
        seconds = median(measured["seconds"])
        rows.append(dict(method=method, description=METHODS[method], images=measured["images"],
                         seconds=measured["seconds"], images_per_second=measured["images"] / seconds,
                         peak_bytes=measured["peak_bytes"], memory_method=measured["memory_method"]))
    blog = next(r for r in rows if r["method"] == "blog")
    for row in rows:
        row["speed_over_blog"] = row["images_per_second"] / blog["images_per_second"]
    return dict(dims=dims, repeats=repeats, isolated=isolated or device.type == "cuda", rows=rows)
