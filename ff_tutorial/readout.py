"""The one-pass read-out: a softmax layer on the network's normalized activities, trained by cross-entropy.

The layers do not change: the read-out takes the features of a network that has finished learning
(`FFNetwork.readout_features`) and learns which label they mean.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .augment import check_max_shift, shift_images
from .data import batches
from .history import History, TrainingDiverged, interruptible
from .layer import check_number
from .network import FFNetwork, check_data, check_positive_int
from .runtime import progress as progress_bar


def train_readout(net: FFNetwork, x, y, epochs: int = 10, batch_size: int = 1000, lr: float = 0.01,
                  generator: torch.Generator | None = None, progress: bool = True,
                  jitter: int = 0) -> History:
    """Train `net`'s softmax head on detached features: the layers do not change.

    With `jitter`, each epoch sees every image shifted anew by up to that many pixels, its
    features computed again (`shift_images`), as the layers of a jittered recipe saw them.

    Ctrl-C stops it, keeping the epochs done (the head counts as trained after one of them).
    An epoch whose loss is not finite, or on average more than twice the first step's (the loss
    of a head that still guesses), puts the head back as it was before that epoch and raises
    TrainingDiverged: such a head may still pick labels, but its probabilities mean nothing.
    """
    check_data(x, y)
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    check_number("read-out learning rate", lr)
    check_max_shift(jitter)
    if jitter:
        def features():
            return net.readout_features(shift_images(x, jitter, generator))
    else:
        features = net.readout_features(x)
    return fit_readout(net, features, y.to(net.device), epochs, batch_size, lr, generator, progress)


def fit_readout(net: FFNetwork, features, y, epochs: int, batch_size: int, lr: float,
                generator=None, progress: bool = True) -> History:
    """Cross-entropy on the head's outputs. `features` is a tensor, computed once,
    before; or a function that gives them anew at each epoch's start."""
    optimizer = torch.optim.Adam(net.head.parameters(), lr=lr)
    history = History.for_layers(1)
    with interruptible(history, progress):
        for epoch in progress_bar(range(epochs), progress, desc="read-out"):
            before = [p.detach().clone() for p in net.head.parameters()]
            these, losses = features() if callable(features) else features, []
            for idx in batches(len(these), batch_size, generator, net.device):
                loss = nn.functional.cross_entropy(net.head(these[idx]), y[idx])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                losses.append(loss.detach())
            history.layer_losses[0].extend(torch.stack(losses).tolist())  # one read
            check_epoch(net, history, len(losses), before, epoch + 1, lr)
            history.epochs_completed += 1
            net.head_trained.fill_(True)
    return history


def check_epoch(net: FFNetwork, history: History, steps: int, before: list, epoch: int,
                lr: float) -> None:
    """Put the head back as it was before this epoch, and raise TrainingDiverged, if the
    epoch's loss is not finite or averaged more than twice the first step's."""
    these = history.layer_losses[0][-steps:]
    mean, start = sum(these) / len(these), history.layer_losses[0][0]
    if math.isfinite(mean) and not mean > 2 * start:
        return
    with torch.no_grad():
        for p, saved in zip(net.head.parameters(), before):
            p.copy_(saved)
    error = TrainingDiverged(
        f"the read-out diverged in its epoch {epoch}: its loss averaged {mean:.4g}, against "
        f"{start:.4g} at its first step. Its weights are those before that epoch. Try a smaller "
        f"read-out learning rate (now {lr:g}).", history.finish())
    error.networks = [net]
    raise error
