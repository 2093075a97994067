#!/usr/bin/env bash
# Set-up and the project's three jobs. Usage:
#   bash run.sh book   make .venv, install, build the book into _build/html (with -W: warnings fail)
#   bash run.sh test   make .venv, install, run every test (unit, notebooks, papermill, built book in a browser)
#   bash run.sh quick  the fast loop, about a minute: `pytest`, one process per core, every test not marked slow
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
        # -m "" lifts the default -m 'not slow'. The tests first, one process per core (see quick); then the
        # chapters. nbval re-runs them: cells tagged nbval-check-output must reproduce their stored output,
        # with the times that tests/nbval_sanitize.cfg masks. Each chapter keeps every core, as a reader's
        # run does (the number of threads decides the last bits of a result), but two run at once, longest
        # first (conftest.py): at the book's batch of 50 a second thread adds little (10,000 images: 4.1 s
        # with one thread, 3.7 with two), so two chapters side by side get through more. OMP_WAIT_POLICY=PASSIVE
        # lets a waiting thread sleep rather than spin on a core the other chapter needs (side by side, each
        # 4.7-5.0 s with it, 9.1 without). The chapters re-measure the networks of their stored run:
        # FF_TUTORIAL_LEDGER="" keeps that out of the ledger. A cell may take 1,200 s before it counts as hung:
        # chapter 7's comparison of recipes, about 150 s alone, took 411 s beside another chapter on a slow day.
        # --durations: each log ends with the slowest tests or cells, where time can be won.
        # Both parts run even if the first fails, so that one run reports everything; either failing fails this.
        failed=0
        FF_TUTORIAL_LEDGER="" .venv/bin/python -m pytest -m "" -n auto --dist loadfile tests --durations=15 || failed=1
        FF_TUTORIAL_LEDGER="" OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m pytest notebooks --nbval-lax \
            --nbval-current-env --nbval-cell-timeout=1200 --nbval-sanitize-with tests/nbval_sanitize.cfg \
            -n 2 --dist loadfile --no-loadscope-reorder --durations=15 || failed=1
        exit "$failed"
        ;;
    quick)
        # Installs only where there is no .venv yet (or one made before pytest-xdist was needed), so the loop
        # stays fast; `test` reinstalls every time.
        # One process per core (pytest-xdist), each file's tests in one of them: a test uses one thread
        # (tests/conftest.py), so one process alone would leave the other cores idle.
        { [ -x .venv/bin/python ] && .venv/bin/python -c "import xdist" 2>/dev/null; } || setup
        .venv/bin/python -m pytest -n auto --dist loadfile
        ;;
    *)
        echo "usage: bash run.sh book|test|quick" >&2
        exit 2
        ;;
esac
