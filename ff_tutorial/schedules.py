"""How a stack of FF layers is trained: greedily, all at once, or without labels.

Each schedule only says what each epoch's positives and negatives are and which layers learn
from them; the engine (`engine.Engine`) takes the steps. Every schedule trains one network, or
several of one configuration at once (one per seed, with a generator each): each of them
exactly the network it would be if trained alone, up to float rounding.
"""

from __future__ import annotations

import time

import torch

from .augment import check_fraction, check_max_shift, drop_pixels, shift_images
from .engine import Engine, side_by_side
from .history import History, TrainingDiverged, interruptible, is_due
from .layer import normalize
from .negatives import check_blur_steps, hard_wrong_labels, hybrid_images, permuted_labels, wrong_labels
from .network import FFNetwork, check_positive_int, check_training_data, mistake_rate
from .resume import TrainingState
from .runtime import progress as progress_bar

NEGATIVES = ("wrong", "permuted", "hard")


def check_negatives(negatives: str) -> None:
    if negatives not in NEGATIVES:
        raise ValueError(f"negatives must be one of {NEGATIVES}, got {negatives!r}")


def cooled_lr(lr: float, epoch: int, epochs: int, cooldown: bool) -> float:
    """Hinton's schedule: constant for the first half, then linearly down to zero."""
    if not cooldown or epochs < 2:
        return lr
    return lr * min(1.0, 2.0 * (epochs - epoch) / epochs)


def negative_labels(kind: str, net: FFNetwork, x, y, generator, num_layers=None):
    """A wrong label for each image: uniformly among the nine ('wrong'), one shuffle of all the
    labels ('permuted'), or in proportion to how much the network believes each one ('hard')."""
    if kind == "permuted":
        return permuted_labels(y, generator)
    if kind == "hard":
        return hard_wrong_labels(net.scores(x, num_layers), y, generator)
    return wrong_labels(y, generator)


def stack(tensors: list) -> torch.Tensor:
    """(K, ...) from K tensors; one network's is a view, not a copy."""
    return tensors[0].unsqueeze(0) if len(tensors) == 1 else torch.stack(tensors)


def epoch_batches(pos: torch.Tensor, neg: torch.Tensor, batch_size: int | None) -> list:
    """(K, 2B, width) batches, each B positives then their B negatives; None: one batch of all.

    The rows are normalized here, in bulk: each layer sees the direction of its input only.
    """
    pos, neg = normalize(pos), normalize(neg)
    size = pos.shape[1] if batch_size is None else batch_size
    return [torch.cat([pos[:, s:s + size], neg[:, s:s + size]], dim=1) for s in range(0, pos.shape[1], size)]


def one_batch(n: int, batch_size: int | None) -> bool:
    return batch_size is None or batch_size >= n


def shuffled(n: int, batch_size: int | None, generator):
    """This epoch's order of the images: shuffled for mini-batches, as is for one batch of all."""
    return slice(None) if one_batch(n, batch_size) else torch.randperm(n, generator=generator)


