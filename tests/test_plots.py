"""Each plot returns a Figure that shows what it says it shows."""

import io

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

import ff_tutorial as ff


def test_plot_losses_draws_one_smoothed_line_per_layer():
    history = ff.History(layer_losses=[[4.0, 2.0, 0.0, 2.0], [1.0, 1.0, 1.0, 1.0]])
    fig = ff.plot_losses(history, smooth=2)
    assert isinstance(fig, Figure)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2
    assert np.allclose(lines[0].get_ydata(), [3.0, 1.0, 1.0])  # moving average over 2 steps


def test_plot_confusion_matrix_counts_each_true_predicted_pair():
    y_true = torch.tensor([0, 0, 1, 1, 1, 9])
    y_pred = torch.tensor([0, 1, 1, 1, 7, 9])
    fig = ff.plot_confusion_matrix(y_true, y_pred)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == 100
    grid = np.array(texts, dtype=int).reshape(10, 10)  # row = true, column = predicted
    expected = np.zeros((10, 10), dtype=int)
    expected[0, 0], expected[0, 1], expected[1, 1], expected[1, 7], expected[9, 9] = 1, 1, 2, 1, 1
    assert (grid == expected).all()


def test_plot_label_overlay_shows_the_ten_label_slots():
    x = torch.randn(784)
    embedded = ff.overlay_label(x.unsqueeze(0), 4)[0]
    fig = ff.plot_label_overlay(x, torch.tensor(4), embedded)
    heights = [p.get_height() for p in fig.axes[2].patches]
    assert heights == pytest.approx(embedded[:10].tolist())


def test_plot_goodness_over_iterations_draws_every_label_and_predicts_from_the_window():
    # Two images, 4 steps (0..3), 10 labels. Image 0: label 3 leads in steps 1-2, label 5 only at
    # step 3, so a window of steps 1-2 predicts 3; image 1: label 7 leads everywhere.
    g = torch.zeros(2, 4, 10)
    g[0, 1:3, 3], g[0, 3, 5] = 1.0, 5.0
    g[1, :, 7] = 1.0
    fig = ff.plot_goodness_over_iterations(g, torch.zeros(2, 784), torch.tensor([3, 1]), score_iterations=[1, 2])
    images, curves = fig.axes[:2], fig.axes[2:]
    assert [ax.get_title() for ax in images] == ["true 3, predicted 3", "true 1, predicted 7"]
    for ax, trajectories in zip(curves, g):
        assert len(ax.get_lines()) == 10  # the true and predicted lines are drawn once each
        drawn = sorted(tuple(line.get_ydata()) for line in ax.get_lines())
        assert drawn == sorted(tuple(row) for row in trajectories.T.tolist())
        assert len(ax.patches) == 1  # the shaded window


def test_the_other_plots_return_figures():
    torch.manual_seed(0)
    net = ff.FFNetwork([784, 16])
    x = torch.randn(3, 784)
    figs = [
        ff.plot_goodness_histograms(torch.rand(50), torch.rand(50), threshold=0.5),
        ff.plot_goodness_histograms([torch.rand(20)] * 2, [torch.rand(20)] * 2, titles=["a", "b"]),
        ff.plot_first_layer_weights(net, count=16),
        ff.plot_goodness_per_label(net.goodness_per_label(x), x, torch.tensor([1, 2, 3])),
    ]
    assert all(isinstance(f, Figure) for f in figs)
    assert len(figs[1].axes) == 2
    assert len([ax for ax in figs[2].axes if ax.images]) == 16


def test_the_plots_draw_on_axes_they_are_given():
    fig = Figure()
    top, *bottom = fig.subplots(1, 3)
    history = ff.History.for_layers(2)
    history.layer_losses[0].extend([1.0, 0.5, 0.25])
    history.layer_losses[1].extend([2.0, 1.0, 0.5])
    assert ff.plot_losses(history, ax=top) is fig and len(top.lines) == 2
    g = [torch.arange(10.0), torch.arange(10.0) + 5]
    edges = [np.linspace(0, 20, 5), np.linspace(0, 20, 9)]
    assert ff.plot_goodness_histograms(g, g, threshold=3.0, bins=edges, ylabel=["first", ""], axes=bottom) is fig
    assert [len(ax.patches) for ax in bottom] == [2 * 4, 2 * 8]  # the edges given, for both histograms
    assert [ax.get_ylabel() for ax in bottom] == ["first", ""]
    assert len(fig.axes) == 3  # nothing drawn elsewhere


