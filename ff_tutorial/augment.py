"""Jitter: each image moved by a few whole pixels, so the layers see a digit in many places."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .data import MEAN, STD
from .labels import check_images

SIDE = 28
BACKGROUND = (0 - MEAN) / STD  # a blank pixel after load_mnist's normalization


def check_max_shift(max_shift) -> None:
    """A clear error for a shift that is not a whole number of pixels smaller than the image."""
    if not isinstance(max_shift, int) or isinstance(max_shift, bool) or not 0 <= max_shift < SIDE:
        raise ValueError(f"max_shift must be a whole number of pixels from 0 to {SIDE - 1}, got {max_shift!r}")


def shift_images(x: torch.Tensor, max_shift: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Each image shifted by its own random (dx, dy), each a whole number in [-max_shift, max_shift].

    Pixels pushed off one edge are lost; the other edge fills with background. With max_shift 2
    there are 25 positions, as in Hinton's jittered MNIST. Labels do not change, so a network
    trained on shifted images must recognize a digit a little away from where it was drawn.
    """
    check_images(x)
    check_max_shift(max_shift)
    if max_shift == 0:
        return x
    n = len(x)
    padded = F.pad(x.view(n, SIDE, SIDE), (max_shift,) * 4, value=BACKGROUND)
    # Where each image's window starts inside its padded copy: 0 .. 2*max_shift, each way.
    top, left = torch.randint(0, 2 * max_shift + 1, (2, n), generator=generator).to(x.device)
    steps = torch.arange(SIDE, device=x.device)
    rows = (top[:, None] + steps)[:, :, None]   # (n, 28, 1)
    cols = (left[:, None] + steps)[:, None, :]  # (n, 1, 28)
    return padded[torch.arange(n, device=x.device)[:, None, None], rows, cols].reshape(n, SIDE * SIDE)
