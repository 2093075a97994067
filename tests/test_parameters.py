"""Each chapter's parameters are checked by one function, against the rules of that chapter."""

import ast
import json
import re
from pathlib import Path

import pytest

from ff_tutorial.runtime import CHAPTER_PARAMETERS, check_parameters

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def parameters_cell(path: Path) -> dict:
    """The chapter's parameters cell, read: each NAME = literal, by name."""
    cells = json.loads(path.read_text())["cells"]
    source = "".join(next(c["source"] for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])))
    return {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(source).body}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_each_chapter_checks_its_own_defaults_and_they_pass(path):
    chapter = int(path.name[:2])
    values = parameters_cell(path)
    assert set(CHAPTER_PARAMETERS[chapter]) <= set(values), "a rule for a parameter the chapter does not have"
    check_parameters(chapter, values)
    code = "".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
    assert f"check_parameters({chapter}, globals())" in code


def defaults(chapter: int) -> dict:
    return parameters_cell(NOTEBOOKS[chapter - 1])


@pytest.mark.parametrize("chapter, name, value, says", [
    (3, "EPOCHS", 0, "EPOCHS must be a positive integer, got 0"),
    (3, "EPOCHS", True, "EPOCHS must be a positive integer, got True"),
    (1, "TRAIN_SIZE", 60_001, "TRAIN_SIZE must be an integer from 1 to 60000"),
    (1, "TRAIN_SIZE", 100.0, "TRAIN_SIZE must be an integer from 1 to 60000"),
    (1, "HIDDEN", 500, "HIDDEN must be a non-empty list of positive integers"),
    (4, "HIDDEN", [500, 0], "HIDDEN must be a non-empty list"),
    (10, "DEPTHS", [], "DEPTHS must be a non-empty list"),
    (3, "HIDDEN", [500], "HIDDEN must be a positive integer"),
    (1, "BATCH_SIZE", None, "BATCH_SIZE must be a positive integer, got None"),
    (4, "BATCH_SIZE", -1, "BATCH_SIZE must be a positive integer, or None for the whole set, got -1"),
    (2, "EXAMPLE", 60_000, "EXAMPLE must be an integer from 0 to 59999"),
    (2, "BLOG_TRAIN_SIZE", 1, "BLOG_TRAIN_SIZE must be an integer from 2 to 60000"),
    (6, "NUM_WEIGHTS", 501, "NUM_WEIGHTS must be an integer from 1 to 500"),
    (3, "THRESHOLD", 0.0, "THRESHOLD must be a positive number, got 0.0"),
    (9, "LR", "0.03", "LR must be a positive number, got '0.03'"),
    (9, "PEER_NORM", -0.1, "PEER_NORM must be a number, zero or positive"),
    (4, "EMBEDDING", "both", "EMBEDDING must be 'concat' or 'overlay', got 'both'"),
    (11, "NEGATIVES", "right", "NEGATIVES must be 'wrong' or 'permuted' or 'hard' or 'hybrid', got 'right'"),
    (11, "TRAIN_SIZE", 50_001, "TRAIN_SIZE must be an integer from 1 to 50000"),
    (11, "JITTER", 28, "JITTER must be an integer from 0 to 27 (pixels)"),
    (5, "USE_SAVED_SEED_NETWORK", 1, "USE_SAVED_SEED_NETWORK must be True or False, got 1"),
    (8, "RUN", "yes", "RUN must be True or False"),
    (12, "GEOMETRY", [12], "GEOMETRY must be [field, stride], two positive integers"),
    (12, "GEOMETRY", [12, 0], "GEOMETRY must be [field, stride], two positive integers"),
    (12, "USE_RECORDED_NETWORK", "no", "USE_RECORDED_NETWORK must be True or False, got 'no'"),
    (13, "NEGATIVES", "permuted", "NEGATIVES must be 'hard' or 'wrong', got 'permuted'"),
    (13, "TRAIN_SIZE", 50_001, "TRAIN_SIZE must be an integer from 1 to 50000"),
    (13, "USE_RECORDED_NETWORK", "yes", "USE_RECORDED_NETWORK must be True or False, got 'yes'"),
])
def test_a_bad_value_is_named_with_what_it_must_be(chapter, name, value, says):
    values = dict(defaults(chapter), **{name: value})
    with pytest.raises(ValueError, match=re.escape(says)):
        check_parameters(chapter, values)


@pytest.mark.parametrize("chapter, name, value", [
    (4, "BATCH_SIZE", None), (9, "PEER_NORM", 0), (2, "EXAMPLE", 0), (6, "NUM_WEIGHTS", 500),
    (1, "TRAIN_SIZE", 60_000), (1, "HIDDEN", (100,)), (11, "EMBEDDING", "concat"),
    (11, "NEGATIVES", "hybrid"), (11, "JITTER", 0),
])
def test_the_edges_of_what_is_allowed_pass(chapter, name, value):
    check_parameters(chapter, dict(defaults(chapter), **{name: value}))


def test_a_missing_parameter_or_chapter_is_an_error_not_a_pass():
    values = defaults(7)
    del values["WIDTH"]
    with pytest.raises(ValueError, match="no parameter WIDTH"):
        check_parameters(7, values)
    with pytest.raises(ValueError, match="chapter must be one of"):
        check_parameters(14, defaults(7))
