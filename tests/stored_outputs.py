"""How nbval compares a chapter's checked outputs with the stored ones, on any kind of CPU
(installed by the repository's top conftest.py), and how a chapter's outputs are stored.

Each chapter names, in its metadata, the kind of CPU that ran its stored outputs (STAMP): the CPU's
name, the vector instructions torch's kernels use on it, and its cores. On that kind a chapter run
again prints every checked number exactly as stored: the CPU's arithmetic repeats to the last bit,
and nbval compares as it always does. Another kind of CPU rounds its matrix products differently
(other vector instructions, another order of summation), and a training run ends a few images away:
7.27% where the stored run printed 7.38%. The name alone does not tell the kind: an AMD EPYC with
AVX-512 (a Zen 4) prints other digits than an EPYC without it (chapter 9's read-out 3.75% against
3.62%, measured). There a checked cell passes when its text is the stored text but for its numbers,
and each number is within TOLERANCE of the stored one; a changed word, a missing line, an image or a
number far off still fails, with nbval's own report.

`python -m tests.stored_outputs NOTEBOOK ...` runs chapters top to bottom, stores their outputs in
place and stamps them with this CPU's kind, so a chapter can be stored again on whatever machine a
maintainer has, one chapter at a time.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import nbval.plugin

from ff_tutorial.runtime import cpu_model, usable_cores

#: Where a chapter's metadata names the kind of CPU that ran its stored outputs: {"cpu": the start of
#: `runtime.cpu_model()`, "vector_instructions": `vector_instructions()`, "cores": `usable_cores()`}.
STAMP = ("ff_tutorial", "outputs_stored_on")
#: How far a number printed on another kind of CPU may be from the stored one: a percentage by a
#: point (a test error a few dozen images away; the largest move seen between two kinds of CPU was
#: 0.86 points, chapter 10's one-layer network by goodness on an EPYC with AVX-512, 7.65% against
#: 8.51%), any other number by a tenth of itself (a loss, a count).
TOLERANCE = {"points": 1.0, "relative": 0.1}
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")

exact_comparison = nbval.plugin.IPyNbCell.compare_outputs


def vector_instructions() -> str:
    """The widest vector instructions torch's CPU kernels use here: "AVX2", "AVX512", ..."""
    import torch
    return torch.backends.cpu.get_cpu_capability()


def this_kind() -> dict:
    """The kind of CPU this is, as a chapter's stamp names it."""
    return {"cpu": cpu_model(), "vector_instructions": vector_instructions(), "cores": usable_cores()}


def stamp_of(nb) -> dict | None:
    """The kind of CPU that ran a notebook's stored outputs, or None if it does not say."""
    outer, inner = STAMP
    return nb.get("metadata", {}).get(outer, {}).get(inner)


def set_stamp(nb, kind: dict) -> None:
    """Name `kind` in a notebook's metadata as the kind of CPU that ran its stored outputs."""
    outer, inner = STAMP
    nb.metadata.setdefault(outer, {})[inner] = kind


def on_the_storing_kind(stamp: dict | None) -> bool:
    """Whether this CPU is of the kind `stamp` names (a notebook without a stamp is of no kind)."""
    if not stamp:
        return False
    here = this_kind()
    return (here["cpu"].startswith(stamp["cpu"]) and here["vector_instructions"] == stamp["vector_instructions"]
            and here["cores"] == stamp["cores"])


def printed_text(outputs: list, cell) -> str:
    """What a cell printed and showed as text, as nbval sanitizes it: streams, plain text, markdown."""
    pieces = []
    for output in outputs:
        if output.get("output_type") == "stream":
            pieces.append(f"{output.get('name')}: " + cell.sanitize(output.get("text", "")))
        for kind in ("text/plain", "text/markdown"):
            if kind in output.get("data", {}):
                pieces.append(f"{kind}: " + cell.sanitize(output["data"][kind]))
    return "\n".join(pieces)


def kinds(outputs: list) -> list:
    """Each output's type, stream and kinds of data, in order: these never depend on the CPU."""
    return [(o.get("output_type"), o.get("name"), sorted(o.get("data", {}))) for o in outputs]


def close(stored: str, printed: str) -> bool:
    """The same text but for numbers, each within TOLERANCE of the stored one."""
    if NUMBER.sub("#", stored) != NUMBER.sub("#", printed):
        return False
    for a, b in zip(NUMBER.finditer(stored), NUMBER.finditer(printed)):
        percent = stored.startswith("%", a.end())  # the % is text, the same on both sides
        a, b = (float(m.group().replace(",", "")) for m in (a, b))
        if abs(a - b) > (TOLERANCE["points"] if percent else TOLERANCE["relative"] * abs(a)):
            return False
    return True


def compare_outputs(self, test, ref, skip_compare=None):
    if exact_comparison(self, test, ref, skip_compare):
        return True
    if on_the_storing_kind(stamp_of(getattr(self.parent, "nb", {}))):
        return False
    # only text can be close; an image or any other output must still be exactly as stored
    if kinds(test) != kinds(ref) or any(set(data) - {"text/plain", "text/markdown"} for _, _, data in kinds(ref)):
        return False
    if close(printed_text(ref, self), printed_text(test, self)):
        self.comparison_traceback = []
        return True
    return False


@functools.lru_cache(maxsize=None)
def stored_run_seconds(path: Path) -> float:
    """How long a chapter's stored run spent in its cells, from the times Jupyter kept in each cell's
    metadata (0 for a cell without them)."""
    seconds = 0.0
    for cell in json.loads(Path(path).read_text(encoding="utf-8"))["cells"]:
        times = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in times and "shell.execute_reply" in times:
            began, ended = (datetime.fromisoformat(times[key].replace("Z", "+00:00"))
                            for key in ("iopub.execute_input", "shell.execute_reply"))
            seconds += (ended - began).total_seconds()
    return seconds


def longest_first(items: list) -> None:
    """Sort collected tests in place: the chapters in order of their stored run's time, longest first,
    each chapter's cells in order; anything that is not a chapter keeps its place after them.

    `run.sh test` runs the chapters in two processes (pytest-xdist, a chapter to a process, in this
    order: --no-loadscope-reorder); started last, a long chapter would run on alone while the other
    process sat idle.
    """
    items.sort(key=lambda item: -stored_run_seconds(item.path) if item.path.suffix == ".ipynb" else 0.0)


def store(path: Path) -> None:
    """Run a chapter top to bottom, keep its outputs in place, and stamp it with this CPU's kind. Its
    re-measurements of recorded networks stay out of the ledger of test-set looks, as in the tests."""
    jupyter = Path(sys.executable).parent / "jupyter"
    subprocess.run([str(jupyter), "execute", "--inplace", str(path)], check=True,
                   env={**os.environ, "FF_TUTORIAL_LEDGER": ""})
    nb = nbformat.read(path, as_version=4)
    set_stamp(nb, this_kind())
    nbformat.write(nb, path)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m tests.stored_outputs NOTEBOOK ...")
    for name in sys.argv[1:]:
        store(Path(name))
        print(f"stored {name} on {this_kind()}")
