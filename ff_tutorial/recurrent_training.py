"""Training the recurrent network: K networks of one configuration (one per seed) at once.

`recurrent.train_step` is the step for one network, as chapter 13 shows it. `RecurrentEngine`
takes the same step for K networks together: their weights are stacked into (K, ...) tensors,
so one batched matrix product serves them all and one fused optimizer updates them, and on a
CUDA GPU the whole step (8 iterations, every layer, the update) is captured once as a CUDA graph
and replayed. Two things are computed once instead of again and again, with the same result:
the image's input to the first layer, the same at every iteration and for the positive and the
negative copy of an image; and, when the network scores the ten labels, the same input for
every label. The host reads the losses once an epoch, when the hard negatives are drawn.
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F

from .engine import CapturedStep, Engine, keep_freed_memory, side_by_side
from .goodness import goodness
from .history import History, interruptible
from .labels import check_labels
from .layer import normalize
from .negatives import hard_wrong_labels, wrong_labels
from .network import CHUNK, check_positive_int, check_training_data, mistake_rate
from .recurrent import RECURRENT_NEGATIVES, RecurrentFFNetwork
from .runtime import progress as progress_bar
from .schedules import cooled_lr

RECURRENT_PRECISIONS = ("fp32", "tf32")


def one_hot_rows(y: torch.Tensor) -> torch.Tensor:
    """(..., 10) one-hot rows of float32, made by comparison: no check of the values that would
    make the host wait for the device (the labels were checked once, at the door)."""
    return (y.unsqueeze(-1) == torch.arange(10, device=y.device)).float()


def stacked_bottom_up(up, biases, from_image) -> list:
    """`RecurrentFFNetwork.bottom_up` for K stacked networks, from the first layer's input from the image."""
    h, states = torch.relu(from_image), []
    for k in range(len(up)):
        if k:
            h = torch.relu(torch.baddbmm(biases[k].unsqueeze(-2), normalize(h), up[k]))
        states.append(h)
    return states


def stacked_update(states, from_image, labels, up, biases, down, damping: float, dropout: float = 0.0) -> list:
    """`RecurrentFFNetwork.step` for K stacked networks: each layer from the normalized states of its
    neighbours (the one-hot labels above the last), damped, and with `dropout` partly unheard.
    `from_image` is the first layer's input from the image, made once; the states read are the
    caller's, detached."""
    heard = [F.dropout(normalize(h), dropout) if dropout else normalize(h) for h in states]
    below, above = heard[:-1], heard[1:] + [labels]
    new = []
    for k, (h, a) in enumerate(zip(states, above)):
        z = from_image if k == 0 else torch.baddbmm(biases[k].unsqueeze(-2), below[k - 1], up[k])
        new.append(damping * h + (1 - damping) * torch.relu(torch.baddbmm(z, a, down[k])))
    return new


def stacked_step(net, up, biases, down, x, labels):
    """`recurrent.train_step`'s losses for K networks like `net`, and their backward pass; the update is next.

    up[k]: (K, in, out) bottom-up weights, biases[k]: (K, out), down[k]: (K, above, out) top-down
    weights; x: (K, B, 784) images; labels: (K, 2B, 10), the true labels then the wrong ones.
    Returns each layer's loss averaged over the iterations, (layers, K), and whether every unit of
    a layer gave 0 on the whole batch at the last iteration, (layers, K); both on the device.
    """
    n, steps = x.shape[1], net.iterations
    # The image's input to layer 0 is the same at every iteration and for both copies: made once,
    # and its gradient, summed over them, reaches the weights through one product.
    from_image = torch.baddbmm(biases[0].unsqueeze(-2), normalize(x), up[0])
    with torch.no_grad():  # the bottom-up pass sees no label: the same start for both copies
        states = [h.repeat(1, 2, 1) for h in stacked_bottom_up(up, biases, from_image)]
    from_image = from_image.repeat(1, 2, 1)
    total, losses = 0, []
    for _ in range(steps):
        new = stacked_update(states, from_image, labels, up, biases, down, net.damping, net.config.dropout)
        g = torch.stack([goodness(h) for h in new])  # (layers, K, 2B)
        step_losses = net.layer_loss(g[..., :n], g[..., n:])  # (layers, K)
        total = total + step_losses.sum()
        losses.append(step_losses.detach())
        states = [h.detach() for h in new]  # no gradient reaches another layer or an earlier step
    (total / steps).backward()
    return torch.stack(losses).mean(dim=0), g.amax(dim=-1) == 0


