"""The released code's layers with the paper's top-down recurrence, on the validation split.

The recurrent network of chapter 13 (`RecurrentFFNetwork`) learns with this package's layers: a
goodness that is a mean of squares, the symmetric loss, Adam. On the permutation-invariant track
the recipe of Hinton's released code (`experiments.released_code`) did better than those layers on
validation (Results page). This experiment gives the recurrent network that recipe, everything
else as chapter 13 has it (a clamped image below, a clamped label above, damped synchronous
updates from the previous step's neighbours, goodness over iterations 3-5 predicting):

- each layer's goodness is the sum of its squared activities, and the probability that a case
  is positive logistic(goodness - units), at every iteration, from its damped state;
- what a layer hears (the image, its neighbours' states, the one-hot label) is scaled to a mean
  square of 1 per component;
- the gradient of the batch's iterations, averaged, is smoothed over batches (0.9 of the old,
  0.1 of the new) and taken in plain steps of 0.01 with a weight cost of 0.001 (not on biases);
  the steps are constant for half the epochs, then brought down linearly;
- peer normalization (0.03) pulls each unit's mean activity on positives towards its layer's,
  whether the unit is on or off; the running means move once a batch;
- the wrong label of each negative is drawn once an epoch in proportion to the network's belief,
  a softmax over each label's goodness logit averaged over the layers and scoring iterations.

The image's input to the first layer is the same at every iteration: it is made once per batch,
its gradient summed over the iterations. `python -m experiments.released_recurrent` trains two
hidden layers of 500 for 20 epochs (chapter 13's chosen size and length, to compare like with
like) from each of `--seeds` on the first 50,000 training images, prints the validation error
after each epoch, and writes one record per seed (settings, command, validation and train error,
the validation curve, seconds, machine) to results/released-recurrent/HIDDEN-EPOCHS-epochs-seed-S.json
(beginning peer-norm-LAMBDA- with `--peer-norm`), never replaced unless `--force`. No test image is
looked at.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from experiments.files import one_file_to_make, write_record
from experiments.released_code import epoch_gain, pixels_of, rms_normalize
from ff_tutorial import load_mnist
from ff_tutorial.cli import non_negative, parse_seeds, positive
from ff_tutorial.negatives import hard_wrong_labels
from ff_tutorial.network import mistake_rate
from ff_tutorial.outputs import OutputError
from ff_tutorial.recurrent_training import one_hot_rows

RESULTS = Path(__file__).resolve().parent.parent / "results" / "released-recurrent"
LABELS = 10


@dataclass(frozen=True)
class Settings:
    hidden: tuple = (500, 500)
    epochs: int = 20
    batch_size: int = 100
    iterations: int = 8  # synchronous updates after the bottom-up pass (the paper's)
    damping: float = 0.3  # the share of the old state kept at each update (the paper's)
    score_iterations: tuple = (3, 4, 5)  # whose goodness predicts (the paper's)
    epsilon: float = 0.01  # the code's step size
    delay: float = 0.9  # how much of the smoothed gradient is kept at each batch
    wc: float = 0.001  # weight cost, on the weights only
    lambdamean: float = 0.03  # peer normalization


class ReleasedRecurrentNetwork:
    """Hidden layers between the image (below) and the label (above), each with bottom-up weights
    (and the bias) from the layer below and top-down weights from the layer above."""

    def __init__(self, s: Settings, generator: torch.Generator):
        self.s = s
        below, above = [784, *s.hidden[:-1]], [*s.hidden[1:], LABELS]
        # Weights scaled by the square root of the fan-in, biases 0 (the released code's start).
        self.up = [torch.randn(a, b, generator=generator) / a ** 0.5 for a, b in zip(below, s.hidden)]
        self.down = [torch.randn(a, b, generator=generator) / a ** 0.5 for a, b in zip(above, s.hidden)]
        self.biases = [torch.zeros(b) for b in s.hidden]
        self.smoothed = [torch.zeros_like(p) for p in self.parameters()]
        self.mean_states = [torch.full((b,), 0.5) for b in s.hidden]  # each unit's running mean on positives

    def parameters(self) -> list:
        return [*self.up, *self.down, *self.biases]

    def state_dict(self) -> dict:
        """The trained numbers, by name."""
        return {f"{kind}{k}": p for kind, group in (("up", self.up), ("down", self.down), ("bias", self.biases))
                for k, p in enumerate(group)}

    def from_image(self, pixels: torch.Tensor) -> torch.Tensor:
        """The first layer's input from the image (with its bias): the same at every iteration."""
        return rms_normalize(pixels) @ self.up[0] + self.biases[0]

    def bottom_up(self, from_image: torch.Tensor) -> list:
        """The starting states: one pass up from the image, nothing yet from above."""
        states = [torch.relu(from_image)]
        for up, bias in zip(self.up[1:], self.biases[1:]):
            states.append(torch.relu(rms_normalize(states[-1]) @ up + bias))
        return states

    def update(self, states: list, from_image: torch.Tensor, labels: torch.Tensor) -> tuple:
        """One damped synchronous update of every layer from its neighbours' previous states;
        returns the new states and each layer's total input (before the ReLU)."""
        heard = [rms_normalize(h) for h in states]
        above = heard[1:] + [rms_normalize(labels)]
        new, inputs = [], []
        for k, (h, a) in enumerate(zip(states, above)):
            z = from_image if k == 0 else heard[k - 1] @ self.up[k] + self.biases[k]
            z = z + a @ self.down[k]
            new.append(self.s.damping * h + (1 - self.s.damping) * torch.relu(z))
            inputs.append(z)
        return new, inputs

    def train_batch(self, pixels: torch.Tensor, y: torch.Tensor, y_negative: torch.Tensor, gain: float) -> None:
        s, n = self.s, len(pixels)
        params = self.parameters()
        for p in params:
            p.requires_grad_()
        from_image = self.from_image(pixels)
        with torch.no_grad():  # the bottom-up pass sees no label: one start for both copies
            states = [h.repeat(2, 1) for h in self.bottom_up(from_image)]
        from_image = from_image.repeat(2, 1)
        labels = one_hot_rows(torch.cat([y, y_negative]))
        peers = [s.lambdamean * (m.mean() - m) for m in self.mean_states]
        objective, positive_means = 0, [0] * len(states)
        for _ in range(s.iterations):
            new, inputs = self.update(states, from_image, labels)
            for k, (h, z) in enumerate(zip(new, inputs)):
                logit = h.pow(2).sum(dim=1) - h.shape[1]
                # half of log p(positive) + log p(negative is not): the released code's scale
                objective = objective + 0.5 * (F.logsigmoid(logit[:n]).sum() + F.logsigmoid(-logit[n:]).sum())
                # peer normalization, on every unit's input, on or off (the code's)
                objective = objective + (z[:n] * peers[k]).sum()
                positive_means[k] = positive_means[k] + h[:n].detach().mean(dim=0) / s.iterations
            states = [h.detach() for h in new]  # no gradient reaches another layer or an earlier step
        (objective / (s.iterations * n)).backward()
        with torch.no_grad():
            for k, m in enumerate(positive_means):
                self.mean_states[k] = 0.9 * self.mean_states[k] + 0.1 * m
            weights = len(self.up) + len(self.down)
            for i, (p, smoothed) in enumerate(zip(params, self.smoothed)):
                smoothed.mul_(s.delay).add_(p.grad, alpha=1 - s.delay)
                step = smoothed - s.wc * p if i < weights else smoothed
                p.add_(step, alpha=gain * s.epsilon)  # a step up the objective
                p.grad = None
                p.requires_grad_(False)

    @torch.no_grad()
    def scores(self, pixels: torch.Tensor, chunk: int = 1000) -> torch.Tensor:
        """(N, 10): each label's goodness logit, summed over the layers and the scoring iterations."""
        steps, out = self.s.score_iterations, []
        for x in pixels.split(chunk):
            n = len(x)
            from_image = self.from_image(x)
            states = [h.repeat(LABELS, 1) for h in self.bottom_up(from_image)]  # label-blind: once
            from_image = from_image.repeat(LABELS, 1)
            labels = one_hot_rows(torch.arange(LABELS).repeat_interleave(n))  # label-major rows
            total = torch.zeros(LABELS * n)
            for t in range(1, max(steps) + 1):
                states, _ = self.update(states, from_image, labels)
                if t in steps:
                    total += sum(h.pow(2).sum(dim=1) - h.shape[1] for h in states)
            out.append(total.view(LABELS, n).T)
        return torch.cat(out)

    def error(self, pixels: torch.Tensor, y: torch.Tensor) -> float:
        return mistake_rate(self.scores(pixels).argmax(dim=1), y)