class Run:
    """What every schedule shares: the networks, their generators and histories, and the engine.

    With `resume` (a path), the run's state is written there after its epochs, and a run started
    with the state of this same run there goes on from it (`resume.TrainingState`); `settings` are
    the schedule's own settings, which the state must match.
    """

    def __init__(self, nets, generator, x, y, x_test, y_test, epochs, batch_size, cooldown, eval_every,
                 precision, capture, checks_per_epoch, progress, resume=None, settings=None):
        self.single = isinstance(nets, FFNetwork)
        self.nets, generators = side_by_side(nets, generator, FFNetwork)
        check_training_data(x, y, x_test, y_test)
        check_positive_int("epochs", epochs)
        for name, value in (("batch_size", batch_size), ("eval_every", eval_every)):
            if value is not None:
                check_positive_int(name, value)
        check_positive_int("checks_per_epoch", checks_per_epoch)
        device = self.nets[0].device
        move = (lambda t: None if t is None else t.to(device))
        self.x, self.y, self.x_test, self.y_test = move(x), move(y), move(x_test), move(y_test)
        for net in self.nets:
            net.label_value.fill_(float(x.max()))  # Hinton's choice: the brightest training pixel
        self.generators, self.epochs, self.batch_size, self.cooldown = generators, epochs, batch_size, cooldown
        self.eval_every, self.checks_per_epoch, self.progress = eval_every, checks_per_epoch, progress
        self.histories = [History.for_layers(len(self.nets[0].layers)) for _ in self.nets]
        self.state = self.resume_from = None
        if resume is not None:
            # the identity is taken from the networks as given, before the engine or a state changes them
            settings = dict(settings or {}, epochs=epochs, batch_size=batch_size, cooldown=cooldown,
                            eval_every=eval_every, precision=precision, checks_per_epoch=checks_per_epoch)
            self.state = TrainingState.of(resume, self.nets, settings, self.x, self.y)
        self.engine = Engine(self.nets, precision, capture)
        if self.state is not None:
            self.resume_from = self.state.restore(self.engine, self.histories)
            if self.resume_from and progress:
                print(f"going on from {self.state.path}: {self.histories[0].epochs_completed} epochs done")
        self.phase = 0  # how many times `train` was called: the greedy schedule calls it once a layer

    def drawing(self) -> list:
        """The generators the epochs draw from (None draws from torch's own, on the CPU)."""
        return [torch.default_generator if g is None else g for g in self.generators]

    def first_epoch(self, phase: int) -> int:
        """Where `phase` starts: 0, or after the epochs a resumed state had done (all of them for a
        phase it had finished)."""
        if self.resume_from is None:
            return 0
        done_phase, done_epochs = self.resume_from
        return 0 if phase > done_phase else done_epochs if phase == done_phase else self.epochs

    def train(self, layers: range, make_batches, desc: str, epoch_offset: int = 0) -> None:
        """`epochs` epochs of layers `layers`, on the batches `make_batches(epoch)` returns."""
        engine, lr = self.engine, self.nets[0].config.lr
        phase, self.phase = self.phase, self.phase + 1
        first = self.first_epoch(phase)
        if first >= self.epochs:  # done before the run was resumed
            return
        if self.state is not None:
            self.state.catch_up(self.drawing())
        for epoch in progress_bar(range(first, self.epochs), self.progress, desc=desc, initial=first,
                                  total=self.epochs):
            engine.set_lr(cooled_lr(lr, epoch, self.epochs, self.cooldown))
            batches = make_batches(epoch)
            checks = {round(len(batches) * (c + 1) / self.checks_per_epoch) - 1 for c in range(self.checks_per_epoch)}
            for i, batch in enumerate(batches):
                engine.step(layers[0], layers[-1], batch)
                if i in checks:
                    engine.check(self.histories)
            for history in self.histories:
                history.epochs_completed += 1
            if is_due(epoch, self.epochs, self.eval_every):
                self.evaluate(epoch_offset + epoch + 1, layers[-1] + 1)
            if self.state is not None:
                self.state.write(engine, self.histories, self.drawing(), (phase, epoch + 1), epoch + 1 == self.epochs)

    def evaluate(self, epoch: int, num_layers: int) -> None:
        """The held-out error of each network, with the time it took (left out of the training time)."""
        for net, history in zip(self.nets, self.histories):
            start = time.perf_counter()
            error = None
            if self.x_test is not None:
                error = mistake_rate(net.scores(self.x_test, num_layers).argmax(dim=1), self.y_test)
            history.record(epoch, num_layers, None, error, time.perf_counter() - start)

    def __call__(self, body):
        """Run `body` with Ctrl-C kept clean; returns one History, or one per network."""
        with interruptible(self.histories, self.progress):
            try:
                body()
                if self.state is not None:  # resumed after the last epoch: what follows draws as it did
                    self.state.catch_up(self.drawing())
            except TrainingDiverged as error:
                error.networks = self.nets  # restored to the last good check: still worth keeping
                raise
            finally:
                try:
                    self.engine.check(self.histories)  # the steps since the last check, even when stopped
                finally:
                    self.engine.release()
        return self.histories[0] if self.single else self.histories


