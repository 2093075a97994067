"""The comparison of checked chapter outputs (stored_outputs.py): exact on the CPU that stored them,
the same text with close numbers on another kind of CPU, and never more lenient than that."""

import nbformat
import pytest

from tests import stored_outputs


class Cell:
    """What nbval's cell gives the comparison: its sanitizer, its skips and its report."""

    def __init__(self):
        self.comparison_traceback = []
        self.parent = type("Parent", (), {"skip_compare": ("metadata", "execution_count")})()
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


def storing_kind(monkeypatch, vector_instructions=stored_outputs.STORED_WITH):
    monkeypatch.setattr(stored_outputs, "cpu_model", lambda: stored_outputs.STORED_ON + " 7B13 64-Core Processor")
    monkeypatch.setattr(stored_outputs, "vector_instructions", lambda: vector_instructions)


def test_on_the_cpu_that_stored_the_outputs_every_digit_counts(monkeypatch):
    storing_kind(monkeypatch)
    close = STORED.replace("7.38%", "7.37%")
    assert stored_outputs.compare_outputs(Cell(), printed(STORED), printed(STORED))
    assert not stored_outputs.compare_outputs(Cell(), printed(close), printed(STORED))


def test_a_cpu_of_the_same_name_with_other_vector_instructions_is_another_kind(monkeypatch):
    storing_kind(monkeypatch, vector_instructions="AVX512")
    close = STORED.replace("7.38%", "7.37%")
    assert stored_outputs.compare_outputs(Cell(), printed(close), printed(STORED))


def test_an_image_must_match_exactly_on_any_cpu(monkeypatch):
    monkeypatch.setattr(stored_outputs, "cpu_model", lambda: "Intel(R) Xeon(R) Processor")
    shown, other = ([nbformat.from_dict({"output_type": "display_data", "metadata": {},
                                         "data": {"image/png": png, "text/plain": "<Figure>"}})]
                    for png in ("iVBORw0KGgo=A", "iVBORw0KGgo=B"))
    assert not stored_outputs.compare_outputs(Cell(), other, shown)
