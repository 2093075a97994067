"""Recipes: every setting of a training run in one record, and the one function that runs them.

The command line's presets, the recipe comparisons of chapter 7 and the runs of chapters 8 and 9
are all recipes, so a number in the book and a number from `python -m ff_tutorial train` come
from the same code.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .augment import SIDE, check_fraction
from .history import History, TrainingDiverged
from .network import FFNetwork, check_positive_int
from .receptive import network_connections
from .readout import train_readout
from .runtime import seed_everything
from .schedules import train_greedy, train_simultaneous, train_unsupervised

SCHEDULES = ("greedy", "simultaneous")


@dataclass(frozen=True)
class Recipe:
    dims: tuple = (784, 500, 500)
    embedding: str = "overlay"  # "none": no label (then negatives must be "hybrid")
    schedule: str = "greedy"  # "greedy" (one layer after another) or "simultaneous"
    epochs: int = 100  # per layer for "greedy", in all for "simultaneous"
    batch_size: int = 0  # 0: the whole training set at once
    train_size: int = 50_000
    lr: float = 0.03
    threshold: float = 2.0
    negatives: str = "wrong"  # "wrong", "permuted", "hard", or "hybrid" (unsupervised)
    optimizer: str = "adam"
    loss: str = "ff"
    symba_alpha: float = 4.0
    peer_norm: float = 0.0
    weight_decay: float = 0.0  # each step shrinks the weights by lr * weight_decay
    cooldown: bool = False
    jitter: int = 0  # pixels an image may be shifted, anew each epoch (simultaneous)
    pixel_dropout: float = 0.0  # share of pixels blanked each epoch (simultaneous)
    readout_epochs: int = 0  # >0: also train the one-pass softmax read-out
    readout_from: int | None = None  # first layer the read-out sees (None: the default)
    readout_lr: float = 0.01  # Adam's learning rate for the read-out
    readout_jitter: int = 0  # pixels the read-out's images may be shifted (each epoch)
    precision: str = "fp32"  # or "tf32", "bf16": faster products (engine.PRECISIONS)
    receptive_fields: tuple = ()  # (field, stride) of each lowest layer made local
    seed: int = 0

    def replace(self, **changes) -> "Recipe":
        """A copy with some settings changed: `fast.replace(epochs=20)`."""
        return dataclasses.replace(self, **changes)

    def check(self) -> None:
        """Refuse settings out of range, or that do not go together, before training."""
        check_recipe(self)

    def build(self, device=None, dims=None, cls=FFNetwork) -> FFNetwork:
        """A fresh, untrained network with this recipe's settings (or widths `dims`).

        `cls` may be a subclass of FFNetwork, such as one that times its evaluations.
        """
        self.check()
        return cls(list(dims or self.dims), embedding=self.embedding,
                   threshold=self.threshold, lr=self.lr, optimizer=self.optimizer,
                   loss=self.loss, symba_alpha=self.symba_alpha,
                   peer_norm=self.peer_norm, weight_decay=self.weight_decay,
                   readout_from=self.readout_from,
                   receptive_fields=self.receptive_fields, device=device)


def check_recipe(recipe: Recipe) -> None:
    """Refuse settings out of range, or that do not go together, before anything is trained."""
    for name in ("epochs", "train_size"):
        check_positive_int(name, getattr(recipe, name))
    for name in ("batch_size", "readout_epochs", "jitter", "readout_jitter", "seed"):  # batch_size 0: all at once
        value = getattr(recipe, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a whole number, 0 or more, got {value!r}")
    for name in ("jitter", "readout_jitter"):
        if getattr(recipe, name) >= SIDE:
            raise ValueError(f"{name} must be fewer pixels than the image's side ({SIDE}), "
                             f"got {getattr(recipe, name)}")
    if recipe.readout_from is not None and not (isinstance(recipe.readout_from, int)
                                                and 0 <= recipe.readout_from < len(recipe.dims) - 1):
        raise ValueError(f"readout_from must name a layer, 0..{len(recipe.dims) - 2}, got {recipe.readout_from!r}")
    network_connections(recipe.dims, recipe.receptive_fields, recipe.embedding)  # fields that fit the widths
    if recipe.schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {recipe.schedule!r}")
    if recipe.readout_jitter and not recipe.readout_epochs:
        raise ValueError("readout_jitter shifts the read-out's images, so it needs a read-out "
                         "(readout_epochs > 0)")
    check_fraction("pixel_dropout", recipe.pixel_dropout)
    for name in ("jitter", "pixel_dropout"):
        if getattr(recipe, name) and recipe.schedule != "simultaneous":
            raise ValueError(f"{name} needs the simultaneous schedule: the greedy one computes each "
                             "layer's input once, from images that stay as they are")
    if (recipe.embedding == "none") != (recipe.negatives == "hybrid"):
        raise ValueError("unsupervised FF goes with hybrid negatives and no label (embedding 'none'), "
                         f"and only with them; got embedding {recipe.embedding!r} with negatives "
                         f"{recipe.negatives!r}")


def seeded_networks(recipe: Recipe, seeds, device=None) -> tuple:
    """One fresh network per seed, each as it starts alone (its weights drawn right after seeding),
    and the generator each one goes on with."""
    seeds = list(seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, and at least one, got {seeds!r}")
    nets, generators = [], []
    for seed in seeds:
        generators.append(seed_everything(seed))
        nets.append(recipe.build(device))
    return nets, generators


def train(recipe: Recipe, x, y, net=None, x_eval=None, y_eval=None,
          eval_every: int | None = None, generator=None,
          progress: bool = True, seeds=None, capture: bool | None = None, resume=None) -> tuple:
    """Train `net` (by default a fresh `recipe.build()`) on x, y as the recipe says.

    With x_eval, y_eval and eval_every, the error on them is recorded every so many epochs
    (supervised recipes only: an unsupervised network has no error until its read-out is trained).
    Returns the network and the layers' History; the read-out, if any, is trained last, and its
    own History is the layers' `history.readout`. Ctrl-C in the layers skips the read-out.

    With `seeds` (a list of ints), one fresh network per seed is trained, all at once, each from
    the weights and with the draws that `recipe.replace(seed=s)` has alone (`seeded_networks`).
    Stacked products round differently from a lone one's, and Adam can turn such a difference into
    a full step, so after many steps a network is another sample of the recipe, not the lone run's
    network (experiments/stacking_drift.py). `net` may also be a list of networks, with a list of
    generators. Then lists of networks and histories are returned.

    With `resume` (a path), the layers' training writes its state there after its epochs and, given
    the state of this same run, goes on from it (`resume.TrainingState`); the read-out, minutes
    long, is trained anew.
    """
    recipe.check()
    if seeds is not None:
        net, generator = seeded_networks(recipe, seeds, x.device)
    elif net is None:
        net = recipe.build(x.device)
    kwargs = dict(epochs=recipe.epochs, batch_size=recipe.batch_size or None, cooldown=recipe.cooldown,
                  generator=generator, progress=progress, precision=recipe.precision, resume=resume)
    if recipe.negatives == "hybrid":
        history = train_unsupervised(net, x, jitter=recipe.jitter, pixel_dropout=recipe.pixel_dropout,
                                     capture=capture, **kwargs)
    else:
        kwargs.update(negatives=recipe.negatives, x_test=x_eval, y_test=y_eval, eval_every=eval_every)
        if recipe.schedule == "greedy":
            history = train_greedy(net, x, y, **kwargs)
        else:
            history = train_simultaneous(net, x, y, jitter=recipe.jitter, pixel_dropout=recipe.pixel_dropout,
                                         capture=capture, **kwargs)
    several = isinstance(net, (list, tuple))
    nets, histories = (net, history) if several else ([net], [history])
    if recipe.readout_epochs and not histories[0].interrupted:
        for h, readout in zip(histories, train_readouts(recipe, nets, generator, x, y, progress)):
            h.readout = readout
    return net, history


def train_readouts(recipe: Recipe, nets: list, generator, x, y, progress: bool = True) -> list:
    """Each network's read-out, as the recipe says; their Histories. Ctrl-C in one stops the rest;
    a read-out that diverges raises TrainingDiverged, whose `readouts` are the Histories so far."""
    generators = generator if isinstance(generator, (list, tuple)) else [generator] * len(nets)
    histories = []
    for k, (net, g) in enumerate(zip(nets, generators)):
        try:
            histories.append(train_readout(net, x, y, epochs=recipe.readout_epochs, lr=recipe.readout_lr,
                                           generator=g, progress=progress, jitter=recipe.readout_jitter))
        except TrainingDiverged as error:
            if len(nets) > 1:
                error.args = (f"network {k} of {len(nets)}: {error}",)
            error.readouts = histories + [error.history]  # the read-outs tried, this one last
            raise
        if histories[-1].interrupted:
            break
    return histories


PRESETS = {
    # The blog, exactly: concatenated label, one batch of 50,000 images, 1000 epochs per layer,
    # negatives from one shuffle of the labels drawn once (a tenth of them carry the true label).
    "seed": Recipe(dims=(794, 500, 500), embedding="concat", epochs=1000, negatives="permuted"),
    # Same widths, but mini-batches, every layer at once, labels that are really wrong, and the
    # symmetric loss, which has no plateau at log 2 to wait out (chapter 3 shows that plateau).
    "fast": Recipe(schedule="simultaneous", epochs=5, batch_size=50, lr=0.03, negatives="wrong",
                   loss="symba", symba_alpha=100.0, cooldown=True),
    # The fast preset's recipe, wider, deeper and longer: for the best test error on a CPU.
    "accurate": Recipe(dims=(784, 1000, 1000, 1000), schedule="simultaneous", epochs=30, batch_size=50,
                       lr=0.03, negatives="wrong", loss="symba", symba_alpha=100.0, cooldown=True,
                       readout_epochs=10),
    # No labels while the layers learn: real images against hybrids of two images (chapter 9).
    # The symmetric loss (each image against its own hybrid), images shifted by up to a pixel,
    # peer normalization to keep units alive; then a linear read-out on every layer. The layers'
    # settings, the read-out's and the epochs (40 against 20) were chosen on the validation split
    # (experiments/unsupervised_layers.py, experiments/unsupervised_readout.py,
    # experiments/readout_rate.py, chapter 9).
    "unsupervised": Recipe(dims=(784, 1000, 1000, 1000), embedding="none", schedule="simultaneous",
                           epochs=40, batch_size=50, lr=0.03, negatives="hybrid", loss="symba",
                           symba_alpha=4.0, peer_norm=0.03, cooldown=True, jitter=1, readout_epochs=60,
                           readout_from=0, readout_lr=0.03),
}


@dataclass
class Trial:
    """One recipe, trained and measured: what chapter 7's table and plot are made of."""

    name: str
    recipe: Recipe
    network: FFNetwork
    history: History

    @property
    def validation_error(self) -> float:
        return self.history.test_error[-1]  # History's held-out error: here, the validation split's

    @property
    def train_seconds(self) -> float:
        return self.history.train_seconds[-1]


def compare(recipes: dict, data, progress: bool = True) -> list:
    """Train each named recipe on the same images from the same seed; validation error
    after every epoch.

    Comparing recipes is choosing between them, so it is done on the validation split
    (`data.validation_split()`: the last 10,000 training images, which no recipe trains on),
    never on the test set. Every recipe gets the same budget in passes over the data:
    `recipe.epochs` for each layer (the greedy schedule trains its layers one after the other,
    so it makes more passes in all). Times exclude the evaluations, the same for every recipe.
    """
    split = data.validation_split()
    trials = []
    for name, recipe in recipes.items():
        if recipe.train_size > len(split.x_train):
            raise ValueError(f"{name}: train_size is at most {len(split.x_train)} when "
                             f"the last {len(split.x_test)} training images are held "
                             f"out, got {recipe.train_size}")
        x, y = split.x_train[: recipe.train_size], split.y_train[: recipe.train_size]
        generator = seed_everything(recipe.seed)  # the same first weights and batches
        net, history = train(recipe, x, y, x_eval=split.x_test, y_eval=split.y_test,
                             eval_every=1, generator=generator, progress=progress)
        trials.append(Trial(name, recipe, net, history))
    return trials