def train_greedy(nets, x, y, epochs: int, batch_size: int | None = None, negatives: str = "wrong",
                 x_test=None, y_test=None, eval_every: int | None = None, cooldown: bool = False,
                 generator=None, progress: bool = True, precision: str = "fp32",
                 checks_per_epoch: int = 1, resume=None):
    """The blog's schedule: layer 0 for all its epochs, then layer 1 on layer 0's output, ...

    `batch_size=None` trains on the whole set at once, as the blog does. `negatives` is
    'permuted' (the blog's: one shuffle of the labels, drawn once), 'wrong' (a wrong label,
    drawn anew each epoch) or 'hard' (wrong labels the network believes, drawn each epoch).
    With `eval_every`, the error of the layers trained so far is recorded every so many epochs.
    With `resume` (a path), the run can be stopped and started again from its last epoch (`Run`).
    """
    check_negatives(negatives)
    run = Run(nets, generator, x, y, x_test, y_test, epochs, batch_size, cooldown, eval_every, precision,
              False, checks_per_epoch, progress, resume, dict(schedule="greedy", negatives=negatives))
    return run(lambda: greedy(run, negatives, batch_size))


def greedy(run: Run, negatives: str, batch_size: int | None) -> None:
    """Train the networks' layers one after another, each for all its epochs."""
    x, y = run.x, run.y
    fixed = drawn_once(run, negatives)  # the blog's one shuffle; None: drawn each epoch
    for k in range(len(run.nets[0].layers)):
        # The layers below k are frozen now: what they pass up is computed once.
        pos = [net.inputs_to(k, net.embed(x, y)) for net in run.nets]
        make_batches = layer_batches(run, k, pos, fixed, negatives, batch_size)
        run.train(range(k, k + 1), make_batches, f"layer {k}", k * run.epochs)


def drawn_once(run: Run, negatives: str):
    """The blog's negatives ('permuted'), drawn once, before any layer learns."""
    if negatives != "permuted":
        return None
    drawn = [permuted_labels(run.y, g) for g in run.generators]
    return [net.embed(run.x, y_neg) for net, y_neg in zip(run.nets, drawn)]


def layer_batches(run: Run, k: int, pos: list, fixed, negatives: str, batch_size):
    """`make_batches(epoch)` for layer k: the positives shuffled, each with its negative
    (the `fixed` ones, or a wrong label drawn anew each epoch), as layer k sees them."""
    x, y = run.x, run.y
    neg = None
    if fixed is not None:  # the same every epoch: passed up to layer k once
        neg = [net.inputs_to(k, f) for net, f in zip(run.nets, fixed)]

    def drawn(net, g):  # a wrong label for each image, drawn now, passed up to layer k
        y_neg = negative_labels(negatives, net, x, y, g, k + 1)
        return net.inputs_to(k, net.embed(x, y_neg))

    def make_batches(epoch):
        these = neg or [drawn(net, g) for net, g in zip(run.nets, run.generators)]
        orders = [shuffled(len(x), batch_size, g) for g in run.generators]
        return epoch_batches(stack([p[o] for p, o in zip(pos, orders)]),
                             stack([q[o] for q, o in zip(these, orders)]), batch_size)

    if neg is not None and one_batch(len(x), batch_size):
        whole = make_batches(0)  # one batch of all, the same every epoch: made once
        return lambda epoch: whole
    return make_batches


def train_simultaneous(nets, x, y, epochs: int, batch_size: int = 100, negatives: str = "wrong",
                       x_test=None, y_test=None, eval_every: int | None = None, cooldown: bool = False,
                       jitter: int = 0, pixel_dropout: float = 0.0, generator=None, progress: bool = True,
                       precision: str = "fp32", capture: bool | None = None, checks_per_epoch: int = 1,
                       resume=None):
    """Every layer takes a local step on each mini-batch, each on the output of the one below.

    Still no gradient crosses a layer: each layer's input is detached. Negatives are drawn
    anew each epoch ('hard' ones from the whole network's current beliefs). With `jitter`,
    each epoch sees every image shifted by up to that many pixels (`shift_images`); with
    `pixel_dropout`, that fraction of each image's pixels blanked (`drop_pixels`). With `resume`
    (a path), the run can be stopped and started again from its last epoch (`Run`).
    """
    check_negatives(negatives)
    check_max_shift(jitter)
    check_fraction("pixel_dropout", pixel_dropout)
    settings = dict(schedule="simultaneous", negatives=negatives, jitter=jitter)
    if pixel_dropout:  # a state written before the setting existed matches a run without it
        settings.update(pixel_dropout=pixel_dropout)
    run = Run(nets, generator, x, y, x_test, y_test, epochs, batch_size, cooldown, eval_every, precision,
              capture, checks_per_epoch, progress, resume, settings)
    return run(lambda: simultaneous(run, negatives, jitter, pixel_dropout, batch_size))


