"""What a training run records: each layer's loss per step, and errors measured along the way."""

from __future__ import annotations

import contextlib
import time
import warnings
from dataclasses import asdict, dataclass, field


class TrainingDiverged(RuntimeError):
    """A local loss became NaN or inf; training stopped before the bad step was applied."""

    def __init__(self, message: str, history: "History"):
        super().__init__(message)
        self.history = history
        self.networks = []  # the networks, put back as they were at the last good check (the schedules fill it)


@dataclass
class History:
    """One training run. `layer_losses[k]` is layer k's loss at each of its steps.

    Evaluations are parallel lists: after `epochs[i]` epochs (counted over all layers when they
    are trained one after the other), with `layers[i]` layers trained, the errors were these.
    The FF schedules measure the held-out error only (their train_error entries are None);
    the backprop baseline records both.
    """

    layer_losses: list = field(default_factory=list)
    epochs: list = field(default_factory=list)
    layers: list = field(default_factory=list)
    train_error: list = field(default_factory=list)
    test_error: list = field(default_factory=list)
    elapsed: list = field(default_factory=list)  # seconds since the start, at each evaluation
    train_seconds: list = field(default_factory=list)  # the same, less the time spent evaluating
    seconds: float = 0.0  # training time in all, evaluations included
    interrupted: bool = False  # stopped early by Ctrl-C: the network holds what it learned so far
    epochs_completed: int = 0  # whole epochs done (counted over all layers when they take turns)
    resumed_at: list = field(default_factory=list)  # epochs done when each resumed process took over
    seconds_before_resume: float = 0.0  # of `seconds`, those spent by the processes before the last resume
    readout: "History | None" = None  # the read-out's own History, when a recipe trained one
    warnings: list = field(default_factory=list)
    _start: float = field(default_factory=time.perf_counter, repr=False)
    _evaluating: float = field(default=0.0, repr=False)  # seconds spent on evaluations so far

    @classmethod
    def for_layers(cls, n: int) -> "History":
        return cls(layer_losses=[[] for _ in range(n)])

    def record(self, epoch: int, layers: int, train_error=None, test_error=None,
               eval_seconds: float = 0.0) -> None:
        """Errors after `epoch` epochs; `eval_seconds` is what measuring them took."""
        self._evaluating += eval_seconds
        self.epochs.append(epoch)
        self.layers.append(layers)
        self.train_error.append(train_error)
        self.test_error.append(test_error)
        self.elapsed.append(time.perf_counter() - self._start)
        self.train_seconds.append(self.elapsed[-1] - self._evaluating)

    def warn(self, message: str) -> None:
        """Say something went wrong, once: here in `warnings` and as a Python warning."""
        if message not in self.warnings:
            self.warnings.append(message)
            warnings.warn(message, stacklevel=3)

    def finish(self) -> "History":
        self.seconds = time.perf_counter() - self._start
        return self

    def to_dict(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if not k.startswith("_")}
        d["readout"] = self.readout.to_dict() if self.readout else None
        return d


def is_due(epoch: int, epochs: int, every: int | None) -> bool:
    """Whether to measure after `epoch` (counted from 0): every `every` epochs, and after the last."""
    return bool(every) and ((epoch + 1) % every == 0 or epoch + 1 == epochs)


@contextlib.contextmanager
def interruptible(histories, verbose: bool = True):
    """Ctrl-C ends training early but keeps what was learned, marks the histories, and says so."""
    histories = histories if isinstance(histories, list) else [histories]
    try:
        yield
    except KeyboardInterrupt:
        for history in histories:
            history.interrupted = True
        if verbose:
            print("Interrupted: returning the network as trained so far, with its history.")
    finally:
        for history in histories:
            history.finish()
