"""Each diagram renders, names the parts it must show, and draws what the package computes."""

import inspect
import io

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.text import Text

import ff_tutorial as ff
from ff_tutorial.network import NetworkConfig


def words(fig: Figure) -> str:
    """All the text drawn in a figure (titles, labels, legends, boxes), as one string."""
    return "\n".join(t.get_text() for t in fig.findobj(Text))


def line(ax, gid: str):
    (found,) = [line for line in ax.get_lines() if line.get_gid() == gid]
    return np.column_stack([found.get_xdata(), found.get_ydata()]).astype(float)


@pytest.mark.parametrize("draw", [ff.draw_data_flows, ff.draw_layer, ff.draw_stack, ff.draw_schedules,
                                  ff.draw_prediction, ff.draw_length_and_direction, ff.draw_receptive_fields])
def test_every_diagram_is_a_figure_that_renders(draw):
    fig = draw()
    assert isinstance(fig, Figure)
    png = io.BytesIO()
    fig.savefig(png, format="png")
    assert png.getvalue().startswith(b"\x89PNG")


@pytest.mark.parametrize("draw, parts", [
    (ff.draw_data_flows, ["Backpropagation", "Forward-Forward", "normalize", "positive", "true label",
                          "negative", "wrong label", "local loss", "gradient"]),
    (ff.draw_layer, ["normalize", "W x + b", "ReLU", "goodness", "mean(h²)", "loss", "softplus(θ − g)",
                     "softplus(g − θ)", "positive", "negative", "W and b of this layer only"]),
    (ff.draw_stack, ["normalize", "loss 0", "loss 1", "loss 2", "no gradient", "positive", "negative"]),
    (ff.draw_schedules, ["greedy", "simultaneous", "training time (epochs)", "layer 0", "layer 2"]),
    (ff.draw_prediction, ["10 forward passes", "1 forward pass", "goodness summed", "neutral label",
                          "softmax", "argmax"]),
    (ff.draw_length_and_direction, ["normalize", "unit circle", "first coordinate", "second coordinate"]),
])
def test_each_diagram_names_its_parts(draw, parts):
    text = words(draw())
    missing = [p for p in parts if p not in text]
    assert not missing, f"{draw.__name__} does not show {missing}"


def test_the_stack_normalizes_before_every_layer_and_marks_a_barrier_between_each_pair():
    text = words(ff.draw_stack(layers=4))
    assert text.count("normalize") == 4
    assert text.count("no gradient") == 3
    assert all(f"layer {k}" in text for k in range(4))


def test_the_prediction_diagram_says_what_the_network_does():
    # the diagram's defaults are the network's: goodness from layer 0 up, read-out from layer 1 up
    defaults = inspect.signature(ff.draw_prediction).parameters
    assert defaults["score_from"].default == NetworkConfig().score_from == 0
    assert defaults["readout_from"].default == ff.FFNetwork([784, 8, 8, 8]).readout_from == 1
    text = words(ff.draw_prediction())
    assert "over every layer" in text and "every layer\nbut the first" in text
    # the neutral value written in the picture is the one neutral_label writes
    neutral = float(ff.neutral_label(torch.zeros(1, 784))[0, 0])
    assert f"{neutral:g} in all\n10 slots" in text
    assert "layers 2 and up" in words(ff.draw_prediction(score_from=2, readout_from=2))


def test_normalized_points_lie_on_the_unit_circle_in_the_direction_of_their_inputs():
    for seed in (0, 1, 7):
        fig = ff.draw_length_and_direction(seed=seed)
        before, after = fig.axes
        inputs, unit = line(before, "inputs"), line(after, "normalized")
        lengths = np.hypot(*inputs.T)
        assert lengths.max() / lengths.min() > 5  # very different lengths
        assert np.hypot(*unit.T) == pytest.approx(1.0, abs=1e-6)
        assert unit == pytest.approx(inputs / lengths[:, None], abs=1e-6)  # same direction, length 1
        assert before.get_aspect() == after.get_aspect() == 1.0
        assert before.get_xlabel() and before.get_ylabel()


def test_a_scaled_copy_lands_on_the_same_normalized_point():
    fig = ff.draw_length_and_direction(seed=3, scale=4.0)
    unit = line(fig.axes[1], "normalized")
    (copy,) = line(fig.axes[1], "scaled copy, normalized")
    assert np.hypot(*(unit - copy).T).min() == pytest.approx(0.0, abs=1e-6)


def active_slots(ax) -> set:
    """(layer, epoch) for each drawn bar: a layer trains in that epoch."""
    return {(round(p.get_y() + p.get_height() / 2), round(p.get_x()))
            for p in ax.patches if p.get_width() > 0}


@pytest.mark.parametrize("layers, epochs", [(3, 4), (2, 5)])
def test_greedy_trains_each_layer_in_its_own_slot_and_simultaneous_every_layer_every_epoch(layers, epochs):
    fig = ff.draw_schedules(layers=layers, epochs=epochs)
    greedy, simultaneous = fig.axes
    assert active_slots(greedy) == {(k, k * epochs + e) for k in range(layers) for e in range(epochs)}
    assert active_slots(simultaneous) == {(k, e) for k in range(layers) for e in range(epochs)}
    assert all(p.get_width() == 1 for ax in fig.axes for p in ax.patches)  # one bar per epoch
    for ax in fig.axes:
        assert ax.get_xlabel() == "training time (epochs)"
    assert greedy.get_ylabel() == "layer"


def test_the_layer_diagram_shows_the_networks_threshold():
    assert inspect.signature(ff.draw_layer).parameters["threshold"].default == NetworkConfig().threshold
    assert "θ: the threshold (5)" in words(ff.draw_layer(threshold=5.0))


def test_the_receptive_fields_drawn_are_the_patches_the_package_wires():
    from matplotlib.patches import Rectangle
    fig = ff.draw_receptive_fields([(12, 4)])
    ax = fig.axes[0]
    boxes = [(p.get_x() + 0.5, p.get_y() + 0.5, p.get_width(), p.get_height())
             for p in ax.patches if isinstance(p, Rectangle)]
    # 5 x 5 locations of 40 units: the first at (0, 0), the middle (2, 2) at pixel (8, 8), the last (16, 16)
    assert boxes == [(0, 0, 12, 12), (8, 8, 12, 12), (16, 16, 12, 12)]
    assert "5 x 5 locations of 40 units" in words(fig) and "144 of 784" in words(fig)
