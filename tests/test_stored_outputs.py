"""The comparison of checked chapter outputs (stored_outputs.py): exact on the kind of CPU that stored
them, as the chapter's stamp names it, the same text with close numbers on another kind of CPU, and
never more lenient than that."""

import json
from pathlib import Path

import nbformat
import pytest

from tests import stored_outputs

ROOT = Path(__file__).resolve().parent.parent
STORING_KIND = {"cpu": "AMD EPYC", "vector_instructions": "AVX2", "cores": 2}


class Cell:
    """What nbval's cell gives the comparison: its sanitizer, its skips, its report, and its notebook
    (stamped by the kind of CPU that stored it)."""

    def __init__(self, stamp=STORING_KIND):
        self.comparison_traceback = []
        nb = nbformat.from_dict({"metadata": {}, "cells": []})
        if stamp:
            stored_outputs.set_stamp(nb, stamp)
        self.parent = type("Parent", (), {"skip_compare": ("metadata", "execution_count"), "nb": nb})()
        self.colors = type("Colors", (), {"FAIL": "", "ENDC": "", "OKBLUE": "", "OKGREEN": ""})()

    def sanitize(self, s):
        return s

    def format_output_compare(self, key, stored, printed):
        self.comparison_traceback.append(f"{key}: {stored!r} != {printed!r}")


def printed(text):
    return [nbformat.from_dict({"output_type": "stream", "name": "stdout", "text": text})]


STORED = "epoch 1: validation error 18.50%\nepoch 2: validation error 7.38%, 1,234 images\n"


@pytest.mark.parametrize("text, passes", [
    ("epoch 1: validation error 18.50%\nepoch 2: validation error 7.38%, 1,234 images\n", True),  # as stored
    ("epoch 1: validation error 18.20%\nepoch 2: validation error 7.27%, 1,236 images\n", True),  # a few images away
    ("epoch 1: validation error 18.50%\nepoch 2: validation error 9.38%, 1,234 images\n", False),  # two points off
    ("epoch 1: validation error 18.50%\nepoch 2: validation error 7.38%, 1,434 images\n", False),  # a count 16% off
    ("epoch 2: validation error 18.50%\nepoch 2: validation error 7.38%, 1,234 images\n", False),  # another epoch
    ("epoch 1: validation error 18.50\nepoch 2: validation error 7.38%, 1,234 images\n", False),  # a lost % sign
    ("epoch 1: validation error 18.50%\nepoch 2: training error 7.38%, 1,234 images\n", False),  # a changed word
    ("epoch 1: validation error 18.50%\n", False),  # a missing line
])
def test_on_another_kind_of_cpu_only_numbers_may_move_and_only_a_little(monkeypatch, text, passes):
    monkeypatch.setattr(stored_outputs, "cpu_model", lambda: "Intel(R) Xeon(R) Processor")
    assert stored_outputs.compare_outputs(Cell(), printed(text), printed(STORED)) is passes


def storing_kind(monkeypatch, vector_instructions="AVX2", cores=2):
    monkeypatch.setattr(stored_outputs, "cpu_model", lambda: "AMD EPYC 7B13 64-Core Processor")
    monkeypatch.setattr(stored_outputs, "vector_instructions", lambda: vector_instructions)
    monkeypatch.setattr(stored_outputs, "usable_cores", lambda: cores)


def test_on_the_cpu_that_stored_the_outputs_every_digit_counts(monkeypatch):
    storing_kind(monkeypatch)
    close = STORED.replace("7.38%", "7.37%")
    assert stored_outputs.compare_outputs(Cell(), printed(STORED), printed(STORED))
    assert not stored_outputs.compare_outputs(Cell(), printed(close), printed(STORED))


@pytest.mark.parametrize("other", [{"vector_instructions": "AVX512"}, {"cores": 8}])
def test_a_cpu_of_the_same_name_with_other_vector_instructions_or_cores_is_another_kind(monkeypatch, other):
    storing_kind(monkeypatch, **other)
    close = STORED.replace("7.38%", "7.37%")
    assert stored_outputs.compare_outputs(Cell(), printed(close), printed(STORED))