class RecurrentEngine(Engine):
    """Trains `nets` (RecurrentFFNetworks of one configuration) side by side, from their current weights.

    An `Engine` whose stacked weights are the recurrent networks' bottom-up and top-down weights:
    the checks (losses read in one transfer, a run that diverged put back to the last check) and
    the copies of the weights are the FF engine's. `precision`: 'fp32', or 'tf32' (matrix products
    in TensorFloat-32 on a CUDA GPU). `capture`: replay each step as a CUDA graph (default: on CUDA).
    """

    def __init__(self, nets, precision: str = "fp32", capture: bool | None = None):
        if precision not in RECURRENT_PRECISIONS:
            raise ValueError(f"precision must be one of {RECURRENT_PRECISIONS}, got {precision!r}")
        self.nets, self.layers, self.config = nets, nets[0].up, nets[0].config
        self.device, self.precision = nets[0].device, precision
        self.capture = self.device.type == "cuda" if capture is None else capture
        if self.device.type == "cpu":
            keep_freed_memory()

        def stacked(get) -> list:  # (K, in, out) for each layer: x @ w needs no transpose
            return [torch.stack([get(net)[k].detach() for net in nets]) for k in range(len(self.layers))]

        self.up = [w.mT.contiguous().requires_grad_() for w in stacked(lambda net: [m.weight for m in net.up])]
        self.down = [w.mT.contiguous().requires_grad_() for w in stacked(lambda net: [m.weight for m in net.down])]
        self.biases = [b.requires_grad_() for b in stacked(lambda net: [m.bias for m in net.up])]
        self.weights, self.means = self.up + self.down, []  # what snapshot() and restore() copy
        for k, net in enumerate(nets):  # each network's parameters are views of its slice of the stack
            for up, down, w_up, w_down, bias in zip(net.up, net.down, self.up, self.down, self.biases):
                up.weight.data, up.bias.data, down.weight.data = w_up.data[k].T, bias.data[k], w_down.data[k].T
        self.start()

    def eager_step(self, x, labels, zero_grad: bool = True):
        if zero_grad:
            self.optimizer.zero_grad(set_to_none=True)
        with self.precision_context():
            losses, dead = stacked_step(self.nets[0], self.up, self.biases, self.down, x, labels)
        self.optimizer.step()
        return losses, dead

    def step(self, x, y, y_negative) -> None:
        """One step of every network on its own batch: x (K, B, 784), labels y and wrong labels
        y_negative (K, B); nothing is read back."""
        labels = one_hot_rows(torch.cat([y, y_negative], dim=1))
        graph = self.graphs.get(x.shape)
        if graph is None and self.capture:
            graph = self.graphs[x.shape] = CapturedStep(self, self.eager_step, x, labels)
        losses, dead = graph(x, labels) if graph else self.eager_step(x, labels)
        self.log.append((0, losses.clone() if graph else losses))
        self.dead |= dead

    @torch.no_grad()
    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """(K, N, 10): each network's `scores` of the images x (on this device), all at once."""
        steps, K = self.config.score_iterations, len(self.nets)
        out = []
        with self.precision_context():
            for chunk in x.split(max(1, CHUNK // (10 * K))):  # each image runs once per label and network
                n = len(chunk)
                from_image = torch.baddbmm(self.biases[0].unsqueeze(-2), normalize(chunk).expand(K, -1, -1),
                                           self.up[0])
                # label-blind: once for the ten labels; rows label-major (every image with label 0, then 1...)
                states = [h.repeat(1, 10, 1) for h in stacked_bottom_up(self.up, self.biases, from_image)]
                from_image = from_image.repeat(1, 10, 1)
                labels = one_hot_rows(torch.arange(10, device=x.device).repeat_interleave(n)).expand(K, -1, -1)
                total = torch.zeros(K, 10 * n, device=x.device)
                for t in range(1, max(steps) + 1):
                    states = stacked_update(states, from_image, labels, self.up, self.biases, self.down,
                                            self.config.damping)
                    if t in steps:
                        total += sum(goodness(h) for h in states)
                out.append(total.view(K, 10, n).transpose(1, 2))
        return torch.cat(out, dim=1)

    def release(self) -> None:
        """Give each network weights of its own again, so that it saves without its neighbours'."""
        for net in self.nets:
            for up, down in zip(net.up, net.down):
                up.weight.data, up.bias.data = up.weight.data.contiguous(), up.bias.data.clone()
                down.weight.data = down.weight.data.contiguous()


def train_recurrent(nets, x: torch.Tensor, y: torch.Tensor, epochs: int, batch_size: int = 100,
                    negatives: str = "hard", x_test=None, y_test=None, cooldown: bool = False,
                    generator=None, progress: bool = True, precision: str = "fp32",
                    capture: bool | None = None):
    """Train every layer at every iteration on its own loss; returns the History (one per network
    when given a list).

    `nets` is a RecurrentFFNetwork, or a list of them of one configuration, trained side by side
    (each with its own `generator`, in a list). Hard negatives are drawn once per epoch, from the
    network as it is at the epoch's start. With `x_test` the held-out error is measured after
    each epoch. With `cooldown`, the learning rate falls linearly to 0 over the second half of
    the epochs (`cooled_lr`, chapter 7).
    """
    single = isinstance(nets, RecurrentFFNetwork)
    nets, generators = side_by_side(nets, generator, RecurrentFFNetwork)
    check_training_data(x, y, x_test, y_test)
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    if negatives not in RECURRENT_NEGATIVES:
        raise ValueError(f"negatives must be one of {RECURRENT_NEGATIVES}, got {negatives!r}")
    device = nets[0].device
    x, y = x.to(device), check_labels(y, len(x)).to(device)
    if x_test is not None:
        x_test, y_test = x_test.to(device), check_labels(y_test, len(x_test)).to(device)
    engine = RecurrentEngine(nets, precision, capture)
    histories = [History.for_layers(len(nets[0].up)) for _ in nets]
    with interruptible(histories, progress):
        try:
            for epoch in progress_bar(range(epochs), progress, desc="recurrent FF"):
                engine.set_lr(cooled_lr(nets[0].config.lr, epoch, epochs, cooldown))
                scores = engine.scores(x) if negatives == "hard" else [None] * len(nets)
                wrong, orders = [], []
                for g, s in zip(generators, scores):  # for each network, as train_step's reader draws them
                    wrong.append(hard_wrong_labels(s, y, g) if negatives == "hard" else wrong_labels(y, g))
                    orders.append(torch.randperm(len(x), generator=g).to(device))
                y_negative, order = torch.stack(wrong), torch.stack(orders)
                for batch in order.split(batch_size, dim=1):  # (K, B): each network's own images
                    engine.step(x[batch], y[batch], torch.gather(y_negative, 1, batch))
                engine.check(histories)
                for history in histories:
                    history.epochs_completed += 1
                if x_test is not None:
                    start = time.perf_counter()
                    predicted = engine.scores(x_test).argmax(dim=-1)
                    errors = [mistake_rate(p, y_test) for p in predicted]
                    for history, error in zip(histories, errors):
                        history.record(epoch + 1, len(nets[0].up), None, error, time.perf_counter() - start)
        finally:
            try:
                engine.check(histories)  # the steps since the last check, even when stopped
            finally:
                engine.release()
    return histories[0] if single else histories
