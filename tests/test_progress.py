"""Progress bars are text: live in a terminal, and in a notebook one line whose stored output is the
bar's last state, never a widget (which a saved or rendered notebook shows as "0%")."""

import re

import pytest

import IPython.display
from ff_tutorial import runtime
from ff_tutorial.runtime import progress

FINAL = re.compile(r"^epochs: 100%\|█{10}\| 5/5 \[\d\d:\d\d<00:00, +[\d.]+it/s\]$")


class FakeHandle:
    def __init__(self, shown):
        self.shown = shown

    def update(self, data, raw=False):
        self.shown.append(data)


def test_in_a_notebook_the_bar_is_one_line_of_text_shown_and_updated(monkeypatch):
    shown = []

    def display(data, raw=False, display_id=None):
        assert raw and display_id is True  # a display that can be updated in place
        shown.append(data)
        return FakeHandle(shown)

    monkeypatch.setattr(runtime, "in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display", display)
    assert list(progress(range(5), desc="epochs")) == list(range(5))
    assert all(list(data) == ["text/plain"] for data in shown)  # text, not an ipywidgets model
    assert shown[0]["text/plain"].startswith("epochs:   0%|          | 0/5")
    assert FINAL.match(shown[-1]["text/plain"]), shown[-1]


def test_outside_a_notebook_the_bar_is_text_on_stderr(capsys):
    assert list(progress(range(5), desc="epochs")) == list(range(5))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert FINAL.match(captured.err.split("\r")[-1].strip()), captured.err


def test_a_disabled_bar_prints_nothing(capsys, monkeypatch):
    monkeypatch.setattr(runtime, "in_notebook", lambda: True)
    assert list(progress(range(3), enabled=False)) == [0, 1, 2]
    assert capsys.readouterr() == ("", "")


@pytest.mark.slow
def test_a_notebook_run_stores_the_finished_bar_as_text(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("from ff_tutorial import progress\n"
                                                "for epoch in progress(range(5), desc='epochs'):\n"
                                                "    pass")]
    nbclient.NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    (output,) = notebook.cells[0].outputs
    assert output["output_type"] == "display_data" and list(output["data"]) == ["text/plain"]
    assert FINAL.match(output["data"]["text/plain"]), output
