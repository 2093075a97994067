"""Goodness, and the local losses that push it up for positive data and down for negative data."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def goodness(h: torch.Tensor) -> torch.Tensor:
    """The mean of the squared activities of each sample: one number per row."""
    return h.pow(2).mean(dim=-1)


class _ReLUGoodness(torch.autograd.Function):
    """relu(z) and the goodness of it, with the gradient written out.

    d goodness / dz = 2 h / D where z > 0 and 0 elsewhere, which is 2 h / D everywhere since h is
    0 where z <= 0. One pass over h instead of autograd's four makes a training step about 20%
    faster on a CPU, with the same gradient.
    """

    @staticmethod
    def forward(ctx, z):
        h = torch.relu(z)
        ctx.save_for_backward(h)
        ctx.set_materialize_grads(False)  # an unused h then sends None, not a tensor of zeros
        return h, torch.linalg.vector_norm(h, dim=-1).pow(2) / h.shape[-1]

    @staticmethod
    def backward(ctx, grad_h, grad_g):
        (h,) = ctx.saved_tensors
        grad = None if grad_g is None else h * (grad_g * (2.0 / h.shape[-1])).unsqueeze(-1)
        if grad_h is not None:  # the activities themselves were used too (peer normalization)
            grad_h = grad_h * (h > 0)
            grad = grad_h if grad is None else grad + grad_h  # None above: only h was used
        return grad


def relu_goodness(z: torch.Tensor):
    """(relu(z), goodness(relu(z))), computed and differentiated in one go."""
    return _ReLUGoodness.apply(z)


def ff_loss(g_pos: torch.Tensor, g_neg: torch.Tensor, threshold: float) -> torch.Tensor:
    """Mean of softplus(threshold - g_pos) and softplus(g_neg - threshold), over the
    last axis (networks trained side by side each get their own loss)."""
    # softplus(z) is log(1 + exp(z)) without overflow: the blog's log(1 + exp(z)) is
    # inf once z passes about 88 in float32, and training stops learning.
    positive, negative = F.softplus(threshold - g_pos), F.softplus(g_neg - threshold)
    return torch.cat([positive, negative], dim=-1).mean(dim=-1)


def symba_loss(g_pos: torch.Tensor, g_neg: torch.Tensor, alpha: float = 4.0):
    """The symmetric loss softplus(-alpha * (g_pos - g_neg)): each positive against its
    own negative, with no threshold to choose (only the gap between the two matters)."""
    if g_pos.shape != g_neg.shape:
        raise ValueError(f"symba_loss pairs positives with negatives: shapes "
                         f"{tuple(g_pos.shape)} and {tuple(g_neg.shape)} differ")
    return F.softplus(-alpha * (g_pos - g_neg)).mean(dim=-1)
