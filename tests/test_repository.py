"""The repository's URL is written in one place; every copy in the project agrees with it, and the
command that rewrites the copies rewrites each of them, once."""

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from ff_tutorial import repository
from ff_tutorial.repository import BRANCH, KINDS, REPOSITORY, disagreements, main, rewrite

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TEXT_SUFFIXES = {".py", ".md", ".yml", ".yaml", ".toml", ".ipynb", ".cfg", ".txt", ".sh", ".bib", ".json"}


def toml(path):
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads(path.read_text())


def slug(url):
    return url.removeprefix("https://github.com/")


def badge(notebook):
    return re.search(r"\(https://colab\.research\.google\.com/github/[^)]*\)", "".join(notebook["cells"][0]["source"]))


def copy_of_the_copies(tmp_path):
    """The files that hold the URL, in a folder of their own."""
    for kind in KINDS:
        for pattern in kind.files:
            for path in ROOT.glob(pattern):
                target = tmp_path / path.relative_to(ROOT)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
    return tmp_path


def test_the_book_the_chapters_and_the_package_name_the_repository_of_the_constant():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["repository"]["url"] == REPOSITORY and config["repository"]["branch"] == BRANCH
    assert toml(ROOT / "pyproject.toml")["project"]["urls"]["Repository"] == REPOSITORY
    setup_cells = set()
    for path in NOTEBOOKS:
        notebook = json.loads(path.read_text())
        link = badge(notebook)
        assert link, f"{path.name}: no Colab badge in the first cell"
        assert link.group(0) == (f"(https://colab.research.google.com/github/{slug(REPOSITORY)}"
                                 f"/blob/{BRANCH}/notebooks/{path.name})"), path.name
        setup_cells.add("".join(notebook["cells"][1]["source"]))
    assert len(setup_cells) == 1, "the set-up cell differs between chapters"
    assert f'"ff_tutorial @ git+{REPOSITORY}@{BRANCH}"' in setup_cells.pop()
    assert disagreements(ROOT) == []


def test_every_mention_of_the_repository_is_a_copy_the_rewrite_knows():
    """A link in another form (an issues page, a raw file) would not be rewritten: it fails here."""
    known = {path for kind in KINDS for pattern in kind.files for path in ROOT.glob(pattern)}
    for path in ROOT.rglob("*"):
        parts = path.relative_to(ROOT).parts
        if (path.suffix not in TEXT_SUFFIXES or not path.is_file()
                or parts[0] in {".git", ".venv", "_build", "data", "models"} or path == Path(__file__)):
            continue
        mentions = path.read_text(encoding="utf-8", errors="replace").count(slug(REPOSITORY))
        if path not in known:
            assert mentions == 0, f"{path.relative_to(ROOT)} names the repository but is not in repository.KINDS"
            continue
        text = path.read_text(encoding="utf-8")
        copies = sum(len(kind.pattern.findall(text)) for kind in KINDS if "slug" in kind.pattern.groupindex
                     and path in {p for pattern in kind.files for p in ROOT.glob(pattern)})
        assert mentions == copies, f"{path.relative_to(ROOT)}: {mentions} mentions, {copies} in a known form"


def test_one_edited_copy_is_named_by_the_check(tmp_path):
    root = copy_of_the_copies(tmp_path)
    chapter = root / "notebooks" / "05_prediction.ipynb"
    chapter.write_text(chapter.read_text().replace(f"{slug(REPOSITORY)}/blob/{BRANCH}/", "someone/else/blob/main/"))
    config = root / "_config.yml"
    config.write_text(config.read_text().replace(f"  branch: {BRANCH}\n", "  branch: other\n"))
    wrong = sorted(disagreements(root))
    assert len(wrong) == 2
    assert wrong[0].startswith("_config.yml:") and "branch: other" in wrong[0]
    assert wrong[1].startswith("notebooks/05_prediction.ipynb:") and "someone/else" in wrong[1]
    assert main(["--check", "--root", str(root)]) == 1


def test_rewrite_names_the_new_repository_everywhere_and_a_second_run_changes_nothing(tmp_path):
    root = copy_of_the_copies(tmp_path / "copy")
    assert main(["https://github.com/someone/ff-fork.git", "--branch", "book/v2", "--root", str(root)]) == 0
    fork = "https://github.com/someone/ff-fork"
    config = yaml.safe_load((root / "_config.yml").read_text())
    assert config["repository"] == {**config["repository"], "url": fork, "branch": "book/v2"}
    assert toml(root / "pyproject.toml")["project"]["urls"]["Repository"] == fork
    module = (root / "ff_tutorial" / "repository.py").read_text()
    assert f'\nREPOSITORY = "{fork}"\n' in module and '\nBRANCH = "book/v2"\n' in module
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        notebook = json.loads(path.read_text())  # still JSON
        assert badge(notebook).group(0) == (f"(https://colab.research.google.com/github/someone/ff-fork"
                                            f"/blob/book/v2/notebooks/{path.name})")
        assert f'"ff_tutorial @ git+{fork}@book/v2"' in "".join(notebook["cells"][1]["source"])
        assert slug(REPOSITORY) not in path.read_text()
    assert "github/someone/ff-fork/blob/book/v2/notebooks/" in (root / "README.md").read_text()
    assert disagreements(root) == []

    before = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    assert rewrite(root, fork, "book/v2") == []
    assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == before
    # the rewrite leaves the text around each copy as it was: only the names differ
    back = copy_of_the_copies(tmp_path / "original")
    rewrite(root, REPOSITORY, BRANCH)
    for path in back.rglob("*"):
        if path.is_file():
            assert (root / path.relative_to(back)).read_bytes() == path.read_bytes(), path


def test_the_rewrite_refuses_what_colab_cannot_open(tmp_path):
    with pytest.raises(ValueError, match="not a GitHub repository URL"):
        repository.parse("https://gitlab.com/someone/fork")
    with pytest.raises(SystemExit):
        main(["https://github.com/someone/fork", "--branch", "bad branch", "--root", str(copy_of_the_copies(tmp_path))])
