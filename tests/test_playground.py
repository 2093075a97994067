"""The playground: small runs that train what the controls say, and a figure that shows them."""

import base64
import dataclasses
import importlib
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

from ff_tutorial import History
from ff_tutorial.engine import Engine

# The module itself (not a `playground` function the package may export under the same name).
pg = importlib.import_module("ff_tutorial.playground")

ipywidgets = pytest.importorskip("ipywidgets")

TINY = dict(width=20, epochs=2, train_size=500, batch_size=50)  # 10 steps an epoch: a fraction of a second


def descendants(widget):
    """Every widget inside a box, depth first."""
    for child in getattr(widget, "children", ()):
        yield child
        yield from descendants(child)


def title_of(fig):
    return " ".join(text.get_text() for text in fig.texts)  # the suptitle is one of the figure's texts


def png_of(output):
    """The PNG bytes that an Output widget shows (it should show exactly one figure)."""
    (shown,) = output.outputs
    return base64.b64decode(shown["data"]["image/png"])


def test_train_small_trains_the_network_the_settings_describe(mnist):
    result = pg.train_small(mnist, threshold=2.0, lr=0.03, embedding="overlay", negatives="wrong", **TINY)
    assert result.network.config.dims == [784, 20, 20]
    # a count of wrong answers among the test images, not some other number between 0 and 1
    mistakes = result.test_error * pg.TEST_SIZE
    assert mistakes == pytest.approx(round(mistakes), abs=1e-3)
    # one loss list per layer, one loss per step: 500 images / 50 per batch x 2 epochs
    assert [len(losses) for losses in result.history.layer_losses] == [20, 20]
    assert all(math.isfinite(v) for losses in result.history.layer_losses for v in losses)
    assert result.seconds > 0 and result.diverged is None


def test_one_layer_and_the_concatenated_label(mnist):
    result = pg.train_small(mnist, embedding="concat", layers=1, **TINY)
    assert result.network.config.dims == [794, 20]
    assert len(result.history.layer_losses) == 1


def test_the_test_error_is_measured_on_the_first_test_images(mnist):
    result = pg.train_small(mnist, **TINY)
    n = pg.TEST_SIZE
    predicted = result.network.predict(mnist.x_test[:n])
    assert result.test_error == pytest.approx((predicted != mnist.y_test[:n]).float().mean().item())


@pytest.mark.parametrize("threshold", [2.0, 8.0])
def test_the_first_loss_is_that_of_an_untrained_layer_at_this_threshold(mnist, threshold):
    # Untrained, every goodness is near 0, so the loss is the mean of softplus(θ) and softplus(-θ):
    # 1.13 for θ = 2 and 4.00 for θ = 8 (chapter 3).
    result = pg.train_small(mnist, threshold=threshold, **TINY)
    expected = (F.softplus(torch.tensor(threshold)) + F.softplus(torch.tensor(-threshold))).item() / 2
    assert result.history.layer_losses[0][0] == pytest.approx(expected, abs=0.01)


def test_changing_the_threshold_changes_training(mnist):
    low = pg.train_small(mnist, threshold=1.0, **TINY)
    high = pg.train_small(mnist, threshold=6.0, **TINY)
    assert not np.allclose(low.history.layer_losses[0], high.history.layer_losses[0])
    assert not torch.equal(low.network.layers[0].linear.weight, high.network.layers[0].linear.weight)


def test_the_same_settings_give_the_same_run_on_the_cpu(mnist):
    first, second = pg.train_small(mnist, seed=3, **TINY), pg.train_small(mnist, seed=3, **TINY)
    assert first.history.layer_losses == second.history.layer_losses
    assert first.test_error == second.test_error


@pytest.mark.parametrize("setting, value", [
    ("lr", -0.01), ("lr", 0.0), ("threshold", float("nan")), ("embedding", "sideways"),
    ("embedding", "none"), ("width", 0),
    ("epochs", 0), ("layers", 0), ("negatives", "random"), ("train_size", 60_001), ("batch_size", 0),
])
def test_bad_settings_raise_a_value_error_naming_them_before_any_training(mnist, monkeypatch, setting, value):
    def no_training(*args, **kwargs):
        raise AssertionError("training started before the settings were checked")

    monkeypatch.setattr(pg, "train_simultaneous", no_training)
    with pytest.raises(ValueError, match=setting):
        pg.train_small(mnist, **{**TINY, setting: value})


def test_a_diverged_run_is_reported_with_the_losses_up_to_it(mnist, monkeypatch):
    steps = []
    original = Engine.eager_step

    def eager_step(engine, first, last, x):
        steps.append(1)
        if len(steps) == 14:  # the 4th step of the second epoch: activities of 1e20 overflow the loss
            engine.biases[0].data.fill_(1e20)
        return original(engine, first, last, x)

    monkeypatch.setattr(Engine, "eager_step", eager_step)
    result = pg.train_small(mnist, **TINY)
    assert result.diverged and "learning rate" in result.diverged and "layer 0 at its step 13" in result.diverged
    # the losses up to the check that found it (the end of the second epoch), the weights of the first
    assert [len(losses) for losses in result.history.layer_losses] == [20, 20]
    assert all(torch.isfinite(p).all() for p in result.network.parameters())
    # the error reported is that of the weights kept
    n = pg.TEST_SIZE
    assert result.test_error == pytest.approx(result.network.error_rate(mnist.x_test[:n], mnist.y_test[:n]))
    assert "diverged" in title_of(pg.figure_for(result, mnist))


