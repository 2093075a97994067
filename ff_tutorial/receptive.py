"""Local receptive fields: which inputs each unit of a layer sees (no weight sharing).

Hinton (2022), section 3.2: the unsupervised network's fully connected layers can be replaced by
local receptive fields without weight sharing, which (with peer normalization, 60 epochs) brings
its test error to 1.16%. The paper gives no geometry for these MNIST fields. Its CIFAR-10 networks
(section 3.4) are where it gives one: each hidden layer a 32x32 map with 3 units per location, each
unit seeing an 11x11 patch of the layer below (363 inputs; fewer at the edges).

This module's geometry is ours, in the same spirit. A local layer is a grid of H x W locations with
C units (channels) at each; each unit sees a k x k patch of the grid below, all of its channels,
and the patches of neighbouring locations are `stride` apart; patches lie wholly inside the grid
below (the paper's CIFAR maps keep their size and clip patches at the edges instead). The image is
a 28 x 28 grid of one channel. Unit (row, col, channel) is number (row * W + col) * C + channel, and a pixel is number
row * 28 + col, as in the flattened images. With a label overlaid on the first 10 pixels
(the top-left corner), only the units whose patch covers that corner would see the label, so
every unit of the first local layer is also wired to the label's pixels (our choice: the paper's
local network is the unsupervised one, whose layers see no label).

Connections are a fixed 0/1 matrix on an ordinary dense weight matrix: simple, and no change to
how a layer computes; the weights outside it are kept at zero (`FFLayer`, `Engine.within_fields`).
"""

from __future__ import annotations

import torch

from .data import NUM_CLASSES

IMAGE_SIDE = 28


def grid_of(side: int, field: int, stride: int) -> int:
    """Locations a side of a local layer over a grid `side` wide."""
    return (side - field) // stride + 1


def local_connections(grid_below: tuple, field: int, stride: int, channels: int,
                      label_pixels: int = 0) -> torch.Tensor:
    """(units, inputs) bool: True where a unit of a local layer sees an input.

    `grid_below` is (H, W, C) of the layer below; the layer has (H - field) // stride + 1 locations
    a side, `channels` units at each. The first `label_pixels` inputs go to every unit.
    """
    height, width, depth = grid_below
    rows, cols = grid_of(height, field, stride), grid_of(width, field, stride)
    sees = torch.zeros(rows, cols, channels, height, width, depth, dtype=torch.bool)
    for r in range(rows):
        for c in range(cols):
            top, left = r * stride, c * stride
            sees[r, c, :, top:top + field, left:left + field, :] = True
    sees = sees.reshape(rows * cols * channels, height * width * depth)
    sees[:, :label_pixels] = True
    return sees


def network_connections(dims, receptive_fields, embedding: str) -> list:
    """For each layer of a network of widths `dims`, its connections, or None (fully connected).

    `receptive_fields` lists (field, stride) for the lowest layers, one pair per local layer;
    the layers above them are fully connected. A layer's channels per location are its width
    over its number of locations, which must divide it.
    """
    fields = [tuple(pair) for pair in receptive_fields]
    if not fields:
        return [None] * (len(dims) - 1)
    if embedding == "concat":
        raise ValueError("local receptive fields need the image as a 28x28 grid: use the 'overlay' "
                         "embedding (or 'none'), not 'concat'")
    if len(fields) > len(dims) - 1:
        raise ValueError(f"{len(fields)} receptive fields for a network of {len(dims) - 1} layers")
    side, depth, connections = IMAGE_SIDE, 1, []
    for k, (field, stride) in enumerate(fields):
        for name, value in (("field", field), ("stride", stride)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"layer {k}: the {name} must be a positive integer, got {value!r}")
        if field > side or (side - field) % stride:
            raise ValueError(f"layer {k}: patches of {field} at a stride of {stride} do not tile a grid "
                             f"{side} wide (need field <= {side} and ({side} - field) divisible by stride)")
        locations = grid_of(side, field, stride) ** 2
        if dims[k + 1] % locations:
            raise ValueError(f"layer {k} has {grid_of(side, field, stride)}x{grid_of(side, field, stride)} "
                             f"locations, so its width must be a multiple of {locations}, got {dims[k + 1]}")
        label_pixels = NUM_CLASSES if k == 0 and embedding == "overlay" else 0
        channels = dims[k + 1] // locations
        connections.append(local_connections((side, side, depth), field, stride, channels, label_pixels))
        side, depth = grid_of(side, field, stride), channels
    return connections + [None] * (len(dims) - 1 - len(fields))


@torch.no_grad()
def restrict_to_fields(linear: torch.nn.Linear, connections: torch.Tensor) -> None:
    """Zero `linear`'s weights outside `connections`, and scale each unit's others as
    torch's default draw would for its real number of inputs (bound 1/sqrt(inputs)), so
    that a local unit starts as active as a fully connected one."""
    fan_in = connections.sum(dim=1, keepdim=True).float()
    scale = (linear.in_features / fan_in).sqrt()
    linear.weight.mul_(connections * scale)
    linear.bias.mul_(scale.squeeze(1))



def keep_within_fields(linear: torch.nn.Linear, connections: torch.Tensor) -> None:
    """Make an ordinary layer local for good: zero its weights outside `connections` (scaled as in
    `restrict_to_fields`) and mask every gradient of them, so that no optimizer moves them.
    The backprop network of the same shape uses it; an FF layer does the same in its own way."""
    connections = connections.to(linear.weight.device)
    restrict_to_fields(linear, connections)
    linear.weight.register_hook(lambda grad: grad * connections)


def local_mlp(dims, receptive_fields, lr: float = 1e-3, device=None):
    """The backprop network (`MLP`) whose lowest layers have the given fields: the same geometry,
    the same connections as an FF network's, without the label's pixels (backprop gets the label
    at its output)."""
    from .backprop import MLP  # imported here: backprop does not need this module

    mlp = MLP(dims, lr=lr, device=device)
    hidden = [m for m in mlp.net if isinstance(m, torch.nn.Linear)][:-1]
    for linear, connections in zip(hidden, network_connections(dims, receptive_fields, "none")):
        if connections is not None:
            keep_within_fields(linear, connections)
    mlp.config["receptive_fields"] = [list(pair) for pair in receptive_fields]
    return mlp
