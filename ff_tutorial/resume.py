"""Going on where a stopped run left off: a training run's state, on disk after its epochs.

A long run need not start again because a laptop was closed or a Colab runtime disconnected. Given
a state file, a schedule writes into it, after an epoch (at most every 30 seconds, and after the
last), everything the next epoch depends on: the weights, the optimizer's moments and step counts,
each network's generator, the histories, and how far through the schedule the run is. Started again
with the same file, a run first checks that it is the same run (the same settings, the same images,
the same first weights), then goes on from the epoch after the last one written. On the CPU the
networks it ends with are bit for bit those of a run never stopped (tests/test_resume.py). What an
unfinished epoch did is lost: its batches are taken again.
"""

from __future__ import annotations

import hashlib
import io
import time
from pathlib import Path

import torch

from .ledger import fingerprint
from .outputs import describe, write_atomically

FORMAT, VERSION = "ff_tutorial.TrainingState", 1
# What of a History is carried over; the rest (timers) is carried as seconds.
HISTORY_FIELDS = ("layer_losses", "epochs", "layers", "train_error", "test_error", "elapsed",
                  "train_seconds", "epochs_completed", "warnings", "resumed_at")


class StateError(RuntimeError):
    """A state file that cannot be resumed from: not one, unreadable, or another run's."""


def data_fingerprint(*tensors) -> str:
    """The SHA-256 of the training images and labels: a run resumes on the images it started on."""
    digest = hashlib.sha256()
    for t in tensors:
        if t is not None:
            digest.update(t.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def epochs_saved(path) -> int:
    """How many epochs the state in `path` had done (read by a run that was stopped, to say so)."""
    state = torch.load(io.BytesIO(Path(path).expanduser().read_bytes()), map_location="cpu", weights_only=True)
    return state["histories"][0]["epochs_completed"]


class TrainingState:
    """The state file of one run (`path`), and what identifies the run (`identity`, a dict of plain
    values: the schedule's settings, the data's and the first weights' fingerprints)."""

    # Seconds between two writes at least, but for a phase's last epoch: the blog's recipe takes
    # an epoch in a step, and writing its state 3,000 times would take longer than the training.
    every = 30.0

    def __init__(self, path, identity: dict):
        self.path, self.identity = Path(path).expanduser(), identity
        self.saved = None  # the state read from the file, until the run has caught up with it
        self.written = time.perf_counter()  # a start counts as a write: the first comes `every` later

    @classmethod
    def of(cls, path, nets: list, settings: dict, *data) -> "TrainingState":
        """The state of a run of `nets` (as they are now, before training) on `data`."""
        return cls(path, dict(settings, networks=[net.config.to_dict() for net in nets],
                              started_from=[fingerprint(net) for net in nets],
                              data=data_fingerprint(*data)))

    def read(self) -> dict | None:
        """The state in the file, checked to be this run's; None when there is no file yet."""
        if not self.path.exists():
            return None
        try:
            state = torch.load(io.BytesIO(self.path.read_bytes()), map_location="cpu", weights_only=True)
        except OSError as error:
            raise StateError(f"cannot read the training state {self.path}: {describe(error)}") from None
        except Exception as error:
            raise StateError(f"{self.path} is not a training state this package can read: {error}") from None
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise StateError(f"{self.path} is not an ff_tutorial training state; name a new file to "
                             f"start a run, or the one a stopped run wrote to go on with it")
        if state.get("version") != VERSION:
            raise StateError(f"{self.path} is a training state of version {state.get('version')}; this "
                             f"version of ff_tutorial reads version {VERSION}")
        theirs = state.get("identity", {})
        differ = sorted(k for k in set(theirs) | set(self.identity) if theirs.get(k) != self.identity.get(k))
        if differ:
            raise StateError(f"{self.path} holds the state of another run: it differs from this one in "
                             f"{', '.join(differ)}. Give the command that started it, or name a new file")
        return state

    def write(self, engine, histories: list, generators: list, position: tuple, last: bool = False) -> None:
        """The state after a whole epoch, `position` (phase, epochs of that phase done), if `every`
        seconds have passed since the last write or the epoch is its phase's `last`."""
        now = time.perf_counter()
        if now - self.written < self.every and not last:
            return
        state = dict(
            format=FORMAT, version=VERSION, identity=self.identity, position=list(position),
            weights=[t.detach().cpu() for t in engine.weights], biases=[t.detach().cpu() for t in engine.biases],
            means=[t.detach().cpu() for t in engine.means], optimizer=engine.optimizer.state_dict(),
            generators=[g.get_state() for g in generators],
            histories=[dict({k: getattr(h, k) for k in HISTORY_FIELDS}, seconds=now - h._start,
                            evaluating=h._evaluating) for h in histories])
        buffer = io.BytesIO()
        torch.save(state, buffer)
        write_atomically(self.path, buffer.getvalue())
        self.written = time.perf_counter()

    @torch.no_grad()
    def restore(self, engine, histories: list) -> tuple | None:
        """Put the saved weights, optimizer state and histories in place; returns the position to go
        on from, or None when there is nothing saved. The generators follow in `catch_up`."""
        state = self.saved = self.read()
        if state is None:
            return None
        for mine, theirs in zip(engine.weights + engine.biases + engine.means,
                                state["weights"] + state["biases"] + state["means"]):
            mine.copy_(theirs)
        engine.optimizer.load_state_dict(state["optimizer"])
        engine.saved = engine.snapshot()  # the last good check, should this run diverge
        now = time.perf_counter()
        for history, saved in zip(histories, state["histories"]):
            for k in HISTORY_FIELDS:
                setattr(history, k, saved[k])
            history.resumed_at = history.resumed_at + [history.epochs_completed]
            history.seconds_before_resume = saved["seconds"]
            history._start, history._evaluating = now - saved["seconds"], saved["evaluating"]
        return tuple(state["position"])

    def catch_up(self, generators: list) -> None:
        """Set each generator where it was when the state was written: done right before the first
        epoch taken again, after whatever the schedule drew before its epochs (as it did then)."""
        if self.saved is not None:
            for g, saved in zip(generators, self.saved["generators"]):
                g.set_state(saved)
            self.saved = None
