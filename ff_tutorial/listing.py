"""The package's own source, shown as a listing: what a chapter prints to teach an idea.

Kept apart from the rest of the package, which never needs IPython: it is imported here only,
and only when a listing is shown.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

#: The widest line a listing may have: a wider one scrolls sideways in the book's column.
WIDTH = 88


def source(obj) -> str:
    """The source of a function, method or class, dedented, its docstring cut to the first
    paragraph (the book's text says the long version)."""
    text = textwrap.dedent(inspect.getsource(obj)).rstrip("\n")
    node = ast.parse(text).body[0]
    doc = ast.get_docstring(node)
    if doc and "\n\n" in doc:
        lines = text.splitlines()
        start, end = node.body[0].lineno - 1, node.body[0].end_lineno
        indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
        first = doc.split("\n\n")[0].splitlines()
        lines[start:end] = [f'{indent}"""{first[0]}'] + [indent + line for line in first[1:]]
        lines[start + len(first) - 1] += '"""'
        text = "\n".join(lines)
    return text


def too_wide(text: str, width: int = WIDTH) -> list:
    """The lines of `text` longer than `width` characters."""
    return [line for line in text.splitlines() if len(line) > width]


def listing(*objects) -> str:
    """The sources of `objects`, in order, a blank line apart; a line wider than WIDTH is an error."""
    text = "\n\n\n".join(source(obj) for obj in objects)
    wide = too_wide(text)
    if wide:
        raise ValueError(f"{len(wide)} line(s) wider than {WIDTH} characters would scroll sideways "
                         f"in the book; the first: {wide[0]!r}")
    return text


def show(*objects):
    """An IPython display of the objects' source, in order (docstrings cut to their first paragraph)."""
    from IPython.display import Code  # imported here: only a notebook needs IPython

    return Code(listing(*objects), language="python")
