"""Several trained networks answering together: each scores every label, and the scores add up."""

from __future__ import annotations

import torch

from .network import FFNetwork, check_data, mistake_rate


class Ensemble:
    """Networks trained apart (other seeds, other settings) that add up their scores.

    Ten passes: the goodness of each label, summed over the networks as each network sums it over
    its layers. One pass: the read-outs' probabilities of each label, averaged. Networks that make
    different mistakes outvote each other's; nothing is trained here.
    """

    def __init__(self, nets):
        self.nets = check_members(nets)

    def goodness_per_label(self, x: torch.Tensor) -> torch.Tensor:
        return sum(net.goodness_per_label(x) for net in self.nets)

    def readout_probabilities(self, x: torch.Tensor) -> torch.Tensor:
        return sum(net.readout_probabilities(x) for net in self.nets) / len(self.nets)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self.goodness_per_label(x).argmax(dim=1)

    def predict_one_pass(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout_probabilities(x).argmax(dim=1)

    def error_rate(self, x: torch.Tensor, y: torch.Tensor, one_pass: bool = False):
        check_data(x, y)
        predicted = self.predict_one_pass(x) if one_pass else self.predict(x)
        return mistake_rate(predicted, y)


def check_members(nets) -> list:
    """The networks as a list: at least one, every one an FFNetwork, all on one device."""
    nets = list(nets)
    if not nets:
        raise ValueError("an ensemble needs at least one network")
    for net in nets:
        if not isinstance(net, FFNetwork):
            raise TypeError(f"every member must be an FFNetwork, got {type(net).__name__}")
    if len({str(net.device) for net in nets}) > 1:
        raise ValueError("the networks are on different devices "
                         f"({', '.join(sorted({str(net.device) for net in nets}))}): move them to one")
    return nets
