"""The recurrent network: each layer hears the layers below and above it at the previous step.

Hinton (2022), "The Forward-Forward Algorithm: Some Preliminary Investigations", arXiv:2212.13345,
section 3.4, "Using FF to model top-down effects in perception" (figure 3). A static image is
treated as a boring video: the image is clamped at the bottom, a one-of-N label at the top, and
the hidden layers are updated together, each from the normalized activities of its two
neighbours at the previous time step, damped (new state = 0.3 old + 0.7 computed). The hidden
layers start from one bottom-up pass; the net then runs 8 synchronous iterations. A test image
gets the label whose goodness, over iterations 3 to 5, is highest (1.31% test error in the
paper, with two or three hidden layers of 2000 units trained for 60 epochs). Negative labels
are drawn among the wrong ones in proportion to the network's belief in them.

Choices of this package, not the paper's: the goodness is the package's mean of squares, summed
over the hidden layers when predicting; the loss is by default the symmetric loss (`symba_loss`,
chapter 7: each image with its true label against the same image with a wrong one), which on
small runs on the validation split learned much faster than the FF loss; every layer learns at every
iteration 1..T from the goodness of its damped state, with the states it reads detached (so no
gradient crosses layers or steps); the gradients of one batch's T iterations are added up and
applied once; the image is scaled to unit length, as every FF layer here scales its input.
Two settings, off by default, that neither the paper nor the chosen recipe uses: `weight_decay`
(Adam's decoupled decay) and `dropout` (in training, each unit of a neighbouring layer goes
unheard with that probability); on the validation split neither did better (Results page).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from .augment import check_fraction
from .data import IMAGE_SIZE, NUM_CLASSES
from .goodness import ff_loss, goodness, symba_loss
from .labels import one_hot
from .layer import LOSSES, OPTIMIZERS, check_finite, check_number, normalize
from .network import CHUNK, check_data, check_positive_int, mistake_rate
from .runtime import pick_device

RECURRENT_NEGATIVES = ("hard", "wrong")


@dataclass(frozen=True)
class RecurrentConfig:
    """Everything that rebuilds a recurrent network: saved in its checkpoint."""

    hidden: list = field(default_factory=lambda: [2000, 2000, 2000])  # the paper: two or three of 2000
    iterations: int = 8  # synchronous updates after the bottom-up pass (the paper: 8)
    damping: float = 0.3  # the share of the old state kept at each update (the paper: 0.3)
    score_iterations: list = field(default_factory=lambda: [3, 4, 5])  # whose goodness predicts
    # Not the paper's: on small runs (tests, experiments/recurrent_small.py) these learned, and a
    # threshold of 2.0 with lr 0.001 did not move from chance in two epochs.
    threshold: float = 0.1
    lr: float = 0.01
    optimizer: str = "adam"
    loss: str = "symba"  # "ff": goodness against the threshold; "symba": positive against negative
    symba_alpha: float = 100.0
    weight_decay: float = 0.0  # each step shrinks weights and biases by lr * weight_decay of themselves
    dropout: float = 0.0  # in training, the share of each neighbour's units a layer does not hear

    def to_dict(self) -> dict:
        return asdict(self)


class RecurrentFFNetwork(nn.Module):
    """Hidden layers of widths `hidden` between a clamped image (below) and a clamped label (above).

    Layer k has bottom-up weights `up[k]` (with the bias) from the layer below and top-down
    weights `down[k]` from the layer above; the top hidden layer's layer above is the label.
    """

    def __init__(self, hidden=(2000, 2000, 2000), iterations: int = 8, damping: float = 0.3,
                 score_iterations=(3, 4, 5), threshold: float = 0.1, lr: float = 0.01,
                 optimizer: str = "adam", loss: str = "symba", symba_alpha: float = 100.0,
                 weight_decay: float = 0.0, dropout: float = 0.0, device=None):
        super().__init__()
        device = None if device is None else pick_device(device)
        if not isinstance(hidden, (list, tuple)) or not hidden:
            raise ValueError(f"hidden must list at least one layer width, got {hidden!r}")
        for width in hidden:
            check_positive_int("every entry of hidden", width)
        check_positive_int("iterations", iterations)
        check_fraction("damping", damping)
        if (not isinstance(score_iterations, (list, tuple)) or not score_iterations
                or not all(isinstance(t, int) and not isinstance(t, bool) and 1 <= t <= iterations
                           for t in score_iterations)):
            raise ValueError(f"score_iterations must list iterations in 1..{iterations}, got {score_iterations!r}")
        check_number("threshold", threshold)
        check_number("learning rate", lr)
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        check_number("symba_alpha", symba_alpha)
        check_number("weight_decay", weight_decay, zero_ok=True)
        check_fraction("dropout", dropout)
        self.config = RecurrentConfig(list(hidden), iterations, float(damping), list(score_iterations),
                                      float(threshold), lr, optimizer, loss, float(symba_alpha),
                                      float(weight_decay), float(dropout))
        below, above = [IMAGE_SIZE, *hidden[:-1]], [*hidden[1:], NUM_CLASSES]
        # Drawn on the CPU and moved: the same seed gives the same first weights on every device.
        self.up = nn.ModuleList(nn.Linear(b, h) for b, h in zip(below, hidden)).to(device)
        self.down = nn.ModuleList(nn.Linear(a, h, bias=False) for a, h in zip(above, hidden)).to(device)

    @property
    def device(self) -> torch.device:
        return self.up[0].weight.device

    @property
    def iterations(self) -> int:
        return self.config.iterations

    @property
    def damping(self) -> float:
        return self.config.damping

    # ----- the dynamics -----

    def bottom_up(self, x_unit: torch.Tensor) -> list:
        """The starting states: one pass up from the image, with nothing yet from above."""
        states, below = [], x_unit
        for up in self.up:
            states.append(torch.relu(up(below)))
            below = normalize(states[-1])
        return states

    def step(self, states: list, x_unit: torch.Tensor, label: torch.Tensor,
             dropout: float = 0.0) -> list:
        """One damped synchronous update of every hidden layer, from the normalized states
        of its neighbours at the previous step (`x_unit` below the first, the one-hot
        `label` above the last). With `dropout` (in training), each unit of a neighbour is
        unheard with that probability and the others count for 1 / (1 - dropout)."""
        # detached: no gradient reaches another layer or an earlier step
        previous = [h.detach() for h in states]
        heard = [normalize(h) for h in previous]
        if dropout:  # in training only
            heard = [F.dropout(h, dropout) for h in heard]
        below, above = [x_unit] + heard[:-1], heard[1:] + [label]
        return [self.damping * h + (1 - self.damping) * torch.relu(up(b) + down(a))
                for h, up, down, b, a in zip(previous, self.up, self.down, below, above)]

    def layer_loss(self, g_pos: torch.Tensor, g_neg: torch.Tensor) -> torch.Tensor:
        """One layer's loss at one step, from its goodness on the two runs."""
        if self.config.loss == "symba":  # each image's true label against its wrong one
            return symba_loss(g_pos, g_neg, self.config.symba_alpha)
        return ff_loss(g_pos, g_neg, self.config.threshold)

    # ----- goodness and prediction -----

    @torch.no_grad()
    def goodness_over_iterations(self, x: torch.Tensor) -> torch.Tensor:
        """(N, iterations + 1, 10): for each image, each iteration (0 is the bottom-up pass, the
        same for every label) and each label, the goodness summed over the hidden layers."""
        check_data(x)
        return self.trajectory(x.to(self.device))

    @torch.no_grad()
    def trajectory(self, x: torch.Tensor, last: int | None = None) -> torch.Tensor:
        """goodness_over_iterations past its checks (x on this device), up to iteration `last`
        (all of them by default): the steps after it change nothing before it."""
        last = self.iterations if last is None else last
        out = []
        for chunk in x.split(max(1, CHUNK // NUM_CLASSES)):  # each image runs once per label
            n, x_unit = len(chunk), normalize(chunk)
            labels = one_hot(torch.arange(NUM_CLASSES, device=self.device).repeat_interleave(n), 1.0)
            states = [h.repeat(NUM_CLASSES, 1) for h in self.bottom_up(x_unit)]  # label-blind: run once
            x_unit = x_unit.repeat(NUM_CLASSES, 1)
            per_step = [sum(goodness(h) for h in states)]
            for _ in range(last):
                states = self.step(states, x_unit, labels)
                per_step.append(sum(goodness(h) for h in states))
            # rows are label-major (all images with label 0, then label 1, ...)
            out.append(torch.stack(per_step, dim=1).view(NUM_CLASSES, n, -1).permute(1, 2, 0))
        return torch.cat(out)

    @torch.no_grad()
    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 10): each label's goodness summed over the iterations `score_iterations`.

        The network runs only as far as the last of them: for the paper's 3-5, five steps of eight."""
        steps = self.config.score_iterations
        return self.trajectory(x, max(steps))[:, steps].sum(dim=1)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The label with the most goodness over the scoring iterations (one run per label)."""
        check_data(x)
        return self.scores(x.to(self.device)).argmax(dim=1)

    def error_rate(self, x: torch.Tensor, y: torch.Tensor) -> float:
        """Fraction of images whose predicted label is wrong."""
        check_data(x, y)
        return mistake_rate(self.predict(x), y)


def window_error(trajectories: torch.Tensor, y: torch.Tensor, steps) -> float:
    """The error when each image gets the label with the most goodness summed over `steps`, read
    from `goodness_over_iterations`: one step alone ([1]), or a window ([3, 4, 5], the paper's).
    Many windows cost one run of the network, not one each."""
    steps = list(steps)
    last = trajectories.shape[1] - 1
    if not steps or any(not isinstance(t, int) or isinstance(t, bool) or not 0 <= t <= last for t in steps):
        raise ValueError(f"steps must be a non-empty list of steps from 0 to {last}, got {steps!r}")
    return mistake_rate(trajectories[:, steps].sum(dim=1).argmax(dim=1), y)


def train_step(net: RecurrentFFNetwork, optimizer, x: torch.Tensor, y: torch.Tensor,
               y_negative: torch.Tensor) -> list:
    """One update on a batch: the image with its label (positive) and with a wrong one
    (negative), run for `iterations` steps; every layer's FF loss at every step. Returns
    each layer's loss, averaged over the steps, before the update.

    This is the step for one network, written to be read; `train_recurrent` takes the same step
    for several networks at once (`recurrent_training.RecurrentEngine`), and tests hold the two equal."""
    n, T = len(x), net.iterations
    x_unit = normalize(torch.cat([x, x]))
    labels = one_hot(torch.cat([y, y_negative]), 1.0)
    with torch.no_grad():
        # the bottom-up pass sees no label: the same start for positives and negatives
        states = [h.repeat(2, 1) for h in net.bottom_up(normalize(x))]
    optimizer.zero_grad(set_to_none=True)
    totals = torch.zeros(len(states), device=x.device)
    for _ in range(T):
        states = net.step(states, x_unit, labels, net.config.dropout)
        goodnesses = [goodness(h) for h in states]
        losses = torch.stack([net.layer_loss(g[:n], g[n:]) for g in goodnesses])
        check_finite(losses.sum())  # before any step: the weights stay as they were
        # this step's graph only: the next step reads detached states
        (losses.sum() / T).backward()
        totals += losses.detach()
    optimizer.step()
    return (totals / T).tolist()