def simultaneous(run: Run, negatives: str, jitter: int, pixel_dropout: float,
                 batch_size: int) -> None:
    """Every layer learns from every batch: positives with their true labels, negatives
    with wrong ones drawn anew each epoch, images shifted by up to `jitter` pixels and a
    `pixel_dropout` fraction of their pixels blanked (the label is written in after)."""
    x, y = run.x, run.y

    def make_batches(epoch):
        pos, neg = [], []
        for net, g in zip(run.nets, run.generators):
            seen = drop_pixels(shift_images(x, jitter, g), pixel_dropout, g)
            y_neg = negative_labels(negatives, net, seen, y, g)
            order = shuffled(len(x), batch_size, g)
            pos.append(net.embed(seen[order], y[order]))
            neg.append(net.embed(seen[order], y_neg[order]))
        return epoch_batches(stack(pos), stack(neg), batch_size)

    run.train(range(len(run.nets[0].layers)), make_batches, "epochs")


def train_unsupervised(nets, x, epochs: int, batch_size: int = 100, cooldown: bool = False,
                       blur_steps: int = 6, jitter: int = 0, pixel_dropout: float = 0.0, generator=None,
                       progress: bool = True, precision: str = "fp32", capture: bool | None = None,
                       checks_per_epoch: int = 1, resume=None):
    """Forward-Forward without labels: real images are positive, hybrid images negative.

    Every layer trains at once, as in `train_simultaneous`, each on the detached output of the
    one below. The hybrids are drawn anew each epoch, from the images as this epoch sees them
    (shifted by up to `jitter` pixels, a `pixel_dropout` fraction of their pixels blanked); labels
    are needed only later, by the read-out (`train_readout`), which never changes the layers. With
    `resume` (a path), the run can be stopped and started again from its last epoch (`Run`).
    """
    for net in [nets] if isinstance(nets, FFNetwork) else nets:
        if net.embedding != "none":
            raise ValueError(f"unsupervised training writes no label into the images: build the network "
                             f"with embedding='none' (it has {net.embedding!r})")
    check_max_shift(jitter)
    check_fraction("pixel_dropout", pixel_dropout)
    check_blur_steps(blur_steps)
    settings = dict(schedule="unsupervised", jitter=jitter, blur_steps=blur_steps)
    if pixel_dropout:  # a state written before the setting existed matches a run without it
        settings.update(pixel_dropout=pixel_dropout)
    run = Run(nets, generator, x, None, None, None, epochs, batch_size, cooldown, None, precision, capture,
              checks_per_epoch, progress, resume, settings)
    return run(lambda: unsupervised(run, blur_steps, jitter, pixel_dropout, batch_size))


def unsupervised(run: Run, blur_steps: int, jitter: int, pixel_dropout: float,
                 batch_size: int) -> None:
    """Every layer learns from every batch: real images (shifted by up to `jitter`
    pixels, a `pixel_dropout` fraction of their pixels blanked) against hybrids of
    them, drawn anew each epoch."""
    x = run.x

    def make_batches(epoch):
        pos, neg = [], []
        for g in run.generators:
            seen = drop_pixels(shift_images(x, jitter, g), pixel_dropout, g)
            hybrids = hybrid_images(seen, g, blur_steps)
            order = shuffled(len(x), batch_size, g)
            pos.append(seen[order])
            neg.append(hybrids[order])
        return epoch_batches(stack(pos), stack(neg), batch_size)

    run.train(range(len(run.nets[0].layers)), make_batches, "epochs")
