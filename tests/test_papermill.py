"""A chapter run by papermill at parameters other than its defaults computes what those parameters imply."""

import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow  # every test starts a kernel and runs a chapter


def outputs_text(notebook) -> str:
    return "\n".join(out.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                     for out in cell.get("outputs", []) if out.get("output_type") == "stream")


def run_chapter(name, tmp_path, **parameters):
    papermill = pytest.importorskip("papermill")
    return papermill.execute_notebook(str(ROOT / "notebooks" / name), str(tmp_path / name),
                                      parameters=parameters, cwd=str(ROOT / "notebooks"),
                                      progress_bar=False, kernel_name="python3")


def test_one_layer_chapter_at_other_parameters(tmp_path):
    threshold, train_size, batch_size, epochs = 8.0, 1000, 100, 2
    notebook = run_chapter("03_one_layer.ipynb", tmp_path, THRESHOLD=threshold, TRAIN_SIZE=train_size,
                           BATCH_SIZE=batch_size, EPOCHS=epochs, HIDDEN=64, PROGRESS=False)
    text = outputs_text(notebook)
    steps = int(re.search(r"(\d+) steps in", text).group(1))
    assert steps == epochs * math.ceil(train_size / batch_size)
    # An untrained layer has goodness near 0, so the first loss is the mean of softplus(+-threshold).
    first = float(re.search(r"loss at the first step ([\d.]+)", text).group(1))
    expected = (math.log1p(math.exp(threshold)) + math.log1p(math.exp(-threshold))) / 2
    assert first == pytest.approx(expected, abs=2e-3)


def test_bad_parameter_fails_the_first_cells_with_a_readable_message(tmp_path):
    papermill = pytest.importorskip("papermill")
    with pytest.raises(papermill.PapermillExecutionError, match="EPOCHS must be a positive integer"):
        run_chapter("03_one_layer.ipynb", tmp_path, EPOCHS=0)


def test_scaling_up_without_its_recorded_results_says_how_to_make_them(tmp_path):
    papermill = pytest.importorskip("papermill")
    with pytest.raises(papermill.PapermillExecutionError, match="run with RUN = True"):
        run_chapter("08_scaling_up.ipynb", tmp_path, RESULTS=str(tmp_path / "nothing-here"))


def test_the_recipe_comparison_at_other_parameters_trains_every_recipe_on_that_budget(tmp_path):
    notebook = run_chapter("07_better_negatives_and_schedules.ipynb", tmp_path, TRAIN_SIZE=600, EPOCHS=1,
                           WIDTH=16, PROGRESS=False)
    text = outputs_text(notebook)
    assert "600 training images, 784-16-16, epochs per layer: 1" in text
    errors = re.findall(r"^\s*([\d.]+)%\s+(\S.*)$", text, flags=re.M)
    assert len(errors) == 8 and errors[0][1].startswith("blog") and errors[-1][1] == "+ peer normalization"
    # every recipe trains a network of its own: their errors are not one number printed eight times
    assert len({e for e, _ in errors}) > 1
