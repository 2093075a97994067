"""A stack of Forward-Forward layers: how it is trained, and how it predicts a label."""

from __future__ import annotations

import time
import warnings

import torch
from torch import nn

from .augment import check_max_shift, shift_images
from .data import MEAN, NUM_CLASSES, STD
from .goodness import goodness
from .history import History, TrainingDiverged, interruptible
from .labels import check_images, check_labels, embed_label, input_width, neutral_label
from .layer import FFLayer, check_number, normalize
from .negatives import hard_wrong_labels, hybrid_images, permuted_labels, wrong_labels
from .runtime import pick_device
from .runtime import progress as progress_bar

NEGATIVES = ("wrong", "permuted", "hard")
TRAIN_EVAL_SIZE = 10_000  # training images on which History's train error is measured
CHUNK = 10_000  # images per forward pass when predicting: 60,000 x 10 labels at once would not fit


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


def batches(n: int, batch_size: int | None, generator=None, device="cpu"):
    """Index sets for one epoch: all of it at once (None), or shuffled mini-batches."""
    if batch_size is None or batch_size >= n:
        yield slice(None)
        return
    order = torch.randperm(n, generator=generator).to(device)
    yield from order.split(batch_size)


def cooled_lr(lr: float, epoch: int, epochs: int, cooldown: bool) -> float:
    """Hinton's schedule: constant for the first half, then linearly down towards zero."""
    if not cooldown or epochs < 2:
        return lr
    return lr * min(1.0, 2.0 * (epochs - epoch) / epochs)


