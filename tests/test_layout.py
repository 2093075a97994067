"""Each folder of scripts says in its docstring what modules it holds, and names none that moved away."""

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("benchmarks", "experiments")


def modules(folder: str) -> set:
    return {p.stem for p in (ROOT / folder).glob("*.py")} - {"__init__", "__main__"}


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_package_docstring_names_exactly_its_modules(folder):
    named = set(re.findall(r"`(\w+)`", importlib.import_module(folder).__doc__))
    assert modules(folder) <= named, f"{folder}/__init__.py does not name {sorted(modules(folder) - named)}"
    elsewhere = {m for other in FOLDERS if other != folder for m in modules(other)}
    assert not named & elsewhere, f"{folder}/__init__.py names {sorted(named & elsewhere)}, which are not in it"