def test_each_chapter_is_compared_by_its_own_stamp(monkeypatch):
    """A chapter stored again on another machine is exact there, and close on the kind of the others."""
    storing_kind(monkeypatch)
    close = STORED.replace("7.38%", "7.37%")
    elsewhere = Cell({"cpu": "Intel(R) Xeon(R) Processor", "vector_instructions": "AVX512", "cores": 2})
    assert stored_outputs.compare_outputs(elsewhere, printed(close), printed(STORED))
    assert not stored_outputs.compare_outputs(Cell(), printed(close), printed(STORED))
    # a notebook that does not say where it was stored is exact nowhere
    assert stored_outputs.compare_outputs(Cell(stamp=None), printed(close), printed(STORED))


def test_every_chapter_names_the_kind_of_cpu_that_stored_it():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        stamp = stored_outputs.stamp_of(json.loads(path.read_text()))
        assert stamp and set(stamp) == {"cpu", "vector_instructions", "cores"}, path.name


@pytest.mark.slow  # a kernel starts
def test_storing_a_chapter_runs_it_and_stamps_this_kind(tmp_path):
    """`python -m tests.stored_outputs` keeps the outputs of a real run and names this CPU's kind."""
    path = tmp_path / "chapter.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    stored_outputs.store(path)
    stored = nbformat.read(path, as_version=4)
    assert stored.cells[0].outputs[0]["text"] == "42\n"
    assert stored_outputs.stamp_of(stored) == stored_outputs.this_kind()
    assert stored_outputs.stored_run_seconds(path) > 0  # Jupyter kept the cell's times


def timed_chapter(path: Path, *seconds: float) -> Path:
    """A chapter whose stored run spent `seconds` in its cells, and has one cell that never ran."""
    cells = [nbformat.v4.new_code_cell("pass", metadata={"execution": {
        "iopub.execute_input": "2026-12-03T10:00:00.000000Z",
        "shell.execute_reply": f"2026-12-03T10:00:{s:09.6f}Z"}}) for s in seconds]
    nbformat.write(nbformat.v4.new_notebook(cells=cells + [nbformat.v4.new_code_cell("pass")]), path)
    return path


def test_a_chapters_stored_run_time_is_the_time_its_cells_took(tmp_path):
    assert stored_outputs.stored_run_seconds(timed_chapter(tmp_path / "a.ipynb", 1.5, 2.25)) == 3.75
    assert stored_outputs.stored_run_seconds(timed_chapter(tmp_path / "b.ipynb")) == 0.0


class Item:
    """What the ordering reads of a collected test: its file; `name` says which it is."""

    def __init__(self, path: Path, cell: int):
        self.path, self.name = path, (path.name, cell)


def test_the_chapters_run_longest_first_each_with_its_cells_in_order(tmp_path):
    """So that two processes finish together: the order the top conftest.py gives nbval's items."""
    times = {"01_short.ipynb": 1.0, "02_long.ipynb": 5.0, "03_middle.ipynb": 3.0}
    paths = {name: timed_chapter(tmp_path / name, seconds) for name, seconds in times.items()}
    items = [Item(paths[name], cell) for name in sorted(times) for cell in (0, 1)] + [Item(ROOT / "conftest.py", 0)]
    stored_outputs.longest_first(items)
    assert [i.name for i in items] == [("02_long.ipynb", 0), ("02_long.ipynb", 1), ("03_middle.ipynb", 0),
                                       ("03_middle.ipynb", 1), ("01_short.ipynb", 0), ("01_short.ipynb", 1),
                                       ("conftest.py", 0)]


def test_an_image_must_match_exactly_on_any_cpu(monkeypatch):
    monkeypatch.setattr(stored_outputs, "cpu_model", lambda: "Intel(R) Xeon(R) Processor")
    shown, other = ([nbformat.from_dict({"output_type": "display_data", "metadata": {},
                                         "data": {"image/png": png, "text/plain": "<Figure>"}})]
                    for png in ("iVBORw0KGgo=A", "iVBORw0KGgo=B"))
    assert not stored_outputs.compare_outputs(Cell(), other, shown)
