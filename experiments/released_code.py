"""The recipe of Hinton's released Forward-Forward code, written again in torch, on the validation split.

Hinton published the MATLAB code of the paper's permutation-invariant supervised network
(ffcode.zip, on his web page at the University of Toronto; its training script is ffnew.m). Its
recipe differs from this book's `accurate` preset in almost every setting at once:

- a layer's goodness is the *sum* of its squared activities, and the probability that a case is
  positive is logistic(goodness - number of units): chapter 3's loss with a threshold of one per
  unit, and sharp, since each unit's worth of goodness moves the logit by one;
- each layer's input is scaled to a mean square of 1 per component (not to unit length), the image
  too, with the label written into its first ten pixels (pixels from 0 to 1);
- plain gradient steps of 0.01 on the gradient averaged over mini-batches of 100 and smoothed over
  batches (0.9 of the old plus 0.1 of the new), with a weight cost of 0.001; no Adam;
- peer normalization at 0.03, added to each unit's gradient whether it is on or off, so that a
  unit that is always off is pulled back;
- a softmax on the normalized activities of every hidden layer but the first, seen with a neutral
  label (0.1 in each label pixel), trained alongside the layers (0.1, weight cost 0.003); its belief
  picks each negative's wrong label, drawn in proportion to its probabilities;
- both learning rates constant for half the epochs, then brought down linearly to zero;
- the mini-batches made once, before training, and taken in the same order every epoch.

`python -m experiments.released_code` trains that recipe (three layers of 1,000, the code's widths;
`--epochs`, 60 by default, the paper's) from each of `--seeds` on the first 50,000 training images
and measures it on the other 10,000 as the code does: ten passes, summing the goodness of every
hidden layer but the first for each label, and one pass through the softmax. It prints the softmax's
validation error after every epoch. No test image is looked at. The record (settings, command, each
seed's errors, their mean and standard deviation, seconds, machine) goes to
results/released-code/DIMS-EPOCHS-epochs-seeds-S.json (`--path`), never replaced unless `--force`. A
run stopped (Ctrl-C) writes nothing. Three settings can be changed, one at a time, to see what
each is worth: `--weight-cost WC`, the layers' weight cost (the code's wc, 0.001); `--peer-norm
LAMBDA`, peer normalization's weight (its lambdamean, 0.03; 0 turns it off); and `--reshuffle`,
which makes the mini-batches anew each epoch. The record's name then begins wc-WC-,
peer-norm-LAMBDA- or reshuffled-.

With `--final`, the recipe is trained on all 60,000 training images, once for each of `--seeds`,
and only then measured on the test set, both ways, once: one look for all the seeds, recorded in the
ledger of test-set looks; the record goes to results/released-code/final-DIMS-EPOCHS-epochs-seeds-S.json.

With `--unsupervised`, the same layers learn without labels, as the paper's unsupervised network
does (the released code has no such mode; everything else is its recipe): the positives are the
images as they are, the negatives the package's hybrid images (two images mixed through a blobby
mask, made anew for each mini-batch), and the softmax sees the positives' activities. There is no
label to try ten times, so the readings are the code's softmax (every hidden layer but the first)
and a second softmax, trained alongside in the same way, on every hidden layer (as this package's
unsupervised read-out reads them); records are named unsupervised-....json.

With `--join RECORD ...`, the validation records of earlier runs of the same settings are brought
together as the record of `--seeds` (each seed's errors as they were measured; nothing is trained
or measured again), so that seeds run at different times have one mean and standard deviation.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from experiments.files import one_file_to_make, write_record
from ff_tutorial import load_mnist
from ff_tutorial.cli import non_negative, parse_dims, parse_seeds, positive
from ff_tutorial.data import MEAN, STD
from ff_tutorial.ledger import record_test_look, repo_relative, track_of
from ff_tutorial.negatives import hard_wrong_labels, hybrid_images
from ff_tutorial.outputs import OutputError

RESULTS = Path(__file__).resolve().parent.parent / "results" / "released-code"
LABELS = 10


@dataclass(frozen=True)
class Settings:
    """The code's settings (ffnew.m), by its own names where it has them."""

    dims: tuple = (784, 1000, 1000, 1000)
    epochs: int = 60
    batch_size: int = 100
    epsilon: float = 0.01  # learning rate of the layers
    epsilonsup: float = 0.1  # learning rate of the softmax
    delay: float = 0.9  # how much of the smoothed gradient is kept at each batch
    wc: float = 0.001  # weight cost of the layers
    supwc: float = 0.003  # weight cost of the softmax
    lambdamean: float = 0.03  # peer normalization
    first_scored: int = 1  # hidden layers below this (0-based) neither vote nor feed the softmax
    unsupervised: bool = False  # no labels: hybrid images as negatives, softmaxes the only readings
    reshuffle: bool = False  # not the code's: the batches made anew each epoch


