#!/usr/bin/env bash
# Set-up and the project's two jobs. Usage:
#   bash run.sh book   make .venv, install, build the book into _build/html (with -W: warnings fail)
#   bash run.sh test   make .venv, install, run every test (unit, notebooks, papermill, built book in a browser)
set -euo pipefail
cd "$(dirname "$0")"

setup() {
    if [ ! -x .venv/bin/python ]; then
        python3 -m venv .venv
    fi
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r requirements.txt
    .venv/bin/python -m pip install --quiet --no-deps -e .
    .venv/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
}

browser() {
    # The book's pages are checked in a real headless browser: Debian's chromium and its driver.
    if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
        if command -v apt-get >/dev/null; then
            apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null
        else
            echo "chromium and chromedriver are needed for the browser test; install them" >&2
        fi
    fi
}

case "${1:-}" in
    book)
        setup
        .venv/bin/jupyter-book build . -W --keep-going
        echo "The book is in _build/html/index.html"
        ;;
    test)
        setup
        browser
        .venv/bin/python -m pytest
        ;;
    *)
        echo "usage: bash run.sh book|test" >&2
        exit 2
        ;;
esac
