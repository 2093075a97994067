"""Negative data: inputs the network should find bad, made from the same images as the positives."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .data import NUM_CLASSES
from .labels import check_images, check_labels


def permuted_labels(y: torch.Tensor, generator: torch.Generator | None = None):
    """The blog's negatives, `y[randperm]`: a shuffled label, which is the true one
    about 10% of the time."""
    y = check_labels(y, len(y))
    return y[torch.randperm(len(y), generator=generator, device="cpu").to(y.device)]


def wrong_labels(y: torch.Tensor, generator: torch.Generator | None = None):
    """For each sample a label drawn uniformly among the 9 that are not its own."""
    y = check_labels(y, len(y))
    # Adding 1..9 (mod 10) reaches each wrong label exactly once and never the true one.
    offset = torch.randint(1, NUM_CLASSES, (len(y),), generator=generator, device="cpu")
    return (y + offset.to(y.device)) % NUM_CLASSES


def hard_wrong_labels(scores: torch.Tensor, y: torch.Tensor,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """Wrong labels drawn in proportion to how much the network believes them (Hinton's
    hard negatives).

    `scores` (N, 10) are the network's goodness for each label; a softmax over the 9 wrong labels
    gives the probabilities, so the digit it confuses most is drawn most often.
    """
    y = check_labels(y, len(y))
    check_scores(scores, len(y))
    right = F.one_hot(y, NUM_CLASSES).bool()
    logits = scores.detach().float().masked_fill(right, float("-inf"))  # never drawn
    probabilities = torch.softmax(logits, dim=1).cpu()
    drawn = torch.multinomial(probabilities, 1, generator=generator).squeeze(1)
    return drawn.to(y.device)


def check_scores(scores: torch.Tensor, n: int) -> None:
    if not isinstance(scores, torch.Tensor) or scores.shape != (n, NUM_CLASSES):
        raise ValueError(f"scores must be a tensor of shape ({n}, {NUM_CLASSES}), "
                         f"got {tuple(getattr(scores, 'shape', ())) or type(scores).__name__}")
    if not torch.isfinite(scores).all():
        raise ValueError("scores contain NaN or inf: the network that produced them has diverged")


def check_blur_steps(blur_steps) -> None:
    if isinstance(blur_steps, bool) or not isinstance(blur_steps, int) or blur_steps < 0:
        raise ValueError(f"blur_steps must be a whole number, 0 or more, got {blur_steps!r}")


def hybrid_mask(n: int, blur_steps: int = 6, generator: torch.Generator | None = None,
                device="cpu") -> torch.Tensor:
    """Masks of large blobs (n, 784): random bits, blurred with [1/4, 1/2, 1/4] both ways, cut at 0.5.

    The bits are drawn by `generator` (on the CPU, so a seed gives the same masks everywhere); the
    blurring is done on `device`.
    """
    check_blur_steps(blur_steps)
    mask = torch.randint(0, 2, (n, 1, 28, 28), generator=generator).to(device).float()
    kernel = torch.tensor([0.25, 0.5, 0.25], device=device)
    for _ in range(blur_steps):
        mask = F.conv2d(F.pad(mask, (1, 1, 0, 0), mode="replicate"), kernel.view(1, 1, 1, 3))
        mask = F.conv2d(F.pad(mask, (0, 0, 1, 1), mode="replicate"), kernel.view(1, 1, 3, 1))
    return (mask > 0.5).float().view(n, 28 * 28)


def hybrid_images(x: torch.Tensor, generator: torch.Generator | None = None,
                  blur_steps: int = 6, return_masks: bool = False):
    """Unsupervised negatives: each image mixed with another through a blobby mask.

    The hybrid has the short-range statistics of real digits but the shape of none, so a layer
    that tells the two apart must learn long-range structure.
    """
    check_images(x)
    if len(x) < 2:
        raise ValueError("hybrid_images needs at least 2 images to mix")
    order = torch.randperm(len(x), generator=generator)
    partner = torch.empty_like(order)
    partner[order] = order.roll(1)  # a cycle in a random order: nobody is their own
    mask = hybrid_mask(len(x), blur_steps, generator, x.device).to(x.dtype)
    hybrid = mask * x + (1 - mask) * x[partner.to(x.device)]
    return (hybrid, mask) if return_masks else hybrid
