"""Growth: training time per epoch and peak memory as the data, the width and the depth grow.

Two ways to train, as the presets define them: the seed preset's (greedy, layer after layer,
the whole set as one batch: memory grows with the data) and the fast preset's (all layers at
once on mini-batches: memory stays flat). One thing varies at a time; the others stay at the
base point. An epoch here is every layer once over all the images, so deeper networks take
longer per epoch. Each point runs in a fresh process on a CPU, so its peak memory is its own.
"""

from __future__ import annotations

from pathlib import Path

import torch

from . import presets, worker

SCHEDULES = ("seed", "fast")


def points(images, widths, depths, base_images, base_width=None):
    """(axis, value, images, width, depth) for each measurement; None means the preset's own."""
    for n in images:
        yield "images", n, n, base_width, None
    for w in widths:
        yield "width", w, base_images, w, None
    for d in depths:
        yield "depth", d, base_images, base_width, d


def run(data, device, scratch: Path, images, widths, depths, base_images, epochs, base_width=None,
        isolated=True, log=print) -> dict:
    n_max = max([*images, base_images])
    train_file = scratch / "train-images.pt"
    torch.save((data.x_train[:n_max].clone(), data.y_train[:n_max].clone()), train_file)
    plan, tasks = [], []
    for name in SCHEDULES:
        for axis, value, n, width, depth in points(images, widths, depths, base_images, base_width):
            dims = presets.dims_of(name, width, depth)
            plan.append(dict(preset=name, axis=axis, value=value, images=n, dims=dims))
            tasks.append(dict(task="train", preset=name, dims=dims, images=str(train_file), n=n, epochs=epochs))
    log(f"  {len(tasks)} training runs, {'each in a fresh process' if isolated else 'in one process'}")
    for point, measured in zip(plan, worker.measure(tasks, device, isolated)):
        point.update(seconds=measured["seconds"], seconds_per_epoch=measured["seconds"] / epochs,
                     peak_bytes=measured["peak_bytes"], memory_method=measured["memory_method"])
    return dict(epochs=epochs, base_images=base_images,
                schedules={name: presets.describe(name) for name in SCHEDULES},
                isolated=isolated or device.type == "cuda", points=plan)