def check_positive_int(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


class FFNetwork(nn.Module):
    """Forward-Forward layers of widths `dims` (dims[0] is the input: 784, or 794 with 'concat')."""

    def __init__(self, dims, embedding: str = "overlay", threshold: float = 2.0, lr: float = 0.03,
                 optimizer: str = "adam", loss: str = "ff", symba_alpha: float = 4.0,
                 peer_norm: float = 0.0, score_from: int = 0, readout_from: int | None = None,
                 device=None):
        super().__init__()
        device = None if device is None else pick_device(device)  # a clear error for a missing GPU
        dims = list(dims) if isinstance(dims, (list, tuple)) else dims
        if not isinstance(dims, list) or len(dims) < 2:
            raise ValueError(f"dims must list the input width and at least one layer width, got {dims!r}")
        for d in dims:
            check_positive_int("every entry of dims", d)
        if dims[0] != input_width(embedding):
            raise ValueError(f"with the {embedding!r} label embedding the input is "
                             f"{input_width(embedding)} wide, so dims[0] must be that, got {dims[0]}")
        check_number("threshold", threshold)
        if not isinstance(score_from, int) or not 0 <= score_from < len(dims) - 1:
            raise ValueError(f"score_from must name a layer, 0..{len(dims) - 2}, got {score_from}")
        # The one-pass read-out sees every layer but the first when there are several (Hinton).
        readout_from = (1 if len(dims) > 2 else 0) if readout_from is None else readout_from
        self.config = dict(dims=dims, embedding=embedding, threshold=float(threshold), lr=lr,
                           optimizer=optimizer, loss=loss, symba_alpha=symba_alpha,
                           peer_norm=peer_norm, score_from=score_from, readout_from=readout_from)
        self.embedding, self.score_from, self.lr = embedding, score_from, lr  # readout_from: reset_readout
        self.layers = nn.ModuleList(
            FFLayer(i, o, threshold, lr, optimizer, loss, symba_alpha, peer_norm, device=device)
            for i, o in zip(dims[:-1], dims[1:]))
        # The label's height: MNIST's brightest normalized pixel, as x.max() gives on real data.
        self.register_buffer("label_value", torch.tensor((1 - MEAN) / STD, device=device))
        self.register_buffer("head_trained", torch.tensor(False, device=device))
        self.reset_readout(readout_from)

    @property
    def device(self) -> torch.device:
        return self.label_value.device

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
        x = x.to(self.device)
        layers = self.layers[: num_layers or len(self.layers)]
        scores = []
        for chunk in x.split(CHUNK):
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
        predicted = self.predict_one_pass(x) if one_pass else self.predict(x, num_layers)
        return (predicted != y.to(predicted.device)).float().mean().item()

    # ----- training -----

    def _negative_labels(self, kind, x, y, generator, num_layers):
        if kind == "permuted":
            return permuted_labels(y, generator)
        if kind == "hard":
            return hard_wrong_labels(self.goodness_per_label(x, num_layers), y, generator)
        return wrong_labels(y, generator)

    def _step(self, k, layer, x_unit, n_pos, history):
        """Layer k's local step on unit-length inputs (positives first); returns its activities."""
        try:
            loss, h = layer.step_on(x_unit, n_pos)
        except FloatingPointError as error:
            raise TrainingDiverged(
                f"training diverged in layer {k} at its step {len(history.layer_losses[k])}: {error}. "
                f"The weights are those before that step. Try a smaller learning rate (now "
                f"{layer.optimizer.param_groups[0]['lr']:g}).", history.finish()) from None
        history.layer_losses[k].append(loss)
        if h.count_nonzero() == 0:
            message = f"layer {k} is dead: every unit gave 0 on a whole batch; lower the learning rate"
            if message not in history.warnings:
                history.warnings.append(message)
                warnings.warn(message, stacklevel=3)
        return h

    def _evaluate(self, history, epoch, num_layers, x, y, x_test, y_test):
        # Train error on the first TRAIN_EVAL_SIZE images: ten passes over all of them would cost
        # more than a mini-batch epoch of training.
        start = time.perf_counter()
        train_error = self.error_rate(x[:TRAIN_EVAL_SIZE], y[:TRAIN_EVAL_SIZE], num_layers=num_layers)
        test_error = None if x_test is None else self.error_rate(x_test, y_test, num_layers=num_layers)
        history.record(epoch, num_layers, train_error, test_error, time.perf_counter() - start)

    def _prepare(self, x, y, x_test, y_test, epochs, batch_size, negatives, eval_every):
        check_data(x, y)
        if (x_test is None) != (y_test is None):
            raise ValueError("x_test and y_test go together: give both, or neither")
        if x_test is not None:
            check_data(x_test, y_test)
        check_positive_int("epochs", epochs)
        if batch_size is not None:
            check_positive_int("batch_size", batch_size)
        if eval_every is not None:
            check_positive_int("eval_every", eval_every)
        if negatives not in NEGATIVES:
            raise ValueError(f"negatives must be one of {NEGATIVES}, got {negatives!r}")
        self.label_value.fill_(float(x.max()))  # Hinton's choice: the brightest training pixel
        move = (lambda t: None if t is None else t.to(self.device))
        return move(x), move(y), move(x_test), move(y_test)

    def train_greedy(self, x, y, epochs: int, batch_size: int | None = None, negatives: str = "wrong",
                     x_test=None, y_test=None, eval_every: int | None = None, cooldown: bool = False,
                     generator: torch.Generator | None = None, progress: bool = True) -> History:
        """The blog's schedule: layer 0 for all its epochs, then layer 1 on layer 0's output, ...

        `batch_size=None` trains on the whole set at once, as the blog does. `negatives` is
        'permuted' (the blog's: one shuffle of the labels, drawn once), 'wrong' (a wrong label,
        drawn anew each epoch) or 'hard' (wrong labels the network believes, drawn each epoch).
        With `eval_every`, the error of the layers trained so far is recorded every so many epochs.
        """
        x, y, x_test, y_test = self._prepare(x, y, x_test, y_test, epochs, batch_size, negatives, eval_every)
        history = History.for_layers(len(self.layers))
        with interruptible(history, progress):
            fixed_negatives = None
            if negatives == "permuted":
                fixed_negatives = self.embed(x, self._negative_labels("permuted", x, y, generator, None))
            positives = self.embed(x, y)
            for k, layer in enumerate(self.layers):
                # Lower layers are frozen now: what they pass up is computed once, and normalized once.
                pos_unit = normalize(self.inputs_to(k, positives))
                neg_unit = None if fixed_negatives is None else normalize(self.inputs_to(k, fixed_negatives))
                both = None
                for epoch in progress_bar(range(epochs), progress, desc=f"layer {k}"):
                    layer.set_lr(cooled_lr(self.lr, epoch, epochs, cooldown))
                    if fixed_negatives is None:
                        y_neg = self._negative_labels(negatives, x, y, generator, k + 1)
                        neg_unit, both = normalize(self.inputs_to(k, self.embed(x, y_neg))), None
                    for idx in batches(len(x), batch_size, generator, self.device):
                        if isinstance(idx, slice):  # the whole set: stack it once, reuse every epoch
                            both = torch.cat([pos_unit, neg_unit]) if both is None else both
                            self._step(k, layer, both, len(x), history)
                        else:
                            self._step(k, layer, torch.cat([pos_unit[idx], neg_unit[idx]]), len(idx), history)
                    if eval_every and ((epoch + 1) % eval_every == 0 or epoch + 1 == epochs):
                        self._evaluate(history, k * epochs + epoch + 1, k + 1, x, y, x_test, y_test)
                del pos_unit, neg_unit, both
        return history

    def train_simultaneous(self, x, y, epochs: int, batch_size: int = 100, negatives: str = "wrong",
                           x_test=None, y_test=None, eval_every: int | None = 1, cooldown: bool = False,
                           jitter: int = 0, generator: torch.Generator | None = None,
                           progress: bool = True) -> History:
        """Every layer takes a local step on each mini-batch, each on the output of the one below.

        Still no gradient crosses a layer: each layer's input is detached. Negatives are drawn
        anew each epoch ('hard' ones from the whole network's current beliefs). With `jitter`,
        each epoch sees every image shifted by up to that many pixels (`shift_images`).
        """
        x, y, x_test, y_test = self._prepare(x, y, x_test, y_test, epochs, batch_size, negatives, eval_every)
        check_max_shift(jitter)
        history = History.for_layers(len(self.layers))
        with interruptible(history, progress):
            for epoch in progress_bar(range(epochs), progress, desc="epochs"):
                for layer in self.layers:
                    layer.set_lr(cooled_lr(self.lr, epoch, epochs, cooldown))
                seen = shift_images(x, jitter, generator)
                y_neg = self._negative_labels(negatives, seen, y, generator, None)
                for idx in batches(len(x), batch_size, generator, self.device):
                    h = torch.cat([self.embed(seen[idx], y[idx]), self.embed(seen[idx], y_neg[idx])])
                    for k, layer in enumerate(self.layers):
                        h = self._step(k, layer, normalize(h), len(h) // 2, history)
                if eval_every and ((epoch + 1) % eval_every == 0 or epoch + 1 == epochs):
                    self._evaluate(history, epoch + 1, len(self.layers), x, y, x_test, y_test)
        return history

    def train_unsupervised(self, x, epochs: int, batch_size: int = 100, cooldown: bool = False,
                           blur_steps: int = 6, jitter: int = 0, generator: torch.Generator | None = None,
                           progress: bool = True) -> History:
        """Forward-Forward without labels: real images are positive, hybrid images negative.

        Every layer trains at once, as in `train_simultaneous`, each on the detached output of the
        one below. The hybrids are drawn anew each epoch; labels are needed only later, by the
        read-out (`train_readout`), which never changes the layers.
        """
        if self.embedding != "none":
            raise ValueError(f"unsupervised training writes no label into the images: build the network "
                             f"with embedding='none' (it has {self.embedding!r})")
        # The same checks as the supervised schedules; "wrong" stands in for the negatives, which
        # are hybrids here and need no check of their own.
        x, _, _, _ = self._prepare(x, None, None, None, epochs, batch_size, "wrong", None)
        check_max_shift(jitter)
        history = History.for_layers(len(self.layers))
        with interruptible(history, progress):
            for epoch in progress_bar(range(epochs), progress, desc="epochs"):
                for layer in self.layers:
                    layer.set_lr(cooled_lr(self.lr, epoch, epochs, cooldown))
                seen = shift_images(x, jitter, generator)
                negatives = hybrid_images(seen, generator, blur_steps)
                for idx in batches(len(x), batch_size, generator, self.device):
                    h = torch.cat([seen[idx], negatives[idx]])
                    for k, layer in enumerate(self.layers):
                        h = self._step(k, layer, normalize(h), len(h) // 2, history)
        return history

    # ----- one-pass prediction: a softmax read-out -----

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
                    features.append(h / (h.norm(dim=1, keepdim=True) + 1e-8))
            out.append(torch.cat(features, dim=1))
        return torch.cat(out)

    def reset_readout(self, readout_from: int | None = None) -> None:
        """A fresh, untrained softmax head on layers `readout_from` up (default: the same layers).

        The layers do not change: this is how several read-outs are tried on one trained network.
        """
        readout_from = self.readout_from if readout_from is None else readout_from
        if not isinstance(readout_from, int) or not 0 <= readout_from < len(self.layers):
            raise ValueError(f"readout_from must name a layer, 0..{len(self.layers) - 1}, got {readout_from}")
        self.readout_from = self.config["readout_from"] = readout_from
        self.head = nn.Linear(sum(self.config["dims"][1 + readout_from:]), NUM_CLASSES, device=self.device)
        self.head_trained.fill_(False)

    def train_readout(self, x, y, epochs: int = 10, batch_size: int = 1000, lr: float = 0.01,
                      generator: torch.Generator | None = None, progress: bool = True) -> History:
        """Train the softmax head by cross-entropy on detached features: the layers do not change."""
        check_data(x, y)
        check_positive_int("epochs", epochs)
        check_positive_int("batch_size", batch_size)
        check_number("read-out learning rate", lr)
        features, y = self.readout_features(x), y.to(self.device)
        optimizer = torch.optim.Adam(self.head.parameters(), lr=lr)
        history = History.for_layers(1)
        with interruptible(history, progress):
            for _ in progress_bar(range(epochs), progress, desc="read-out"):
                for idx in batches(len(features), batch_size, generator, self.device):
                    loss = nn.functional.cross_entropy(self.head(features[idx]), y[idx])
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    history.layer_losses[0].append(loss.item())
            self.head_trained.fill_(True)
        return history

    @torch.no_grad()
    def readout_probabilities(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 10): the softmax head's probability of each label, from one neutral-label pass."""
        if not self.head_trained:
            raise RuntimeError("the read-out head is not trained yet: call train_readout(x, y) first")
        return torch.softmax(self.head(self.readout_features(x)), dim=1)

    def predict_one_pass(self, x: torch.Tensor) -> torch.Tensor:
        """One forward pass with a neutral label, then the softmax head's choice."""
        return self.readout_probabilities(x).argmax(dim=1)
