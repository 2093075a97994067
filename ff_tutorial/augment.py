"""Training images changed a little each epoch, so the layers cannot learn each one by heart.

Jitter moves each image by a few whole pixels, so the layers see a digit in many places: an image
prior, since it knows which pixels are neighbours. Pixel dropout blanks a random few of each
image's pixels: it treats every pixel alike, so a network trained with it stays
permutation-invariant.
"""

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


def check_fraction(name: str, value) -> None:
    """A clear error for a fraction (of pixels, of units, of a state kept) that is not a number from 0
    up to (not including) 1."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a fraction from 0 up to (not including) 1, got {value!r}")


def drop_pixels(x: torch.Tensor, fraction: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Each pixel of each image blanked (set to background) with probability `fraction`, on its own.

    As dropout does to a network's inputs, but with the blank pixel of the data for the 0: the
    layers see most of each digit each epoch, never quite the same most, and cannot rely on any
    one pixel. Nothing is rescaled: each layer sees only the direction of its input.
    """
    check_images(x)
    check_fraction("fraction", fraction)
    if fraction == 0:
        return x
    kept = torch.rand(x.shape, generator=generator) >= fraction
    return x.masked_fill(~kept.to(x.device), BACKGROUND)