def rms_normalize(x: torch.Tensor) -> torch.Tensor:
    """Each row scaled to a mean square of 1 per component (length sqrt(width), not 1)."""
    return x / (x.pow(2).mean(dim=1, keepdim=True).sqrt() + 1e-30)


def with_labels(pixels: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Pixels (0 to 1) with the first ten replaced by `labels`, a (N, 10) row per image."""
    return torch.cat([labels, pixels[:, LABELS:]], dim=1)


def neutral(pixels: torch.Tensor) -> torch.Tensor:
    """Pixels with the neutral label, 0.1 in each of the ten label pixels."""
    return with_labels(pixels, torch.full((len(pixels), LABELS), 1 / LABELS))


def probability_positive(h: torch.Tensor) -> torch.Tensor:
    """logistic(sum h^2 - units): the code's probability that a case is positive, one per row."""
    return torch.sigmoid(h.pow(2).sum(dim=1) - h.shape[1])


def epoch_gain(epoch: int, epochs: int) -> float:
    """The multiplier on every step in `epoch` (1-based): 1 for the first half, then linearly
    down to 1/epochs in the last. The code's own, half an epoch behind `schedules.cooled_lr`."""
    return 1.0 if epoch <= epochs / 2 else (1 + 2 * (epochs - epoch)) / epochs


class Softmax:
    """A softmax on the normalized activities of the hidden layers from `first` (0-based) up,
    trained alongside the layers by the code's smoothed steps; it never changes them."""

    def __init__(self, dims, first: int):
        self.first = first
        self.weights = [torch.zeros(b, LABELS) for b in dims[1:]]  # from each hidden layer (unused below first)
        self.grads = [torch.zeros_like(w) for w in self.weights]

    def logits(self, states) -> torch.Tensor:
        return sum(rms_normalize(h) @ w for h, w in list(zip(states, self.weights))[self.first:])

    def step(self, states, logits: torch.Tensor, targets: torch.Tensor, gain: float, s: Settings) -> None:
        """One step towards naming `targets`, from `logits` (this softmax's, on `states`)."""
        error = targets - torch.softmax(logits, dim=1)
        for layer in range(self.first, len(self.weights)):
            grad = rms_normalize(states[layer]).T @ error / len(targets)
            self.grads[layer] = s.delay * self.grads[layer] + (1 - s.delay) * grad
            self.weights[layer] += gain * s.epsilonsup * (self.grads[layer] - s.supwc * self.weights[layer])


class ReleasedCodeNetwork:
    """The layers, the softmax and their smoothed gradients, trained as ffnew.m trains them."""

    def __init__(self, settings: Settings, generator: torch.Generator):
        self.s = settings
        dims = settings.dims
        # Weights scaled by the square root of the fan-in, biases 0 (the code's start).
        self.weights = [torch.randn(a, b, generator=generator) / a ** 0.5 for a, b in zip(dims, dims[1:])]
        self.biases = [torch.zeros(b) for b in dims[1:]]
        self.weight_grads = [torch.zeros_like(w) for w in self.weights]
        self.bias_grads = [torch.zeros_like(b) for b in self.biases]
        self.mean_states = [torch.full((b,), 0.5) for b in dims[1:]]  # each unit's running mean activity
        self.softmax = Softmax(dims, settings.first_scored)
        # Without labels the softmax is only a reading, so a second one reads every layer (the
        # package's unsupervised read-out does), to be chosen between on validation.
        self.every_layer_softmax = Softmax(dims, 0) if settings.unsupervised else None

    def state_dict(self) -> dict:
        """The trained numbers, by name (what the ledger's fingerprint of a network reads)."""
        named = {}
        for k, (w, b, sup) in enumerate(zip(self.weights, self.biases, self.softmax.weights)):
            named.update({f"layer{k}.weight": w, f"layer{k}.bias": b, f"softmax.from{k}": sup})
        if self.every_layer_softmax:
            named.update({f"every_layer_softmax.from{k}": w for k, w in enumerate(self.every_layer_softmax.weights)})
        return named

    def forward(self, x: torch.Tensor):
        """(normalized inputs of each layer, activities of each layer) for images with labels written in."""
        inputs, states = [], []
        for w, b in zip(self.weights, self.biases):
            inputs.append(rms_normalize(x))
            x = torch.relu(inputs[-1] @ w + b)
            states.append(x)
        return inputs, states

    def unlabelled(self, pixels: torch.Tensor) -> torch.Tensor:
        """What the softmax sees: the images with the neutral label, or as they are without labels."""
        return pixels if self.s.unsupervised else neutral(pixels)

    def train_batch(self, pixels: torch.Tensor, targets: torch.Tensor, gain: float,
                    generator: torch.Generator) -> None:
        s = self.s
        n = len(pixels)
        # Positives: the probability that a case is positive is logistic(sum h^2 - units); the step
        # raises log p along (1 - p) h (half its gradient, the code's scale), and peer
        # normalization pulls each unit's mean activity towards its layer's.
        pos_inputs, pos_states = self.forward(pixels if s.unsupervised else with_labels(pixels, targets))
        pos_grads = []
        for layer, h in enumerate(pos_states):
            p = probability_positive(h)
            self.mean_states[layer] = 0.9 * self.mean_states[layer] + 0.1 * h.mean(dim=0)
            peer = s.lambdamean * (self.mean_states[layer].mean() - self.mean_states[layer])
            pos_grads.append((1 - p).unsqueeze(1) * h + peer)
        # The softmax sees the image with a neutral label (without labels: the positive pass
        # itself), and learns to name the true one.
        neutral_states = pos_states if s.unsupervised else self.forward(neutral(pixels))[1]
        logits = self.softmax.logits(neutral_states)
        self.softmax.step(neutral_states, logits, targets, gain, s)
        if self.every_layer_softmax:
            every = self.every_layer_softmax
            every.step(neutral_states, every.logits(neutral_states), targets, gain, s)
        # Negatives: a wrong label drawn from the softmax's belief (taken before its step), the
        # true one excluded, or without labels a hybrid image; the step lowers the probability
        # that they are positive.
        if s.unsupervised:
            negatives = hybrid_images(pixels, generator)
        else:
            negatives = with_labels(pixels, torch.eye(LABELS)[self.wrong_labels(logits, targets, generator)])
        neg_inputs, neg_states = self.forward(negatives)
        for layer, h in enumerate(neg_states):
            neg_grad = -probability_positive(h).unsqueeze(1) * h
            weight_grad = (pos_inputs[layer].T @ pos_grads[layer] + neg_inputs[layer].T @ neg_grad) / n
            bias_grad = (pos_grads[layer].sum(dim=0) + neg_grad.sum(dim=0)) / n
            self.weight_grads[layer] = s.delay * self.weight_grads[layer] + (1 - s.delay) * weight_grad
            self.bias_grads[layer] = s.delay * self.bias_grads[layer] + (1 - s.delay) * bias_grad
            self.biases[layer] += gain * s.epsilon * self.bias_grads[layer]
            self.weights[layer] += gain * s.epsilon * (self.weight_grads[layer] - s.wc * self.weights[layer])

    def wrong_labels(self, logits: torch.Tensor, targets: torch.Tensor, generator) -> torch.Tensor:
        """One wrong label per image, drawn in proportion to the softmax's belief in it."""
        return hard_wrong_labels(logits, targets.argmax(dim=1), generator)

    @torch.no_grad()
    def ten_pass_error(self, pixels: torch.Tensor, labels: torch.Tensor, chunk: int = 2000) -> float:
        """Error when each image takes the label whose passes have the most goodness, summed over
        every hidden layer but the first."""
        wrong = 0
        for start in range(0, len(pixels), chunk):
            x, goodness = pixels[start:start + chunk], []
            for label in range(LABELS):
                _, states = self.forward(with_labels(x, torch.eye(LABELS)[[label] * len(x)]))
                goodness.append(sum(h.pow(2).sum(dim=1) for h in states[self.s.first_scored:]))
            wrong += (torch.stack(goodness, dim=1).argmax(dim=1) != labels[start:start + chunk]).sum().item()
        return wrong / len(pixels)

    @torch.no_grad()
    def softmax_error(self, pixels: torch.Tensor, labels: torch.Tensor, softmax: Softmax | None = None) -> float:
        """Error of the softmax (or of `softmax`), one pass with the neutral label (or none, without labels)."""
        _, states = self.forward(self.unlabelled(pixels))
        return ((softmax or self.softmax).logits(states).argmax(dim=1) != labels).float().mean().item()


def train(settings: Settings, pixels, labels, seed: int, x_val=None, y_val=None, progress: bool = True):
    """One network of `settings` from `seed`: returns it, its softmax's validation error after each
    epoch (when validation images are given) and the seconds of training."""
    generator = torch.Generator().manual_seed(seed)
    net = ReleasedCodeNetwork(settings, generator)
    targets = torch.eye(LABELS)[labels]
    curve, seconds = [], 0.0
    for epoch in range(1, settings.epochs + 1):
        start = time.perf_counter()
        # The batches are made once and taken in the same order each epoch, as the code's are
        # (unless reshuffled: made anew each epoch, as most training loops do).
        if epoch == 1 or settings.reshuffle:
            batches = torch.randperm(len(pixels), generator=generator).split(settings.batch_size)
        gain = epoch_gain(epoch, settings.epochs)
        with torch.no_grad():
            for batch in batches:
                net.train_batch(pixels[batch], targets[batch], gain, generator)
        seconds += time.perf_counter() - start
        if x_val is not None:
            curve.append(net.softmax_error(x_val, y_val))
        if progress:
            shown = f", softmax validation error {curve[-1]:.2%}" if curve else ""
            print(f"seed {seed} epoch {epoch}/{settings.epochs} ({seconds:.0f} s){shown}", flush=True)
    return net, curve, seconds


def pixels_of(images: torch.Tensor) -> torch.Tensor:
    """The package's normalized images back to pixels from 0 to 1, as the code takes them."""
    return (images * STD + MEAN).clamp(0, 1)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m experiments.released_code", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dims", type=parse_dims, default=Settings.dims, help="layer widths, input first")
    parser.add_argument("--epochs", type=positive(int), default=Settings.epochs)
    parser.add_argument("--weight-cost", type=non_negative(float), default=Settings.wc, metavar="WC",
                        help=f"the layers' weight cost (the code's wc, {Settings.wc} by default)")
    parser.add_argument("--peer-norm", type=non_negative(float), default=Settings.lambdamean, metavar="LAMBDA",
                        help=f"peer normalization's weight (the code's lambdamean, {Settings.lambdamean}; 0: off)")
    parser.add_argument("--reshuffle", action="store_true",
                        help="make the mini-batches anew each epoch (the code makes them once)")
    parser.add_argument("--seeds", type=parse_seeds, default=[0, 1, 2], metavar="S,S,...")
    parser.add_argument("--train-size", type=positive(int), default=60_000,
                        help="train on the first this many of the training images (at most all of them)")
    parser.add_argument("--final", action="store_true",
                        help="train on all 60,000 training images and look at the test set, once")
    parser.add_argument("--unsupervised", action="store_true",
                        help="learn without labels: hybrid images as negatives, read by softmaxes trained alongside")
    parser.add_argument("--join", type=Path, nargs="+", metavar="RECORD",
                        help="write the record of --seeds from these validation records of the same settings")
    parser.add_argument("--path", type=Path, help="the record to write (default: named by the settings)")
    parser.add_argument("--force", action="store_true", help="measure again and replace the record")
    parser.add_argument("--no-progress", action="store_true", help="print only the results")
    return parser