def train(s: Settings, pixels, y, seed: int, x_val=None, y_val=None, progress: bool = True):
    """One network from `seed`: returns it, its validation error after each epoch (when validation
    images are given) and the seconds of training (the drawing of negatives included)."""
    generator = torch.Generator().manual_seed(seed)
    net = ReleasedRecurrentNetwork(s, generator)
    curve, seconds = [], 0.0
    for epoch in range(1, s.epochs + 1):
        start = time.perf_counter()
        # the network's belief: its mean goodness logit per layer and scoring iteration
        belief = net.scores(pixels) / (len(s.hidden) * len(s.score_iterations))
        wrong = hard_wrong_labels(belief, y, generator)
        gain = epoch_gain(epoch, s.epochs)
        for batch in torch.randperm(len(pixels), generator=generator).split(s.batch_size):
            net.train_batch(pixels[batch], y[batch], wrong[batch], gain)
        seconds += time.perf_counter() - start
        if x_val is not None:
            curve.append(net.error(x_val, y_val))
        if progress:
            shown = f", validation error {curve[-1]:.2%}" if curve else ""
            print(f"seed {seed} epoch {epoch}/{s.epochs} ({seconds:.0f} s){shown}", flush=True)
    return net, curve, seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m experiments.released_recurrent", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden", type=lambda text: tuple(positive(int)(w) for w in text.split(",")),
                        default=Settings.hidden, help="hidden layer widths, comma-separated")
    parser.add_argument("--epochs", type=positive(int), default=Settings.epochs)
    parser.add_argument("--peer-norm", type=non_negative(float), default=Settings.lambdamean, metavar="LAMBDA",
                        help=f"peer normalization's weight ({Settings.lambdamean}; 0: off)")
    parser.add_argument("--seeds", type=parse_seeds, default=[0], metavar="S,S,...")
    parser.add_argument("--train-size", type=positive(int), default=50_000,
                        help="train on the first this many of the 50,000 training images left by validation")
    parser.add_argument("--validation-size", type=positive(int), default=10_000,
                        help="the last this many training images (at most 10,000)")
    parser.add_argument("--folder", type=Path, default=RESULTS, help="where the records go (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="measure again and replace a record")
    parser.add_argument("--no-progress", action="store_true", help="print only the results")
    return parser


def settings_of(args) -> Settings:
    """The settings the command line asks for."""
    return Settings(hidden=tuple(args.hidden), epochs=args.epochs, lambdamean=args.peer_norm)


def record_paths(args) -> dict:
    """{seed: where its record goes}: in `--folder`, named by the settings changed and the seed."""
    s = settings_of(args)
    peer = "" if s.lambdamean == Settings.lambdamean else f"peer-norm-{s.lambdamean:g}-"
    return {seed: args.folder / f"{peer}{'-'.join(map(str, s.hidden))}-{s.epochs}-epochs-seed-{seed}.json"
            for seed in args.seeds}


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    s = settings_of(args)
    command = "python -m experiments.released_recurrent " + " ".join(sys.argv[1:] if argv is None else map(str, argv))
    try:
        paths = record_paths(args)
        todo = [seed for seed, path in paths.items() if one_file_to_make(path, args.force)]
    except OutputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    data = load_mnist().validation_split()
    x, y = pixels_of(data.x_train)[:args.train_size], data.y_train[:args.train_size]
    x_val, y_val = pixels_of(data.x_test)[:args.validation_size], data.y_test[:args.validation_size]
    for seed in todo:
        net, curve, seconds = train(s, x, y, seed, x_val, y_val, progress=not args.no_progress)
        record = {"command": command, "settings": asdict(s), "split": "validation", "seed": seed,
                  "train_size": len(x), "validation_size": len(x_val),
                  "validation_error": curve[-1], "train_error": net.error(x[:10_000], y[:10_000]),
                  "validation_curve": curve, "train_seconds": seconds}
        write_record(paths[seed], record)
        print(f"seed {seed}: validation error {record['validation_error']:.2%} (train {record['train_error']:.2%},"
              f" first 10,000 images; {seconds:.0f} s of training)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