@pytest.mark.parametrize("layers", [1, 2])
def test_figure_for_draws_the_losses_and_a_histogram_panel_per_layer(mnist, layers):
    result = pg.train_small(mnist, layers=layers, **TINY)
    fig = pg.figure_for(result, mnist)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 1 + layers
    losses, *panels = fig.axes
    assert len(losses.get_lines()) == layers + 1  # a curve per layer, and the line at log 2
    for k, ax in enumerate(panels):
        assert ax.get_title() == f"layer {k}"
        # positive and negative histograms: one count per test image each
        assert sum(p.get_height() for p in ax.patches) == pytest.approx(2 * pg.TEST_SIZE)
    assert f"{result.test_error:.1%}" in title_of(fig)


def test_playground_returns_a_box_with_every_control(mnist):
    box = pg.playground(mnist, threshold=3.0, lr=0.01, embedding="concat", negatives="permuted", **TINY)
    assert isinstance(box, ipywidgets.VBox)
    inside = list(descendants(box))
    for control in box.controls.values():
        assert control in inside
    assert box.button in inside and box.output in inside and box.status in inside
    c = box.controls
    assert isinstance(c["threshold"], ipywidgets.FloatLogSlider) and c["threshold"].value == pytest.approx(3.0)
    assert isinstance(c["lr"], ipywidgets.FloatLogSlider) and c["lr"].value == pytest.approx(0.01)
    assert tuple(c["embedding"].options) == ("overlay", "concat") and c["embedding"].value == "concat"
    assert tuple(c["negatives"].options) == ("wrong", "permuted", "hard") and c["negatives"].value == "permuted"
    assert c["width"].value == 20 and c["epochs"].value == 2 and c["layers"].value == 2 and c["seed"].value == 0
    assert box.button.description == "Train"
    # it trained once already, so it shows a figure and says how that went
    assert png_of(box.output).startswith(b"\x89PNG")
    assert box.result.network.config.dims == [794, 20, 20]
    assert f"{box.result.test_error:.1%}" in box.status.value


def test_a_starting_value_off_the_slider_is_kept(mnist):
    box = pg.playground(mnist, lr=3.0, **TINY)  # above the slider's usual top of 1
    assert box.controls["lr"].value == pytest.approx(3.0)


def test_clicking_train_retrains_with_the_controls_values(mnist):
    box = pg.playground(mnist, **TINY)
    before = png_of(box.output)
    box.controls["width"].value = 50
    box.controls["layers"].value = 1
    box.controls["threshold"].value = 5.0
    box.controls["seed"].value = 4
    box.button.click()
    assert not box.status.value.startswith("failed"), box.status.value
    assert box.result.network.config.dims == [784, 50]
    assert box.result.network.config.threshold == pytest.approx(5.0)
    assert box.result.settings["seed"] == 4 and box.result.settings["train_size"] == 500
    assert len(box.output.outputs) == 1 and png_of(box.output) != before
    assert not box.button.disabled


def test_an_error_during_a_click_shows_in_the_status_line(mnist, monkeypatch):
    box = pg.playground(mnist, **TINY)
    monkeypatch.setattr(pg, "train_small", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("no memory")))
    box.button.click()
    assert "no memory" in box.status.value
    assert not box.button.disabled


def test_loss_spikes_are_clipped_so_the_start_and_the_plateau_stay_readable(mnist):
    result = pg.train_small(mnist, layers=1, **TINY)
    spiky = dataclasses.replace(result, history=History(layer_losses=[[900.0] * 10 + [1.13] * 30]))
    ax = pg.figure_for(spiky, mnist).axes[0]
    untrained = (math.log1p(math.exp(2.0)) + math.log1p(math.exp(-2.0))) / 2  # the default threshold
    assert ax.get_ylim() == pytest.approx((0.0, 2 * untrained))
    assert "clipped" in ax.get_title()
    calm = pg.figure_for(result, mnist).axes[0]
    assert "clipped" not in calm.get_title()


def test_the_still_shows_every_control_with_its_value_and_the_status(mnist):
    from ff_tutorial.playground import playground, still
    box = playground(mnist, width=25, epochs=1, train_size=300, threshold=3.0, negatives="permuted")
    page = still(box).data
    for control in box.controls.values():
        assert control.description in page
    assert "<option selected>permuted</option>" in page and "<option selected>25</option>" in page
    assert 'value="3"' in page or ">3<" in page  # the threshold slider's value
    assert box.status.value in page and "disabled" in page