def settings_of(args) -> Settings:
    """The settings the command line asks for."""
    return Settings(dims=args.dims, epochs=args.epochs, wc=args.weight_cost, lambdamean=args.peer_norm,
                    reshuffle=args.reshuffle, unsupervised=args.unsupervised)


def changes(settings: Settings) -> list:
    """(part of a record's name, words) for each setting changed from the code's, in a fixed order."""
    return [(part, words) for part, words, changed in (
        (f"wc-{settings.wc:g}", f"weight cost {settings.wc:g}", settings.wc != Settings.wc),
        (f"peer-norm-{settings.lambdamean:g}", f"peer normalization {settings.lambdamean:g}",
         settings.lambdamean != Settings.lambdamean),
        ("reshuffled", "batches reshuffled each epoch", settings.reshuffle)) if changed]


def results_path(args) -> Path:
    """Where a run's record goes: `--path`, or results/released-code/ under a name made of its settings."""
    hidden = "-".join(map(str, args.dims[1:]))
    seeds = "-".join(map(str, args.seeds))
    prefix = ("final-" if args.final else "") + ("unsupervised-" if args.unsupervised else "")
    prefix += "".join(f"{part}-" for part, _ in changes(settings_of(args)))
    return args.path or RESULTS / f"{prefix}{hidden}-{args.epochs}-epochs-seeds-{seeds}.json"


