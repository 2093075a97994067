"""The book builds with warnings as errors, and every chapter page works in a real browser."""

import shutil
import subprocess
import sys
from pathlib import Path

import json

import pytest
import yaml

from browser_check import check_pages

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
# Sphinx titles every page "<its heading> — <the book's title>"; a page that did not load has another title.
BOOK_TITLE = yaml.safe_load((ROOT / "_config.yml").read_text())["title"]


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    build = subprocess.run([str(JUPYTER_BOOK), "build", str(ROOT), "-W", "--keep-going",
                            "--path-output", str(out)], capture_output=True, text=True)
    assert build.returncode == 0, f"book build failed:\n{build.stdout[-4000:]}\n{build.stderr[-4000:]}"
    return out / "_build" / "html"


def test_every_chapter_is_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text()
    assert CHAPTERS and all(f"notebooks/{name}" in toc for name in CHAPTERS)


def test_every_figure_has_a_caption_and_alt_text():
    """A stored figure renders as a numbered figure with a caption (myst-nb cell metadata), and says
    in words what it shows to a reader who cannot see it."""
    bare = []
    for name in CHAPTERS:
        notebook = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())
        for index, cell in enumerate(notebook["cells"]):
            if not any("image/png" in out.get("data", {}) for out in cell.get("outputs", [])):
                continue
            options = cell["metadata"].get("mystnb", {})
            if not (options.get("figure", {}).get("caption", "").strip()
                    and options.get("image", {}).get("alt", "").strip()):
                bare.append(f"{name} cell {index}")
    assert not bare, f"figures without a caption or alt text: {bare}"


@pytest.mark.slow  # builds the whole book, as does the test below (they share the build)
def test_book_builds_and_has_every_page(html):
    for name in CHAPTERS:
        assert (html / "notebooks" / f"{name}.html").is_file()
    assert (html / "book" / "references.html").is_file()


@pytest.mark.slow  # the build, then every page in a browser
@pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                    reason="needs Debian's chromium and chromium-driver (bash run.sh test installs them)")
def test_chapters_in_a_browser(html):
    pages = [f"notebooks/{name}.html" for name in CHAPTERS] + [
        f"book/{name}.html" for name in ("intro", "algorithm", "results", "performance", "references")]
    reports = check_pages(html, pages)
    for page, report in reports.items():
        heading, _, book = report["title"].rpartition(" \u2014 ")
        assert heading and book == BOOK_TITLE, f"{page} did not load: its title is {report['title']!r}"
        if page.startswith("notebooks/") or page == "book/performance.html":
            assert report["figures"] >= 1, f"{page} shows no figure"
        assert not report["broken"], f"{page}: figures that do not load: {report['broken']}"
        assert not report["hidden"], f"{page}: {report['hidden']} figures drawn too small to see"
        assert not report["errors"], f"{page}: error output: {report['errors']}"
        assert not report["broken_links"], f"{page}: broken internal links: {report['broken_links']}"
