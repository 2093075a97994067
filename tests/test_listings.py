"""The listings the book shows: the page with the whole algorithm, and every `show(...)` cell of
the chapters. Each names code that exists, and no line is wider than the book's column."""

import ast
import json
import re
from pathlib import Path

import pytest

from ff_tutorial.listing import WIDTH, listing, source, too_wide

ROOT = Path(__file__).resolve().parent.parent
ALGORITHM = ROOT / "book" / "algorithm.md"
# A literalinclude directive and its options, up to the closing fence.
INCLUDE = re.compile(r"```\{literalinclude\} (\S+)\n((?::\w+:.*\n)*)```")


def includes():
    """(file, pyobject) of each literalinclude on the algorithm page, in order."""
    found = []
    for path, options in INCLUDE.findall(ALGORITHM.read_text()):
        pyobject = re.search(r":pyobject: (\S+)", options)
        assert pyobject, f"{path} is included without :pyobject:, so it could drift"
        found.append(((ALGORITHM.parent / path).resolve(), pyobject.group(1)))
    return found


def defined_in(path: Path, dotted: str):
    """The ast node of `dotted` (a function, a class, or Class.method) in the file, or None."""
    nodes = ast.parse(path.read_text()).body
    node = None
    for name in dotted.split("."):
        node = next((n for n in nodes if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == name),
                    None)
        if node is None:
            return None
        nodes = node.body
    return node


def test_the_algorithm_page_is_in_the_table_of_contents_after_chapter_6():
    toc = (ROOT / "_toc.yml").read_text()
    assert "notebooks/06_inside_the_network\n      - file: book/algorithm\n" in toc


def test_every_piece_of_the_algorithm_page_exists_and_the_whole_is_short():
    pieces = includes()
    names = [name for _, name in pieces]
    for needed in ("overlay_label", "wrong_labels", "normalize", "goodness", "ff_loss",
                   "FFLayer.train_step", "greedy", "FFNetwork.scores"):
        assert needed in names
    total = 0
    for path, name in pieces:
        node = defined_in(path, name)
        assert node is not None, f"{name} is not defined in {path.name}"
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        lines = path.read_text().splitlines()[start - 1:node.end_lineno]
        indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
        assert max(len(line) - indent for line in lines) <= WIDTH, f"{name} has a line wider than {WIDTH}"
        total += len(lines)
    assert total < 80, f"the algorithm page lists {total} lines of code"


def show_calls():
    """(chapter, the source of a cell) for every chapter cell that ends in a show(...) call."""
    cells = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            text = "".join(cell["source"])
            if cell["cell_type"] == "code" and text.strip().splitlines()[-1:] and \
                    text.strip().splitlines()[-1].startswith("show("):
                assert "remove-input" in cell["metadata"].get("tags", []), f"{path.name}: {text}"
                cells.append((path.stem, text))
    return cells


def test_the_chapters_show_listings():
    assert len(show_calls()) >= 30


@pytest.mark.parametrize("chapter, cell", show_calls())
def test_every_listing_in_the_chapters_fits_the_column(chapter, cell):
    """Each cell's imports are run with the chapter's own ones, then every object it shows is
    looked up and its listing checked line by line."""
    import ff_tutorial
    from ff_tutorial import data, engine, layer, memory, playground, readout, receptive, recipes, schedules

    names = {name: getattr(ff_tutorial, name) for name in ff_tutorial.__all__}
    for module in (data, engine, layer, memory, playground, readout, receptive, recipes, schedules):
        names.update(vars(module))
    *imports, call = cell.strip().splitlines()
    exec("\n".join(imports), names)
    shown = [eval(expression, names) for expression in call[len("show("):-1].split(", ")]
    for obj in shown:
        assert not too_wide(source(obj)), f"{chapter}: {obj.__qualname__} has lines wider than {WIDTH}"
    assert listing(*shown)


def test_a_listing_keeps_the_first_paragraph_of_a_docstring_and_refuses_wide_lines():
    def wide(x):
        """Short first paragraph.

        A second one, left to the book.
        """
        return x + 1  # .................................................................. long

    assert source(wide) == ('def wide(x):\n    """Short first paragraph."""\n'
                            '    return x + 1  # ' + "." * 66 + " long")
    with pytest.raises(ValueError, match="wider than 88"):
        listing(wide)


@pytest.mark.slow  # a fresh process, which imports torch
def test_the_package_imports_without_ipython():
    import subprocess
    import sys

    code = "import sys, ff_tutorial, ff_tutorial.listing; print('IPython' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "False", done.stderr
