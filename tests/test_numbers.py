"""Every percentage the results pages and chapters 7-10 and 12 state has a file behind it.

A number in the text is allowed if it is (a) in a committed results file: an error stored in
results/**/*.json (as a fraction, 0.0129 for 1.29%, matched at the precision the text prints)
or printed in a results/**/*.md table; (b) a published number in results/anchors.json; (c) printed
by the chapter's own stored run (its notebook's outputs); or (d) in the short list below of
percentages that are not results. The ledger of test-set looks (results/test-looks.*) does not
count: it copies numbers from results, and two of its lines were copied from the book's text.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "results"
PERCENT = re.compile(r"\d+(?:\.\d+)?\s?%")
PAGES = ["book/results.md", "book/performance.md"]
CHAPTERS = ["07_better_negatives_and_schedules", "08_scaling_up", "09_unsupervised_ff", "10_ff_versus_backprop",
            "12_local_receptive_fields", "13_top_down_recurrence"]
LEDGER = {"test-looks.md", "test-looks.jsonl"}

# Percentages that are not results: targets, thresholds and shares the text sets or explains.
NOT_RESULTS = {
    ("book/results.md", "2%"): "the CPU preset's target, and a level of the time-to-accuracy column",
    ("book/results.md", "1.5%"): "the supervised target the book set itself",
    ("book/results.md", "2.0%"): "the unsupervised target the book set itself",
    ("book/performance.md", "3%"): "a level of the time-to-accuracy benchmark",
    ("book/performance.md", "2%"): "a level of the time-to-accuracy benchmark",
    ("book/performance.md", "1.5%"): "a level of the time-to-accuracy benchmark",
    ("08_scaling_up", "1.5%"): "the supervised target the book set itself",
    ("08_scaling_up", "2%"): "the upper end of a rounded range, 'near 1.8 to 2%'",
    ("09_unsupervised_ff", "2.0%"): "the unsupervised target the book set itself",
    ("07_better_negatives_and_schedules", "8%"): "a level: 'the error falls below 8% at once'",
}


def percentages(text: str) -> list:
    return [match.replace(" ", "") for match in PERCENT.findall(text)]


def decimals(percent: str) -> int:
    number = percent.rstrip("%")
    return len(number.split(".")[1]) if "." in number else 0


def numbers_in(value) -> list:
    """Every number in a JSON value, however deep (booleans are not numbers)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [value]
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers_in(v)]
    if isinstance(value, list):
        return [n for v in value for n in numbers_in(v)]
    return []


def results_files():
    return [p for p in RESULTS.rglob("*") if p.is_file() and p.name not in LEDGER and p.name != "anchors.json"]


def stored_fractions() -> list:
    """Errors and shares in the results' JSON files: fractions of one, as the package writes them."""
    return [n for p in results_files() if p.suffix == ".json" for n in numbers_in(json.loads(p.read_text()))
            if 0 <= n <= 1]


def printed_in_results() -> set:
    return {pc for p in results_files() if p.suffix == ".md" for pc in percentages(p.read_text())}


def anchor_values() -> list:
    return [a["test_error_percent"] for a in json.loads((RESULTS / "anchors.json").read_text())["anchors"]]


def notebook(name: str) -> dict:
    return json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())


def markdown_of(nb: dict) -> str:
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def printed_by_run(nb: dict) -> set:
    """Percentages in a chapter's stored outputs: printed text, tables and plain values (the HTML of
    source listings is left out: its CSS is full of percentages)."""
    found = set()
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            texts = ["".join(output.get("text", ""))]
            texts += ["".join(v) for k, v in output.get("data", {}).items() if k in ("text/plain", "text/markdown")]
            found |= {pc for text in texts for pc in percentages(text)}
    return found


def texts():
    """(where, text, the percentages its own run printed) for each page and chapter checked."""
    for page in PAGES:
        yield page, (ROOT / page).read_text(), set()
    for name in CHAPTERS:
        nb = notebook(name)
        yield name, markdown_of(nb), printed_by_run(nb)


def has_a_file(percent: str, where: str, own_run: set, fractions: list, printed: set, anchors: list) -> bool:
    if (where, percent) in NOT_RESULTS or percent in printed or percent in own_run:
        return True
    value, places = float(percent.rstrip("%")), decimals(percent)
    # A rounded number ("8.7%" for a printed 8.69%) matches at the precision the text gives; but a
    # whole percentage ("2%") would match too many stored errors, so it must be printed as it is,
    # an anchor, or on the list above.
    shown = list(anchors)
    if places > 0:
        shown += [100 * f for f in fractions] + [float(p.rstrip("%")) for p in printed | own_run]
    return any(round(v, places) == value for v in shown)


CASES = [(where, percent, own) for where, text, own in texts() for percent in sorted(set(percentages(text)))]


@pytest.fixture(scope="module")
def sources():
    return stored_fractions(), printed_in_results(), anchor_values()


@pytest.mark.parametrize("where, percent, own_run", CASES, ids=[f"{w}:{p}" for w, p, _ in CASES])
def test_every_percentage_in_the_text_has_a_file_behind_it(where, percent, own_run, sources):
    fractions, printed, anchors = sources
    assert has_a_file(percent, where, own_run, fractions, printed, anchors), (
        f"{where} states {percent}, which no results file, anchor or stored output holds")


def test_the_matcher_reads_fractions_at_the_printed_precision_and_nothing_else():
    stored, anchors = [0.012900000438094139], [1.36]
    assert has_a_file("1.29%", "x", set(), stored, set(), anchors)  # errors are stored as fractions
    assert has_a_file("1.3%", "x", set(), stored, set(), anchors)  # and read at the text's precision
    assert not has_a_file("1.3%", "x", set(), [0.0124], set(), anchors)
    assert not has_a_file("0.0129%", "x", set(), stored, set(), anchors)  # a fraction is never a percent
    assert not has_a_file("1%", "x", set(), stored, set(), [])  # a whole percentage needs more than rounding
    assert has_a_file("1.36%", "x", set(), [], set(), anchors) and not has_a_file("1.37%", "x", set(), [], set(),
                                                                                   anchors)
    assert has_a_file("8.7%", "x", {"8.69%"}, [], set(), anchors)  # printed by the chapter's own run
    assert has_a_file("1.4%", "x", set(), [], {"1.42%"}, anchors)  # printed in a results table
    assert not has_a_file("3%", "x", {"2.99%"}, [], set(), anchors)


def test_the_allowlist_names_only_percentages_the_text_states():
    stated = {(where, percent) for where, percent, _ in CASES}
    assert set(NOT_RESULTS) <= stated, set(NOT_RESULTS) - stated

