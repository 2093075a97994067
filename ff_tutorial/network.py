"""A stack of Forward-Forward layers, and how it predicts a label. Training is in `schedules`."""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .data import MEAN, NUM_CLASSES, STD
from .goodness import goodness
from .labels import check_images, check_labels, embed_label, input_width, neutral_label
from .layer import FFLayer, check_number, normalize
from .receptive import network_connections
from .runtime import pick_device

CHUNK = 10_000  # images per forward pass when predicting: 60,000 x 10 labels at once would not fit


def check_positive_int(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def mistake_rate(predicted: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of the predicted labels that are not `y`: every predictor's error rate is this."""
    return (predicted != y.to(predicted.device)).float().mean().item()


def check_data(x: torch.Tensor, y=None) -> None:
    """Clear errors for the mistakes a reader makes with their own images and labels."""
    check_images(x)
    if x.dtype != torch.float32:  # the weights are float32; torch's own error comes from deep inside
        raise TypeError(f"images must be float32, as load_mnist gives them, got {x.dtype}; "
                        f"convert them with x.float()")
    if len(x) == 0:
        raise ValueError("got an empty batch of images (shape (0, 784))")
    if not torch.isfinite(x).all():
        raise ValueError("images contain NaN or inf")
    if y is not None:
        check_labels(y, len(x))
    lo, hi = float(x.min()), float(x.max())
    if lo >= 0 and (hi > 10 or 0 < hi <= 1):
        warnings.warn(f"images range from {lo:g} to {hi:g}: they look like raw pixels. The network "
                      f"expects MNIST normalized as load_mnist does it: (pixels/255 - {MEAN}) / {STD}.",
                      stacklevel=3)


def check_training_data(x, y, x_test=None, y_test=None) -> None:
    """check_data for the training images and labels, and for the held-out ones if given (both or neither)."""
    check_data(x, y)
    if (x_test is None) != (y_test is None):
        raise ValueError("x_test and y_test go together: give both, or neither")
    if x_test is not None:
        check_data(x_test, y_test)


@dataclass(frozen=True)
class NetworkConfig:
    """Everything that rebuilds a network: saved in its checkpoint, compared between seeds."""

    dims: list = field(default_factory=lambda: [784, 500, 500])  # dims[0]: 784, or 794 with 'concat'
    embedding: str = "overlay"
    threshold: float = 2.0
    lr: float = 0.03
    optimizer: str = "adam"
    loss: str = "ff"
    symba_alpha: float = 4.0
    peer_norm: float = 0.0
    score_from: int = 0  # the first layer whose goodness counts in ten-pass prediction
    readout_from: int | None = None  # the first layer the read-out sees (None: 1 if there are several)
    # [field, stride] for each of the lowest layers that are local (receptive.py); [] fully connected
    receptive_fields: list = field(default_factory=list)
    weight_decay: float = 0.0  # each step shrinks weights and biases by lr * weight_decay of themselves

    def to_dict(self) -> dict:
        return asdict(self)


class FFNetwork(nn.Module):
    """Forward-Forward layers of widths `dims` (dims[0] is the input: 784, or 794 with 'concat')."""

    def __init__(self, dims, embedding: str = "overlay", threshold: float = 2.0, lr: float = 0.03,
                 optimizer: str = "adam", loss: str = "ff", symba_alpha: float = 4.0,
                 peer_norm: float = 0.0, score_from: int = 0, readout_from: int | None = None,
                 receptive_fields=(), device=None, weight_decay: float = 0.0):
        super().__init__()
        device = None if device is None else pick_device(device)  # a clear error for a missing GPU
        if not isinstance(dims, (list, tuple)) or len(dims) < 2:
            raise ValueError(f"dims must list the input width and at least one layer width, got {dims!r}")
        for d in dims:
            check_positive_int("every entry of dims", d)
        if dims[0] != input_width(embedding):
            raise ValueError(f"with the {embedding!r} label embedding the input is "
                             f"{input_width(embedding)} wide, so dims[0] must be that, got {dims[0]}")
        check_number("threshold", threshold)
        if not isinstance(score_from, int) or not 0 <= score_from < len(dims) - 1:
            raise ValueError(f"score_from must name a layer, 0..{len(dims) - 2}, got {score_from}")
        receptive_fields = [list(pair) for pair in receptive_fields]  # a plain list: the checkpoint keeps it
        connections = network_connections(dims, receptive_fields, embedding)
        self.config = NetworkConfig(list(dims), embedding, float(threshold), lr, optimizer, loss, symba_alpha,
                                    peer_norm, score_from, readout_from, receptive_fields, weight_decay)
        self.layers = nn.ModuleList(
            FFLayer(i, o, threshold, lr, optimizer, loss, symba_alpha, peer_norm, c, device=device,
                    weight_decay=weight_decay)
            for i, o, c in zip(dims[:-1], dims[1:], connections))
        # The label's height: MNIST's brightest normalized pixel, as x.max() gives on real data.
        self.register_buffer("label_value", torch.tensor((1 - MEAN) / STD, device=device))
        self.register_buffer("head_trained", torch.tensor(False, device=device))
        # The one-pass read-out sees every layer but the first when there are several (Hinton).
        self.reset_readout(readout_from if readout_from is not None else (1 if len(dims) > 2 else 0))

    @property
    def device(self) -> torch.device:
        return self.label_value.device

    @property
    def embedding(self) -> str:
        return self.config.embedding

    @property
    def score_from(self) -> int:
        return self.config.score_from

    @property
    def readout_from(self) -> int:
        return self.config.readout_from

    def embed(self, x: torch.Tensor, y) -> torch.Tensor:
        return embed_label(x, y, self.embedding, self.label_value)

    @torch.no_grad()
    def inputs_to(self, k: int, x_embedded: torch.Tensor) -> torch.Tensor:
        """The input that layer k sees: the embedded images passed through layers 0..k-1."""
        out = []
        for chunk in x_embedded.split(CHUNK):
            for layer in self.layers[:k]:
                chunk = layer(chunk)
            out.append(chunk)
        return torch.cat(out)

    # ----- prediction -----

    @torch.no_grad()
    def goodness_per_label(self, x: torch.Tensor, num_layers: int | None = None) -> torch.Tensor:
        """(N, 10): for each image and each label, the goodness summed over the scoring layers."""
        check_data(x)
        if self.embedding == "none":
            raise ValueError("this network was trained without labels (embedding 'none'), so it has no "
                             "goodness per label; train its read-out (train_readout) and use one_pass=True")
        if num_layers is not None and (isinstance(num_layers, bool) or not isinstance(num_layers, int)
                                       or not 1 <= num_layers <= len(self.layers)):  # 0 would read as "all"
            raise ValueError(f"num_layers must be 1..{len(self.layers)} (or None for all), got {num_layers!r}")
        return self.scores(x.to(self.device), num_layers)

    @torch.no_grad()
    def scores(self, x: torch.Tensor, num_layers: int | None = None) -> torch.Tensor:
        """(N, 10): each label written into each image in turn, its goodness summed over
        the scoring layers (goodness_per_label past its checks; x on this device)."""
        layers = self.layers[: num_layers or len(self.layers)]
        scores = []
        for chunk in x.split(CHUNK):  # ten labels for 60,000 images at once would not fit
            per_label = torch.zeros(len(chunk), NUM_CLASSES, device=self.device)
            for label in range(NUM_CLASSES):
                h = self.embed(chunk, label)
                for k, layer in enumerate(layers):
                    h = layer(h)
                    if k >= min(self.score_from, len(layers) - 1):
                        per_label[:, label] += goodness(h)
            scores.append(per_label)
        return torch.cat(scores)

    def predict(self, x: torch.Tensor, num_layers: int | None = None) -> torch.Tensor:
        """The label whose embedding the network finds best (ten forward passes)."""
        return self.goodness_per_label(x, num_layers).argmax(dim=1)

    def error_rate(self, x: torch.Tensor, y: torch.Tensor, one_pass: bool = False,
                   num_layers: int | None = None) -> float:
        """Fraction of images whose predicted label is wrong."""
        check_data(x, y)
        return mistake_rate(self.predict_one_pass(x) if one_pass else self.predict(x, num_layers), y)

    @torch.no_grad()
    def dead_layers(self, x: torch.Tensor) -> list:
        """The layers in which every unit gives 0 for every image of x (with a neutral label): a layer
        that ended so passes nothing up, and the network answers the same for every image."""
        check_data(x)
        alive = torch.zeros(len(self.layers), dtype=torch.bool, device=self.device)
        for chunk in x.to(self.device).split(CHUNK):
            h = neutral_label(chunk, self.embedding)
            for k, layer in enumerate(self.layers):
                h = layer(h)
                alive[k] |= (h > 0).any()
        return [k for k, is_alive in enumerate(alive.tolist()) if not is_alive]

    @torch.no_grad()
    def silent_units(self, x: torch.Tensor, y) -> list:
        """Per layer, which units give 0 for every image of x, each with its label in y (a bool mask).

        A ReLU unit at 0 gets no gradient, so a unit silent on the training images stays silent: it
        costs its share of every product and adds nothing (peer normalization brings some of them back).
        """
        check_data(x, y)
        y = check_labels(y, len(x), device=self.device)
        active = [torch.zeros(width, dtype=torch.bool, device=self.device) for width in self.config.dims[1:]]
        for images, labels in zip(x.to(self.device).split(CHUNK), y.split(CHUNK)):
            h = self.embed(images, labels)
            for k, layer in enumerate(self.layers):
                h = layer(h)
                active[k] |= (h > 0).any(dim=0)
        return [~a for a in active]

    # ----- one-pass prediction: a softmax read-out (trained by `readout.train_readout`) -----

    @torch.no_grad()
    def readout_features(self, x: torch.Tensor) -> torch.Tensor:
        """Normalized activities of a neutral-label pass, from layer `readout_from` up."""
        check_data(x)
        out = []
        for chunk in x.to(self.device).split(CHUNK):
            h, features = neutral_label(chunk, self.embedding), []
            for k, layer in enumerate(self.layers):
                h = layer(h)
                if k >= self.readout_from:
                    features.append(normalize(h))
            out.append(torch.cat(features, dim=1))
        return torch.cat(out)

    def reset_readout(self, readout_from: int | None = None) -> None:
        """A fresh, untrained softmax head on layers `readout_from` up (default: the same layers).

        The layers do not change: this is how several read-outs are tried on one trained network.
        """
        readout_from = self.readout_from if readout_from is None else readout_from
        if not isinstance(readout_from, int) or not 0 <= readout_from < len(self.layers):
            raise ValueError(f"readout_from must name a layer, 0..{len(self.layers) - 1}, got {readout_from}")
        self.config = NetworkConfig(**{**asdict(self.config), "readout_from": readout_from})
        self.head = nn.Linear(sum(self.config.dims[1 + readout_from:]), NUM_CLASSES).to(self.device)
        self.head_trained.fill_(False)

    @torch.no_grad()
    def readout_probabilities(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 10): the softmax head's probability of each label, from one neutral-label pass."""
        if not self.head_trained:
            raise RuntimeError("the read-out head is not trained yet: call train_readout(net, x, y) first")
        return torch.softmax(self.head(self.readout_features(x)), dim=1)

    def predict_one_pass(self, x: torch.Tensor) -> torch.Tensor:
        """One forward pass with a neutral label, then the softmax head's choice."""
        return self.readout_probabilities(x).argmax(dim=1)
