"""One Forward-Forward layer: normalize, linear, ReLU, and a local loss with its own optimizer."""

from __future__ import annotations

import math
from numbers import Real

import torch
from torch import nn

from .goodness import ff_loss, goodness, relu_goodness, symba_loss
from .receptive import restrict_to_fields

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
    """Scale each row to unit length (the small constant keeps a zero row at zero)."""
    return x / (x.norm(dim=-1, keepdim=True) + 1e-8)


class FFLayer(nn.Module):
    """A ReLU layer that learns from its own goodness, and from nothing above it.

    The input is scaled to unit length first: the previous layer's goodness lives in the length
    of its output, so only the direction, which says *how* it was active, reaches this layer.
    """

    def __init__(self, in_features: int, out_features: int, threshold: float = 2.0, lr: float = 0.03,
                 optimizer: str = "adam", loss: str = "ff", symba_alpha: float = 4.0,
                 peer_norm: float = 0.0, connections: torch.Tensor | None = None, device=None,
                 weight_decay: float = 0.0):
        super().__init__()
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
        check_number("learning rate", lr)
        check_number("threshold", threshold)
        check_number("symba_alpha", symba_alpha)  # a negative one would reward negatives
        check_number("peer_norm", peer_norm, zero_ok=True)
        check_number("weight_decay", weight_decay, zero_ok=True)
        # Drawn on the CPU and moved: the same seed gives the same first weights on every device.
        self.linear = nn.Linear(in_features, out_features)
        # A local layer (`receptive.py`): each unit sees only the inputs marked True in the (out, in)
        # `connections`, saved with the weights. None: fully connected.
        if connections is not None:
            if connections.shape != (out_features, in_features) or connections.dtype != torch.bool:
                raise ValueError(f"connections must be a bool tensor of shape ({out_features}, {in_features})")
            restrict_to_fields(self.linear, connections)
            # No gradient outside the fields, so Adam's and SGD's updates there are exactly 0.
            self.linear.weight.register_hook(self.within_fields)
            connections = connections.to(device)
        self.linear.to(device)
        self.register_buffer("connections", connections)
        self.threshold, self.loss_name, self.symba_alpha = threshold, loss, symba_alpha
        self.peer_norm, self.lr, self.optimizer_name = peer_norm, lr, optimizer
        self.weight_decay = weight_decay
        # Each unit's running mean activity, for peer normalization (keeps units from dying).
        self.register_buffer("mean_activity", torch.zeros(out_features, device=device))
        self.optimizer = None  # made by the first train_step: a network's layers train in the engine

    def within_fields(self, grad: torch.Tensor) -> torch.Tensor:
        """A gradient of this layer's weights, kept to the connections it has (train_step's path;
        the engine masks its own stacked weights)."""
        return grad * self.connections

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
        """Each input row scaled to unit length, then linear + ReLU."""
        self.check_input(x)  # a wrong shape or dtype is named here, not deep inside torch
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

    def loss(self, g_pos: torch.Tensor, g_neg: torch.Tensor) -> torch.Tensor:
        """The local loss: goodness up for positives, down for negatives (one per network):
        chapter 3's ff_loss, or chapter 7's symmetric loss for a layer made with
        loss='symba'."""
        if self.loss_name == "symba":
            return symba_loss(g_pos, g_neg, self.symba_alpha)
        return ff_loss(g_pos, g_neg, self.threshold)

    def peer_loss(self, h_pos: torch.Tensor, mean_activity: torch.Tensor) -> torch.Tensor:
        """Pull each unit's mean activity towards the layer's mean (Hinton, section 3.1).

        Updates the running means `mean_activity` in place; the new batch's part has a gradient.
        """
        mean = 0.9 * mean_activity + 0.1 * h_pos.mean(dim=-2)
        mean_activity.copy_(mean.detach())
        return self.peer_norm * (mean - mean.mean(dim=-1, keepdim=True)).pow(2).mean(dim=-1)

    def peer_penalty(self, h_pos: torch.Tensor, mean_activity: torch.Tensor):
        """peer_loss for a layer with peer normalization (peer_norm > 0); else 0, to add."""
        return self.peer_loss(h_pos, mean_activity) if self.peer_norm else 0.0

    def train_step(self, x_pos: torch.Tensor, x_neg: torch.Tensor) -> float:
        """One local update of this layer alone on positive and negative inputs; returns the
        loss before it."""
        self.prepare_step(x_pos, x_neg)
        # Positives and negatives go through one matrix product together, detached: no
        # gradient reaches whatever made them.
        h, g = relu_goodness(self.linear(normalize(torch.cat([x_pos, x_neg]).detach())))
        n = len(x_pos)
        loss = self.loss(g[:n], g[n:]) + self.peer_penalty(h[:n], self.mean_activity)
        check_finite(loss)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def prepare_step(self, x_pos: torch.Tensor, x_neg: torch.Tensor) -> None:
        """train_step's checks of its inputs, and its optimizer, made on the first step."""
        self.check_input(x_pos)
        self.check_input(x_neg)
        if not (torch.isfinite(x_pos).all() and torch.isfinite(x_neg).all()):
            raise ValueError("inputs contain NaN or inf")  # else the loss is NaN, and so are the weights
        if self.optimizer is None:
            self.optimizer = make_optimizer(self.parameters(), self.optimizer_name, self.lr, self.weight_decay)


def check_finite(loss: torch.Tensor) -> None:
    """Stop before a loss that is not finite reaches the weights."""
    if not torch.isfinite(loss):
        raise FloatingPointError(f"loss is {loss.item()}; the weights are those before this step")


def make_optimizer(params, name: str, lr: float, weight_decay: float = 0.0, **fast) -> torch.optim.Optimizer:
    """Adam, or SGD with momentum 0.9, in torch's fused or multi-tensor form where it has one.

    Both update every number on its own, so one optimizer over K stacked networks' weights is K
    optimizers, one per network. With `weight_decay`, every step also shrinks each weight by
    lr * weight_decay of itself: Adam's decay is decoupled from its scaled gradient (AdamW), since
    added to the gradient Adam would divide it away; SGD's is the usual L2 penalty.
    """
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=weight_decay, foreach=True)
    if weight_decay:
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, **fast)
    return torch.optim.Adam(params, lr=lr, **fast)  # no decay: Adam as every earlier run took it