def test_the_weight_grid_has_one_symmetric_colour_scale_with_a_labelled_bar():
    torch.manual_seed(0)
    net = ff.FFNetwork([784, 16])
    fig = ff.plot_first_layer_weights(net, count=16)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    limits = {im.get_clim() for im in images}
    assert len(limits) == 1  # every unit on the same scale
    (low, high), = limits
    assert low == -high and high > 0
    (bar,) = [im.colorbar for im in images if im.colorbar is not None]
    assert bar.ax.get_ylabel().startswith("weight")
    assert bar.mappable.get_clim() == (low, high)
    w = net.layers[0].linear.weight.detach()[:16]
    assert high == pytest.approx(float(torch.quantile(w.abs().flatten(), 0.99)), rel=1e-5)
    assert ff.plot_first_layer_weights(net, count=16, limit=0.5).axes[0].images[0].get_clim() == (-0.5, 0.5)


def test_the_confusion_colour_scale_reaches_the_largest_mistake_count_and_is_labelled():
    y_true = torch.tensor([3] * 40 + [5] * 3 + [1] * 100)
    y_pred = torch.tensor([5] * 25 + [3] * 15 + [3] * 3 + [1] * 100)  # 25 threes called fives
    fig = ff.plot_confusion_matrix(y_true, y_pred)
    ax = fig.axes[0]
    mistakes = next(im for im in ax.images if im.colorbar is not None)
    assert mistakes.get_clim()[1] >= 25 and mistakes.get_clim()[0] == 0
    assert "mistakes" in mistakes.colorbar.ax.get_ylabel()
    # the dark cell's count is written in white, the rest of the mistakes in black, the correct in gray
    colours = {(t.get_position()[1], t.get_position()[0]): t.get_color() for t in ax.texts}
    assert colours[(3, 5)] == "white" and colours[(5, 3)] == "black" and colours[(1, 1)] == "dimgray"


def test_the_log_error_axis_is_ticked_in_percent():
    from types import SimpleNamespace

    from ff_tutorial.plots import plot_error_vs_time

    trials = [SimpleNamespace(name="a", history=SimpleNamespace(train_seconds=[1, 2, 3], test_error=[0.9, 0.2, 0.04])),
              SimpleNamespace(name="b", history=SimpleNamespace(train_seconds=[1, 2], test_error=[0.3, 0.06]))]
    for log in (True, False):
        fig = plot_error_vs_time(trials, log=log)
        fig.savefig(io.BytesIO(), format="png")  # places the ticks
        ax = fig.axes[0]
        low, high = ax.get_ylim()
        shown = [t.get_text() for t, v in zip(ax.get_yticklabels(), ax.get_yticks()) if low <= v <= high]
        assert "%" in ax.get_ylabel() and "s" in ax.get_xlabel()
        if log:
            assert shown == ["5%", "10%", "20%", "30%", "50%", "90%"]
    narrow = [SimpleNamespace(name="c", history=SimpleNamespace(train_seconds=[1, 2], test_error=[0.07, 0.06]))]
    fig = plot_error_vs_time(narrow)
    fig.savefig(io.BytesIO(), format="png")
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    shown = [t.get_text() for t, v in zip(ax.get_yticklabels(), ax.get_yticks()) if low <= v <= high]
    assert shown == ["6%", "7%", "8%"]  # a narrow range gets every percent


def test_long_histogram_titles_do_not_run_into_each_other():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    g = [torch.rand(100), torch.rand(100)]
    titles = [f"layer {k}: real (positive) and hybrid (negative)" for k in range(2)]  # chapter 9's
    fig = ff.plot_goodness_histograms(g, g, threshold=0.5, titles=titles)
    FigureCanvasAgg(fig).draw()
    left, right = (ax.title.get_window_extent() for ax in fig.axes)
    assert left.x1 < right.x0
    assert [ax.get_title().replace("\n", " ") for ax in fig.axes] == titles  # wrapped, not cut


def test_errors_by_seed_draw_each_seed_and_the_mean_with_one_standard_deviation():
    from ff_tutorial.plots import plot_errors_by_seed
    fig = plot_errors_by_seed({"dense": {"FF": [0.03, 0.04, 0.05], "backprop": [0.02, 0.02, 0.02]},
                               "local": {"FF": [0.02, 0.03, 0.04]}})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["local", "dense"]  # first row on top
    # the error bar of FF on 'dense': mean 4%, one standard deviation (1 point) either side
    bars = [c for c in ax.collections if len(c.get_segments()) == 1]
    spans = sorted(tuple(np.round(seg[:, 0], 6)) for c in bars for seg in c.get_segments())
    assert (3.0, 5.0) in spans and (2.0, 4.0) in spans and (2.0, 2.0) in spans
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["FF", "backprop"]


def test_first_layer_weights_of_chosen_units_are_drawn_in_the_order_asked():
    net = ff.FFNetwork([784, 30])
    with torch.no_grad():
        net.layers[0].linear.weight.copy_(torch.arange(30.0)[:, None].expand(30, 784))
    fig = ff.plot_first_layer_weights(net, units=[7, 2, 29], columns=3, limit=100.0)
    images = [ax.get_images()[0].get_array() for ax in fig.axes if ax.get_images()]
    assert [float(image.mean()) for image in images] == [7.0, 2.0, 29.0]
