"""The ledger of test-set looks: one line for every time a result is measured on MNIST's test set.

Settings are chosen on the validation split, and the test set gives each recipe's final number,
once. A rule like that is only as good as its record, so the record is kept by the code: each
look appends one JSON line to `results/test-looks.jsonl` (never rewritten), with the run, the
command, the date, why, the errors seen, the file that keeps them and the SHA-256 of each
network's weights. Measuring a network already in the ledger again is not a new look (the same
weights give the same answer). Measurements on the validation split are never recorded.
`python -m ff_tutorial train` and `evaluate` record their looks themselves; a chapter records the
test errors of its own networks with `record_chapter_look`; other code that measures on the test
set calls `record_test_look`.

FF_TUTORIAL_LEDGER names another file; set to an empty string, nothing is recorded (the tests
do that). Installed without the repository, there is no ledger unless the variable names one.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import torch

#: The repository's ledger (used only when the repository's results/ folder is there).
REPO_LEDGER = Path(__file__).resolve().parent.parent / "results" / "test-looks.jsonl"
REPO = REPO_LEDGER.parent.parent

TRACKS = ("permutation-invariant", "image priors", "ensemble")
#: "final": a recipe's number; "tuning": a run that measured the test set while training;
#: "chapter": a chapter's own small network, measured to show what it learned (it chooses nothing);
#: "interrupted": a run stopped before its training ended, measured as it stood (the look counts all the same).
KINDS = ("final", "tuning", "chapter", "interrupted")


def ledger_path() -> Path | None:
    """Where looks are recorded now, or None for nowhere."""
    named = os.environ.get("FF_TUTORIAL_LEDGER")
    if named is not None:
        return Path(named) if named else None
    return REPO_LEDGER if REPO_LEDGER.parent.is_dir() else None


def fingerprint(net: torch.nn.Module) -> str:
    """The SHA-256 of a network's weights and buffers, by name: the same network, the same fingerprint.

    A network loaded from a checkpoint stored in 16 bits is the trained network rounded: while its
    weights are still those it was loaded with, it has the trained network's fingerprint, so that
    measuring it again is no new look; trained further, it is a network of its own.
    """
    digest = hashlib.sha256()
    for name, tensor in sorted(net.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    loaded_as, trained_as = getattr(net, "rounded_from", (None, None))
    return trained_as if digest.hexdigest() == loaded_as else digest.hexdigest()


def looks(path=None) -> list:
    """Every look recorded so far, oldest first."""
    path = ledger_path() if path is None else Path(path)
    if path is None or not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def track_of(jitter: int, networks: int = 1, receptive_fields=(), readout_jitter: int = 0) -> str:
    """A result's track: several networks answering together are an ensemble, never a track's
    headline; images shifted in training (the layers' or the read-out's), or local receptive
    fields, use an image prior; otherwise permutation-invariant."""
    if networks > 1:
        return "ensemble"
    return "image priors" if jitter or readout_jitter or receptive_fields else "permutation-invariant"


def seen_before(prints: list, together: bool, before: list) -> bool:
    """Whether these networks were measured so already: each alone, or exactly these together."""
    if together:
        return any(look.get("together") and set(look.get("networks") or []) == set(prints) for look in before)
    alone = {fp for look in before if not look.get("together") for fp in look.get("networks") or []}
    return all(fp in alone for fp in prints)


def record_test_look(nets: list, run: str, why: str, errors: dict, track: str | None,
                     command: str | None = None, together: bool = False, kind: str = "final",
                     results=None, path=None) -> int | None:
    """Append one look at the test set, unless it re-measures what the ledger has already seen.

    `nets` were measured each alone, or (`together`) as one ensemble; `errors` are the test errors
    seen (name -> value); `track` is one of TRACKS, or None where it is not known; `kind` is one
    of KINDS; `results` is the file the caller writes the errors to, if any (kept relative to the
    repository when it lies inside, so that the results table can find it). Returns the look's
    number (1 for the first), or None when nothing was recorded (a re-measurement, or no ledger).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if track is not None and track not in TRACKS:
        raise ValueError(f"track must be one of {TRACKS} or None, got {track!r}")
    path = ledger_path() if path is None else Path(path)
    if path is None:
        return None
    before = looks(path)
    prints = [fingerprint(net) for net in nets]
    if seen_before(prints, together, before):
        return None
    entry = dict(number=len(before) + 1, date=time.strftime("%Y-%m-%d"), run=run, track=track, kind=kind,
                 command=command, why=why, together=together, **{k: round(v, 6) for k, v in errors.items()},
                 networks=prints)
    if results is not None:
        entry["file"] = repo_relative(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:  # appended, never rewritten: the ledger only grows
        f.write(json.dumps(entry) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return entry["number"]


def repo_relative(path) -> str:
    """A path as the ledger keeps it: relative to the repository where it lies inside, else absolute."""
    path = Path(path).resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def record_chapter_look(chapter: int, nets: list, errors: dict,
                        track: str | None = "permutation-invariant") -> None:
    """A chapter's look at the test set: its networks, measured to show what they learned.

    Run again on the same machine, a chapter trains the same weights, so it adds no line; run with
    other parameters, or where the arithmetic differs (a GPU), it has looked again, and the ledger
    says so. Returns nothing, so that a chapter's cell shows no number for it.
    """
    notebooks = sorted(REPO.glob(f"notebooks/{chapter:02d}_*.ipynb"))
    where = f"notebooks/{notebooks[0].name}" if notebooks else f"chapter {chapter}'s notebook"
    record_test_look(nets, f"chapter {chapter}", "a chapter's networks, measured to show what they learned; "
                     "they choose nothing", errors, track, command=where, kind="chapter")


def counts(path=None) -> dict:
    """How many times each run looked at the test set: {run: number of looks}."""
    tally = {}
    for look in looks(path):
        tally[look["run"]] = tally.get(look["run"], 0) + 1
    return tally
