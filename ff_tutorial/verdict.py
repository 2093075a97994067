"""Whether a trained network is worth anything: so that a useless result is never reported as a result.

A run can finish without an error and still have learned nothing: a learning rate far too high
kills every unit of a layer (it passes nothing up, so the network answers the same for every
image), or the errors end where guessing would. Both are said as warnings, never left to be
noticed in a number.
"""

from __future__ import annotations

import math

import torch

from .network import FFNetwork


def chance_error(y: torch.Tensor) -> float:
    """The error of always answering the commonest label: the best a network that learned nothing does."""
    counts = torch.bincount(y.flatten().cpu())
    return 1.0 - counts.max().item() / len(y)


def no_better_than_chance(error: float, y: torch.Tensor) -> bool:
    """Whether `error` on labels `y` is within three standard errors of `chance_error(y)` (or above)."""
    chance = chance_error(y)
    return error > chance - 3 * math.sqrt(chance * (1 - chance) / len(y))


def tied_share(net: FFNetwork, x: torch.Tensor) -> float:
    """The share of images for which every label gets the same goodness: no answer at all."""
    scores = net.goodness_per_label(x)
    return (scores.max(dim=1).values == scores.min(dim=1).values).float().mean().item()


def problems(net: FFNetwork, x: torch.Tensor, y: torch.Tensor, errors: dict) -> list:
    """What makes `net`'s result useless, one sentence each: layers that ended dead on the images x,
    labels it cannot tell apart for most of them, and each error in `errors` (name -> error on
    x, y) that is no better than chance."""
    found = [f"layer {k} ended dead: every unit gives 0 for every held-out image, so the network "
             f"answers the same for all of them; lower the learning rate" for k in net.dead_layers(x)]
    if net.embedding != "none" and not found:
        tied = tied_share(net, x)
        if tied > 0.5:
            found.append(f"the network gives every label the same goodness for {tied:.0%} of the held-out "
                         f"images (its units are mostly dead there): for those its answer is a tie, broken "
                         f"by the order of the labels; lower the learning rate")
    for name, error in errors.items():
        if no_better_than_chance(error, y):
            found.append(f"the {name.replace('_', ' ')} {error:.2%} is no better than always answering the "
                         f"commonest label ({chance_error(y):.2%}): the network learned nothing usable")
    return found
