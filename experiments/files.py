"""Which of an experiment's files to make: those that do not exist yet, or all of them when forced.

The experiments write one JSON file per run and never replace one unless asked (`--force`), so a
number the book quotes stays the number its file holds. Every file to make is checked writable
before the first run starts, so a bad folder fails in a second, not after an hour of training.
"""

from __future__ import annotations

from pathlib import Path

from ff_tutorial.outputs import check_writable


def files_to_make(names, folder: Path, force: bool, what: str) -> dict[str, Path]:
    """`{name: folder/name.json}` for the runs to make; says which existing files are kept.

    Raises `ff_tutorial.outputs.OutputError` if any of them cannot be written.
    """
    todo = {}
    for name in names:
        path = folder / f"{name}.json"
        if path.exists() and not force:
            print(f"{name}: {path} exists, kept (--force runs it again and replaces it)")
        else:
            todo[name] = path
    for path in todo.values():
        check_writable(path, what)
    return todo
