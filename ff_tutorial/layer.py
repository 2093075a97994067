"""One Forward-Forward layer: normalize, linear, ReLU, and a local loss with its own optimizer."""

from __future__ import annotations

import math
from numbers import Real

import torch
from torch import nn

from .goodness import ff_loss, goodness, relu_goodness, symba_loss

LOSSES = ("ff", "symba")
OPTIMIZERS = ("adam", "sgd")


def check_number(name: str, value, zero_ok: bool = False) -> None:
    """A clear error for a setting that must be a finite number above zero (or at least zero)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        raise ValueError(f"{name} must be a finite {'non-negative' if zero_ok else 'positive'} number, "
                         f"got {value!r}")


def normalize(x: torch.Tensor) -> torch.Tensor:
    """Scale each row to unit length (the small constant keeps an all-zero row at zero)."""
    return x / (x.norm(dim=1, keepdim=True) + 1e-8)


class FFLayer(nn.Module):
    """A ReLU layer that learns from its own goodness, and from nothing above it.

    The input is scaled to unit length first: the previous layer's goodness lives in the length
    of its output, so only the direction, which says *how* it was active, reaches this layer.
    """

    def __init__(self, in_features: int, out_features: int, threshold: float = 2.0, lr: float = 0.03,
                 optimizer: str = "adam", loss: str = "ff", symba_alpha: float = 4.0,
                 peer_norm: float = 0.0, momentum: float = 0.9, device=None):
        super().__init__()
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
        check_number("learning rate", lr)
        check_number("threshold", threshold)
        check_number("symba_alpha", symba_alpha)  # a negative one would reward negatives
        check_number("peer_norm", peer_norm, zero_ok=True)
        self.linear = nn.Linear(in_features, out_features, device=device)
        self.threshold, self.loss_name, self.symba_alpha = threshold, loss, symba_alpha
        self.peer_norm = peer_norm
        # Each unit's running mean activity, for peer normalization (keeps units from dying).
        self.register_buffer("mean_activity", torch.zeros(out_features, device=device))
        if optimizer == "adam":
            self.optimizer = torch.optim.Adam(self.parameters(), lr=lr)
        else:
            self.optimizer = torch.optim.SGD(self.parameters(), lr=lr, momentum=momentum)

    @property
    def in_features(self) -> int:
        return self.linear.in_features

    @property
    def out_features(self) -> int:
        return self.linear.out_features

    def check_input(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.shape[1] != self.in_features or len(x) == 0:
            raise ValueError(f"this layer takes a non-empty batch of shape (N, {self.in_features}), "
                             f"got {tuple(getattr(x, 'shape', ()))}")
        if x.dtype != self.linear.weight.dtype and not torch.is_autocast_enabled(x.device.type):
            # else torch fails deep inside the matrix product (under autocast, torch casts itself)
            raise TypeError(f"this layer's weights are {self.linear.weight.dtype}, got inputs of {x.dtype}; "
                            f"convert them with x.to({self.linear.weight.dtype})")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return self.activate(normalize(x))

    def activate(self, x_unit: torch.Tensor) -> torch.Tensor:
        """Linear + ReLU on inputs that are already of unit length."""
        return torch.relu(self.linear(x_unit))

    def goodness(self, x: torch.Tensor) -> torch.Tensor:
        return goodness(self(x))

    @torch.no_grad()
    def output(self, x: torch.Tensor) -> torch.Tensor:
        """What this layer passes on: activities with no gradient attached."""
        return self(x)

    def loss(self, h: torch.Tensor, g: torch.Tensor, n_pos: int) -> torch.Tensor:
        """The local loss of activities `h` with goodness `g`: the first `n_pos` rows positive."""
        g_pos, g_neg = g[:n_pos], g[n_pos:]  # slice g, not h: slicing h costs a full copy backwards
        if self.loss_name == "symba":
            loss = symba_loss(g_pos, g_neg, self.symba_alpha)
        else:
            loss = ff_loss(g_pos, g_neg, self.threshold)
        if self.peer_norm:
            # Pull each unit's mean activity towards the layer's mean activity (Hinton, section 3.1).
            mean = 0.9 * self.mean_activity + 0.1 * h[:n_pos].mean(dim=0)
            self.mean_activity = mean.detach()
            loss = loss + self.peer_norm * (mean - mean.mean()).pow(2).mean()
        return loss

    def step_on(self, x_unit: torch.Tensor, n_pos: int):
        """One local update on unit-length inputs, positives first. Returns the loss (before the
        update) and the activities the layer produced, detached, for the layer above.

        The inputs are detached, so no gradient can flow into whatever produced them.
        """
        h, g = relu_goodness(self.linear(x_unit.detach()))
        loss = self.loss(h, g, n_pos)
        value = loss.item()
        if not torch.isfinite(loss):
            raise FloatingPointError(f"loss is {value}")  # caught and explained by the network
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return value, h.detach()

    def train_step(self, x_pos: torch.Tensor, x_neg: torch.Tensor) -> float:
        """One local update on a batch of positive and negative inputs; returns the loss before it.

        Positives and negatives go through one matrix product together.
        """
        self.check_input(x_pos)
        self.check_input(x_neg)
        if not (torch.isfinite(x_pos).all() and torch.isfinite(x_neg).all()):
            raise ValueError("inputs contain NaN or inf")  # else the loss is NaN, and so are the weights
        return self.step_on(normalize(torch.cat([x_pos, x_neg])), len(x_pos))[0]

    def set_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr
