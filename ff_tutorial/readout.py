"""The one-pass read-out: a softmax layer on the network's normalized activities, trained by cross-entropy.

The layers do not change: the read-out takes the features of a network that has finished learning
(`FFNetwork.readout_features`) and learns which label they mean.
"""

from __future__ import annotations

import torch
from torch import nn

from .data import batches
from .history import History, interruptible
from .layer import check_number
from .network import FFNetwork, check_data, check_positive_int
from .runtime import progress as progress_bar


def train_readout(net: FFNetwork, x, y, epochs: int = 10, batch_size: int = 1000, lr: float = 0.01,
                  generator: torch.Generator | None = None, progress: bool = True) -> History:
    """Train `net`'s softmax head on detached features: the layers do not change."""
    check_data(x, y)
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    check_number("read-out learning rate", lr)
    features, y = net.readout_features(x), y.to(net.device)
    optimizer = torch.optim.Adam(net.head.parameters(), lr=lr)
    history = History.for_layers(1)
    with interruptible(history, progress):
        for _ in progress_bar(range(epochs), progress, desc="read-out"):
            losses = []
            for idx in batches(len(features), batch_size, generator, net.device):
                loss = nn.functional.cross_entropy(net.head(features[idx]), y[idx])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                losses.append(loss.detach())
            history.layer_losses[0].extend(torch.stack(losses).tolist())  # one read per epoch
        net.head_trained.fill_(True)
    return history
