"""The baseline: the same stack of ReLU layers, trained end to end by backpropagation."""

from __future__ import annotations

import torch
from torch import nn

from .data import IMAGE_SIZE, NUM_CLASSES, batches
from .history import History, interruptible, is_due
from .network import check_data, check_positive_int, mistake_rate
from .runtime import pick_device
from .runtime import progress as progress_bar


class MLP(nn.Module):
    """ReLU layers of widths `dims` (dims[0] = 784) and a linear output of 10 logits."""

    def __init__(self, dims, lr: float = 1e-3, device=None):
        super().__init__()
        device = None if device is None else pick_device(device)  # names a missing GPU
        dims = check_dims(dims)
        self.config = dict(dims=dims, lr=lr)
        hidden = []
        for i, o in zip(dims[:-1], dims[1:]):
            hidden += [nn.Linear(i, o, device=device), nn.ReLU()]
        self.net = nn.Sequential(*hidden, nn.Linear(dims[-1], NUM_CLASSES, device=device))
        self.optimizer = torch.optim.Adam(self.parameters(), lr=lr)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        check_data(x)
        return torch.cat([self(chunk).argmax(dim=1) for chunk in x.to(self.device).split(10_000)])

    def error_rate(self, x: torch.Tensor, y: torch.Tensor) -> float:
        check_data(x, y)
        return mistake_rate(self.predict(x), y)

    def train_backprop(self, x, y, epochs: int, batch_size: int = 100, x_test=None, y_test=None,
                       eval_every: int | None = 1, generator: torch.Generator | None = None,
                       progress: bool = True) -> History:
        """Cross-entropy on the output, gradients sent back through every layer."""
        check_data(x, y)
        check_positive_int("epochs", epochs)
        check_positive_int("batch_size", batch_size)
        x, y = x.to(self.device), y.to(self.device)
        history = History.for_layers(1)
        with interruptible(history, verbose=False):  # Ctrl-C keeps what was learned
            for epoch in progress_bar(range(epochs), progress, desc="backprop"):
                for idx in batches(len(x), batch_size, generator, self.device):
                    history.layer_losses[0].append(self.backprop_step(x[idx], y[idx]))
                if is_due(epoch, epochs, eval_every):
                    history.record(epoch + 1, len(self.config["dims"]) - 1, self.error_rate(x, y),
                                   None if x_test is None else self.error_rate(x_test, y_test))
        return history

    def backprop_step(self, x: torch.Tensor, y: torch.Tensor) -> float:
        """One step: forward, cross-entropy, backward through every layer, update."""
        loss = nn.functional.cross_entropy(self(x), y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return loss.item()


def check_dims(dims) -> list:
    """MLP's widths as a list, refused unless they start at 784 and name a hidden layer."""
    dims = list(dims)
    if len(dims) < 2 or dims[0] != IMAGE_SIZE:
        raise ValueError(f"dims must start with the input width {IMAGE_SIZE} and name at least one "
                         f"hidden layer, got {dims!r}")
    for d in dims:
        check_positive_int("every entry of dims", d)
    return dims
