"""Each plot returns a Figure that shows what it says it shows."""

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
