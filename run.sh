#!/usr/bin/env bash
# Set-up and the project's three jobs. Usage:
#   bash run.sh book   make .venv, install, build the book into _build/html (with -W: warnings fail)
#   bash run.sh test   make .venv, install, run every test (unit, notebooks, papermill, built book in a browser)
#   bash run.sh quick  the fast loop, about a minute: plain `pytest`, every test not marked slow
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
        # -m "" lifts the default -m 'not slow'. nbval re-runs the chapters: cells tagged nbval-check-output
        # must reproduce their stored output, with the times that tests/nbval_sanitize.cfg masks. The chapters
        # re-measure the networks of their stored run: FF_TUTORIAL_LEDGER="" keeps that out of the ledger.
        # --durations: the log ends with the slowest tests and chapters, where time can be won back.
        FF_TUTORIAL_LEDGER="" .venv/bin/python -m pytest -m "" tests notebooks --nbval-lax --nbval-current-env \
            --nbval-cell-timeout=600 --nbval-sanitize-with tests/nbval_sanitize.cfg --durations=25
        ;;
    quick)
        # Installs only where there is no .venv yet, so the loop stays fast; `test` reinstalls every time.
        [ -x .venv/bin/python ] || setup
        .venv/bin/python -m pytest
        ;;
    *)
        echo "usage: bash run.sh book|test|quick" >&2
        exit 2
        ;;
esac
