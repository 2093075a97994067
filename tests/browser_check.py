"""Open the built book in headless Chromium and check each chapter page as a reader would see it.

Used by tests/test_book.py. A person can run it directly to look at the pages:

    .venv/bin/python tests/browser_check.py _build/html --screenshots screenshots/

which checks every page and saves a full-page PNG of each into screenshots/.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1280,1000"]

# Checked in the page itself: every figure decoded and drawn at a visible size, no error output.
PAGE_REPORT = """
const imgs = [...document.querySelectorAll('main img, article img')];
// The book's own figures (cell outputs, page images), not theme icons or badges from other sites.
const figures = imgs.filter(i => i.src.startsWith(location.origin) && !i.src.includes('/_static/'));
return {
  title: document.title,
  figures: figures.length,
  broken: figures.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80)),
  hidden: figures.filter(i => { const r = i.getBoundingClientRect();
                                 const s = getComputedStyle(i);
                                 return r.width < 20 || r.height < 20 || s.visibility === 'hidden'
                                        || s.display === 'none'; }).length,
  errors: [...document.querySelectorAll('.cell_output .output.error, .cell_output .output.traceback,'
                                        + ' .cell_output .stderr')]
            .map(e => e.innerText.slice(0, 200))
            .filter(t => /Error|Traceback|Warning/.test(t)),
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
  height: document.body.scrollHeight,
};
"""


@contextlib.contextmanager
def serve(folder: Path):
    """Serve `folder` on a free localhost port, for as long as the block runs."""
    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # one line per request would bury the report
            pass

    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


@contextlib.contextmanager
def chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def broken_internal_links(html_root: Path, page: str, links: list) -> list:
    """Links to pages or anchors of this book that do not exist."""
    broken = []
    for href in links:
        if not href or href.startswith(("http:", "https:", "mailto:", "javascript:")):
            continue
        target, anchor = urldefrag(urljoin(page, href))
        path = html_root / urlparse(target).path.lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if not path.exists():
            broken.append(href)
        elif anchor and path.suffix == ".html":
            text = path.read_text(encoding="utf-8", errors="replace")
            if f'id="{anchor}"' not in text and f"name=\"{anchor}\"" not in text:
                broken.append(href)
    return broken


def check_pages(html_root: Path, pages: list, screenshots: Path | None = None) -> dict:
    """Open each page; return {page: report} with figures, errors and broken links."""
    reports = {}
    with serve(html_root) as base, chromium() as driver:
        for page in pages:
            driver.get(base + page)
            report = driver.execute_script(PAGE_REPORT)
            report["broken_links"] = broken_internal_links(html_root, page, report.pop("links"))
            if screenshots is not None:
                screenshots.mkdir(parents=True, exist_ok=True)
                driver.set_window_size(1280, min(int(report["height"]) + 100, 16000))
                driver.save_screenshot(str(screenshots / (Path(page).stem + ".png")))
                driver.set_window_size(1280, 1000)
            reports[page] = report
    return reports


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("html", type=Path, help="the built book, e.g. _build/html")
    parser.add_argument("--screenshots", type=Path, help="save a full-page PNG of each page here")
    args = parser.parse_args()
    pages = sorted(str(p.relative_to(args.html)) for p in (args.html / "notebooks").glob("*.html"))
    pages += [p for p in ("book/intro.html", "book/algorithm.html", "book/results.html", "book/performance.html",
                          "book/references.html")
              if (args.html / p).exists()]
    failed = 0
    for page, report in check_pages(args.html, pages, args.screenshots).items():
        bad = report["broken"] or report["hidden"] or report["errors"] or report["broken_links"]
        failed += bool(bad)
        print(f"{'FAIL' if bad else 'ok  '} {page}: {report['figures']} figures, {report}" if bad
              else f"ok   {page}: {report['figures']} figures")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