SAID = {"ten_passes": "ten passes", "softmax": "the softmax", "every_layer_softmax": "the softmax on every layer"}


def reading_names(settings: Settings) -> list:
    """The ways a network is read: ten passes and the softmax, or without labels the code's
    softmax and the one on every layer."""
    return ["softmax", "every_layer_softmax"] if settings.unsupervised else ["ten_passes", "softmax"]


def readings(net: ReleasedCodeNetwork) -> dict:
    """Each reading of `reading_names` as a function of (images, labels) giving an error."""
    ways = {"ten_passes": net.ten_pass_error, "softmax": net.softmax_error,
            "every_layer_softmax": lambda x, y: net.softmax_error(x, y, net.every_layer_softmax)}
    return {name: ways[name] for name in reading_names(net.s)}


def with_means(record: dict, names: list) -> tuple:
    """The record with each reading's mean and standard deviation over its runs, and their keys."""
    split = record["split"]
    keys = [f"{split}_error_{name}" for name in names] + [f"train_error_{name}" for name in names]
    for key in keys:
        values = [run[key] for run in record["runs"]]
        record[key] = statistics.mean(values)
        record[key + "_std"] = statistics.stdev(values) if len(values) > 1 else 0.0
    return record, keys


def joined(paths: list, settings: Settings, seeds: list) -> dict:
    """The runs of the validation records at `paths` as one record, refused (ValueError) unless
    each has `settings` and together they hold each of `seeds` once."""
    runs, records = [], []
    for path in paths:
        try:
            record = json.loads(Path(path).read_text())
        except (OSError, ValueError) as error:
            raise ValueError(f"cannot read {path}: {error}") from None
        # a setting a record lacks is one the code did not have yet: it ran as the default
        recorded = {**vars(Settings()), "dims": None, **record.get("settings", {})}
        if record.get("split") != "validation" or recorded != {**vars(settings), "dims": list(settings.dims)}:
            raise ValueError(f"{path} is not a validation record of these settings")
        records.append(record)
        runs += record["runs"]
    if sorted(run["seed"] for run in runs) != sorted(seeds) or len(seeds) < 2:
        raise ValueError(f"the records hold seeds {[run['seed'] for run in runs]}, not each of --seeds "
                         f"{seeds} once (at least two)")
    first = records[0]
    return {**{key: first[key] for key in ("settings", "split", "train_size", "validation_size")},
            "runs": sorted(runs, key=lambda run: seeds.index(run["seed"])),
            "joined": [{"file": repo_relative(path), "command": record["command"]}
                       for path, record in zip(paths, records)]}


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    dims = args.dims
    if len(dims) < 3 or dims[0] != 784 or min(dims) < 1:
        parser.error(f"--dims starts with 784 and has at least two hidden layers, got {','.join(map(str, dims))}")
    if args.join and args.final:
        parser.error("--join brings validation records together; a final run is one look, made at once")
    settings = settings_of(args)
    names = reading_names(settings)
    path = results_path(args)
    command = "python -m experiments.released_code " + " ".join(sys.argv[1:] if argv is None else map(str, argv))
    try:
        if not one_file_to_make(path, args.force):
            return 0
        if args.join:
            record, keys = with_means({"command": command, **joined(args.join, settings, args.seeds)}, names)
            write_record(path, record)
            print(describe(record, keys, names) + f"; wrote {path}")
            return 0
    except (OutputError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    data = load_mnist()
    if not args.final:
        data = data.validation_split()
    split = "test" if args.final else "validation"
    x, y = pixels_of(data.x_train)[:args.train_size], data.y_train[:args.train_size]
    x_held, y_held = pixels_of(data.x_test), data.y_test
    runs, nets = [], []
    for seed in args.seeds:
        # The final run's test images are not seen until every seed is trained.
        shown = (None, None) if args.final else (x_held, y_held)
        net, curve, seconds = train(settings, x, y, seed, *shown, progress=not args.no_progress)
        nets.append(net)
        # the code's own train error: the first 10,000 training images, not all of them
        run = {"seed": seed, **{f"train_error_{name}": error(x[:10_000], y[:10_000])
                                for name, error in readings(net).items()}, "train_seconds": seconds}
        if not args.final:
            run.update({f"validation_error_{name}": error(x_held, y_held) for name, error in readings(net).items()})
            run["softmax_validation_curve"] = curve
            print(f"seed {seed}: validation error " + ", ".join(
                f"{run['validation_error_' + name]:.2%} with {SAID[name]}" for name in names),
                end=" ")
        print("(train " + ", ".join(f"{run['train_error_' + name]:.2%}" for name in names)
              + f"; {seconds:.0f} s of training)", flush=True)
        runs.append(run)
    if args.final:
        for net, run in zip(nets, runs):
            run.update({f"test_error_{name}": error(x_held, y_held) for name, error in readings(net).items()})
    record, keys = with_means({"command": command, "settings": {**vars(settings), "dims": list(dims)},
                               "split": split, "train_size": len(x), f"{split}_size": len(x_held),
                               "runs": runs}, names)
    if args.final:
        changed = ([", unsupervised"] if args.unsupervised else []) + [f", {words}" for _, words in changes(settings)]
        run = (f"the released code's recipe{''.join(changed)} ({'x'.join(map(str, dims[1:]))}, {args.epochs} epochs, "
               f"{len(x):,} images, seeds {','.join(map(str, args.seeds))})")
        record["test_look"] = record_test_look(
            nets, run, "measured by python -m experiments.released_code --final",
            {key: record[key] for key in keys[:len(names)]}, track_of(0), command=command, results=path)
    write_record(path, record)
    print(describe(record, keys, names) + f"; wrote {path}"
          + (f" (look {record['test_look']} in the ledger)" if record.get("test_look") else ""))
    return 0


def describe(record: dict, keys: list, names: list) -> str:
    """The record's errors in a line: each reading's mean +- standard deviation."""
    return f"{record['split']} error: " + ", ".join(
        f"{record[key]:.2%} +- {record[key + '_std']:.2%} with {SAID[name]}"
        for key, name in zip(keys, names)) + f" (over {len(record['runs'])} seeds)"


if __name__ == "__main__":
    raise SystemExit(main())
