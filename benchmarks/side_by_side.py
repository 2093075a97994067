"""The same work, timed side by side: the blog's 2x500 network on its full batch of images.

Both codes train the seed preset's network (794-500-500, label concatenated, negatives from one
shuffle of the labels drawn once, Adam at lr 0.03, threshold 2.0, the whole set as one batch),
layer after layer, for k epochs per layer. The runs alternate (blog, ours, blog, ours, ...) so
that anything else the machine does slows both alike.

Each timed run is everything from the images and labels to a trained network: the blog's
`blog_negatives` and `FFNN.train` (which ends with a forward pass of each layer to feed the
next), and our network's construction and `train_greedy` (which embeds the labels and computes
each layer's input before that layer trains). Seconds per epoch are the run's time divided by
the number of layer-epochs, 2k, so set-up is spread over the epochs as it is in a real run.
"""

from __future__ import annotations

import torch
from ff_tutorial import train_greedy
from ff_tutorial.recipes import PRESETS

from . import presets
from .blog_baseline import FFNN, blog_negatives
from .machine import median, timed

PRESET = "seed"  # the blog's settings


def blog_run(x, y, dims, epochs, generator):
    """The blog's code on (x, y); returns (seconds, the last loss of each layer)."""
    def work():
        x_positive, x_negative = blog_negatives(x, y, generator)
        net = FFNN(dims, num_epochs=epochs, device=x.device)
        net.train(x_positive, x_negative)
        return [layer.losses[-1] for layer in net.layers]
    losses, seconds = timed(work, x.device)
    return seconds, losses


def ours_run(x, y, dims, epochs, generator):
    """Our train_greedy with the same settings; returns (seconds, the last loss of each layer)."""
    def work():
        net = presets.build(PRESET, dims, x.device)
        history = train_greedy(net, x, y, epochs, batch_size=None, negatives=PRESETS[PRESET].negatives,
                                   generator=generator, progress=False)
        return [losses[-1] for losses in history.layer_losses]
    losses, seconds = timed(work, x.device)
    return seconds, losses


def run(data, device, images: int, epochs: int, repeats: int, width: int | None = None, log=print) -> dict:
    dims = presets.dims_of(PRESET, width)
    x, y = data.x_train[:images].to(device), data.y_train[:images].to(device)
    generator = torch.Generator().manual_seed(0)
    # One small run of each first: thread pools, kernel choices and first allocations are not timed.
    blog_run(x[:500], y[:500], dims, 1, generator)
    ours_run(x[:500], y[:500], dims, 1, generator)
    layer_epochs = (len(dims) - 1) * epochs
    blog_seconds, ours_seconds, blog_losses, ours_losses = [], [], [], []
    for r in range(repeats):
        seconds, losses = blog_run(x, y, dims, epochs, generator)
        blog_seconds.append(seconds)
        blog_losses.append(losses)
        seconds, losses = ours_run(x, y, dims, epochs, generator)
        ours_seconds.append(seconds)
        ours_losses.append(losses)
        log(f"  repetition {r + 1}/{repeats}: blog {blog_seconds[-1]:.2f} s, ours {ours_seconds[-1]:.2f} s "
            f"({layer_epochs} layer-epochs each)")
    blog_per_epoch = median(blog_seconds) / layer_epochs
    ours_per_epoch = median(ours_seconds) / layer_epochs
    return dict(
        images=len(x), dims=dims, epochs_per_layer=epochs, layer_epochs=layer_epochs, repeats=repeats,
        order="alternating, blog first in each repetition",
        blog_seconds=blog_seconds, ours_seconds=ours_seconds,
        blog_seconds_per_epoch=blog_per_epoch, ours_seconds_per_epoch=ours_per_epoch,
        ratio_blog_over_ours=blog_per_epoch / ours_per_epoch,
        # Not a race of losses (the initial weights differ), but both should land close together:
        # a big gap would mean the two are not doing the same work.
        blog_last_loss_per_layer=[median(v) for v in zip(*blog_losses)],
        ours_last_loss_per_layer=[median(v) for v in zip(*ours_losses)],
    )
