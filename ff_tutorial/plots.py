"""Figures for the book. Each function returns a matplotlib Figure and shows nothing by itself.

`plot_losses` and `plot_goodness_histograms` can also draw on axes of a larger figure (`ax=`,
`axes=`): the playground's figure is made of them.
"""

from __future__ import annotations

import textwrap

import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from .data import MEAN, NUM_CLASSES, STD
from .history import History


def _figure(width=6.0, height=3.5, **kwargs):
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots(**kwargs)


def plot_losses(history: History, smooth: int = 1, title: str = "Local loss of each layer",
                labels=None, ax=None) -> Figure:
    """Each layer's loss against its own training steps (a moving average over `smooth` steps).

    On `ax` if given (returning its figure), else on a Figure of its own.
    """
    fig, ax = _figure() if ax is None else (ax.figure, ax)
    labels = labels or [f"layer {k}" for k in range(len(history.layer_losses))]
    for label, losses in zip(labels, history.layer_losses):
        values = np.asarray(losses, dtype=float)
        if smooth > 1 and len(values) >= smooth:
            values = np.convolve(values, np.ones(smooth) / smooth, mode="valid")
        ax.plot(values, label=label)
    ax.set(xlabel="step", ylabel="loss", title=title)
    ax.legend()
    return fig


def _per_panel(value, panels: int) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value] * panels


def plot_goodness_histograms(g_pos, g_neg, threshold=None, titles=None, bins=60, ylabel="images",
                             axes=None) -> Figure:
    """Histograms of positive and negative goodness; lists of tensors give one panel each.

    `threshold` draws a line on every panel, or, as a list, one per panel (None for no line);
    `bins` (a number of bins, or the bin edges) and `ylabel` may be lists too. On `axes` (one per
    panel) if given, returning their figure, else on a Figure of its own.
    """
    if isinstance(g_pos, torch.Tensor):
        g_pos, g_neg = [g_pos], [g_neg]
    n = len(g_pos)
    lines = _per_panel(threshold, n)
    bins = bins if isinstance(bins, (list, tuple)) else [bins] * n
    ylabels = _per_panel(ylabel, n)
    if axes is None:
        fig, axes = _figure(3.2 * n, 3.0, ncols=n, squeeze=False)
        axes = axes[0]
    else:
        fig = axes[0].figure
    for i, (ax, pos, neg) in enumerate(zip(axes, g_pos, g_neg)):
        pos, neg = pos.detach().cpu().numpy(), neg.detach().cpu().numpy()
        edges = np.histogram_bin_edges(np.concatenate([pos, neg]), bins=bins[i])
        ax.hist(pos, bins=edges, alpha=0.6, label="positive")
        ax.hist(neg, bins=edges, alpha=0.6, label="negative")
        if lines[i] is not None:
            ax.axvline(lines[i], color="black", linestyle="--", linewidth=1, label="threshold")
        # a long title is wrapped to its panel, else neighbouring titles run into each other
        ax.set(xlabel="goodness", ylabel=ylabels[i], title=textwrap.fill(titles[i], 30) if titles else "")
        ax.legend(fontsize="small")
    return fig


def plot_first_layer_weights(net, count: int = 32, columns: int = 8, limit: float | None = None,
                             units=None) -> Figure:
    """The incoming weights of the first `count` units of layer 0 (or of `units`, a list of unit
    numbers), each drawn as a 28x28 image.

    One colour scale for every unit, symmetric about 0 (white), so units can be compared: from
    -limit to +limit, `limit` by default the 99th percentile of the drawn weights' sizes (the few
    beyond it take the end colours, as the colour bar's pointed ends say).
    """
    weights = net.layers[0].linear.weight.detach().cpu()[:, : 28 * 28]  # the pixels (concat adds a label)
    weights = weights[:count] if units is None else weights[list(units)]
    if limit is None:
        limit = float(torch.quantile(weights.abs().flatten().float(), 0.99)) or 1.0
    rows = int(np.ceil(len(weights) / columns))
    fig, axes = _figure(1.2 * columns + 0.9, 1.2 * rows, nrows=rows, ncols=columns, squeeze=False)
    for ax, w in zip(axes.flat, weights):
        image = ax.imshow(w.view(28, 28).numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
    for ax in axes.flat:
        ax.set_axis_off()
    fig.colorbar(image, ax=axes, shrink=0.9, extend="both", label="weight (shared scale)")
    fig.suptitle("Incoming weights of first-layer units (red +, blue -)")
    return fig


def show_image(ax, x: torch.Tensor, title: str = "") -> None:
    """Draw one flattened 784-pixel image (the first 784 values of x), in raw pixel shades."""
    pixels = (x.detach().cpu()[: 28 * 28] * STD + MEAN).view(28, 28).numpy()
    ax.imshow(pixels, cmap="gray", vmin=0, vmax=1)
    ax.set_title(title, fontsize="small")
    ax.set_axis_off()


def plot_label_overlay(x: torch.Tensor, y: torch.Tensor, embedded: torch.Tensor,
                       titles=("image", "with label")) -> Figure:
    """An image beside its embedded version, with the first row zoomed so the label is visible."""
    fig, axes = _figure(7.5, 3.0, ncols=3, width_ratios=[1, 1, 1.6])
    show_image(axes[0], x, titles[0])
    show_image(axes[1], embedded, f"{titles[1]} {int(y)}")
    values = embedded.detach().cpu()[:NUM_CLASSES] if embedded.numel() == 28 * 28 else \
        embedded.detach().cpu()[-NUM_CLASSES:]
    axes[2].bar(range(NUM_CLASSES), values.numpy())
    axes[2].set(xticks=range(NUM_CLASSES), xlabel="label slot", ylabel="value",
                title="the 10 label slots")
    return fig


def plot_goodness_per_label(scores: torch.Tensor, images: torch.Tensor, labels: torch.Tensor) -> Figure:
    """For a few images: the image, and a bar per label of how good the network found it."""
    n = len(images)
    fig, axes = _figure(2.4 * n, 4.2, nrows=2, ncols=n, squeeze=False, height_ratios=[1, 1.2])
    for i in range(n):
        s = scores[i].detach().cpu().numpy()
        predicted = int(s.argmax())
        show_image(axes[0, i], images[i], f"true {int(labels[i])}, predicted {predicted}")
        colors = ["tab:green" if j == int(labels[i]) else "tab:red" if j == predicted else "tab:gray"
                  for j in range(NUM_CLASSES)]
        axes[1, i].bar(range(NUM_CLASSES), s, color=colors)
        axes[1, i].set(xticks=range(NUM_CLASSES), xlabel="label")
    axes[1, 0].set_ylabel("goodness")
    return fig


def plot_goodness_over_iterations(trajectories: torch.Tensor, images: torch.Tensor, labels: torch.Tensor,
                                  score_iterations=None) -> Figure:
    """For a few images: the image, and below it each label's goodness at each iteration of a
    recurrent network (`trajectories`: (N, iterations + 1, 10)), the true label in green, the
    predicted one in red, and the iterations that predict shaded."""
    n = len(images)
    fig, axes = _figure(2.4 * n, 4.6, nrows=2, ncols=n, squeeze=False, height_ratios=[1, 1.4])
    steps = np.arange(trajectories.shape[1])
    window = list(score_iterations or [])
    for i in range(n):
        g = trajectories[i].detach().cpu().numpy()  # (iterations + 1, 10)
        predicted = int(g[window].sum(axis=0).argmax()) if window else int(g[-1].argmax())
        show_image(axes[0, i], images[i], f"true {int(labels[i])}, predicted {predicted}")
        ax = axes[1, i]
        if window:
            ax.axvspan(min(window) - 0.5, max(window) + 0.5, color="0.9", zorder=0)
        for label in range(NUM_CLASSES):  # the true and the predicted label drawn last, on top
            if label not in (int(labels[i]), predicted):
                ax.plot(steps, g[:, label], color="tab:gray", lw=0.8, alpha=0.6)
        if predicted != int(labels[i]):
            ax.plot(steps, g[:, predicted], color="tab:red", lw=1.8)
        ax.plot(steps, g[:, int(labels[i])], color="tab:green", lw=1.8)
        ax.set(xlabel="iteration")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[1, 0].set_ylabel("goodness")
    fig.suptitle("green: the true label; red: the predicted label, where it is another; grey: the others",
                 fontsize="medium")
    return fig


def plot_confusion_matrix(y_true: torch.Tensor, y_pred: torch.Tensor, title: str = "") -> Figure:
    """Counts of (true, predicted) pairs; the diagonal (correct) is left uncoloured so the mistakes
    stand out, and the colour scale runs from 0 to the largest mistake count."""
    counts = torch.zeros(NUM_CLASSES, NUM_CLASSES, dtype=torch.long)
    counts.index_put_((y_true.cpu(), y_pred.cpu()), torch.ones(len(y_true), dtype=torch.long),
                      accumulate=True)
    counts = counts.numpy()
    diagonal = np.eye(NUM_CLASSES, dtype=bool)
    mistakes = np.ma.masked_array(counts, mask=diagonal)
    top = max(1, int(mistakes.max() or 0))  # no mistakes: a scale of 0..1 all the same
    fig, ax = _figure(5.6, 4.8)
    ax.imshow(np.where(diagonal, 1.0, np.nan), cmap="Greys", vmin=0, vmax=10)  # light gray: correct
    image = ax.imshow(mistakes, cmap="Reds", vmin=0, vmax=top)
    for i in range(NUM_CLASSES):
        for j in range(NUM_CLASSES):
            dark = i != j and counts[i, j] > 0.6 * top
            ax.text(j, i, str(int(counts[i, j])), ha="center", va="center", fontsize=8,
                    color="dimgray" if i == j else "white" if dark else "black")
    ax.set(xticks=range(NUM_CLASSES), yticks=range(NUM_CLASSES), xlabel="predicted", ylabel="true",
           title=title or "Confusion matrix (diagonal: correct, in gray)")
    bar = fig.colorbar(image, ax=ax, label="mistakes (number of images)")
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    return fig


def plot_error_vs_time(trials, title: str = "Validation error against training time", log: bool = True) -> Figure:
    """One line per trial (recipes.compare): validation error after each epoch, at its training time.

    With `log`, the error axis is logarithmic, ticked in plain percentages (2%, 5%, 10%, ...).
    """
    fig, ax = _figure(7.0, 4.0)
    errors = []
    for trial in trials:
        h = trial.history
        errors += [100 * e for e in h.test_error]
        ax.plot(h.train_seconds, [100 * e for e in h.test_error], marker="o", markersize=3, label=trial.name)
    ax.set(xlabel="training time (s, evaluations excluded)", title=title)
    if log:
        ax.set_yscale("log")
        ax.set_ylabel("validation error (%, log scale)")
        # the default log ticks are 10^1, 10^2: name the percentages a reader compares instead
        ticks = [0.5, 1, 2, 3, 5, 10, 20, 30, 50, 90]
        positive = [e for e in errors if e > 0]
        if positive:
            low, high = min(positive) / 1.15, max(positive) * 1.15
            ax.set_ylim(low, high)
            ticks = [t for t in ticks if low <= t <= high]
            if len(ticks) < 3:  # a narrow range: every 1, 2, ..., 9 of each decade
                ticks = [t for t in sorted(m * 10.0 ** d for d in (-1, 0, 1) for m in range(1, 10))
                         if low <= t <= high]
        ax.yaxis.set_major_locator(FixedLocator(ticks))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}%"))
        ax.yaxis.set_minor_locator(NullLocator())
    else:
        ax.set_ylabel("validation error (%)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def plot_errors_by_seed(table: dict, title: str = "Validation error, seed by seed",
                        xlabel: str = "validation error (%)") -> Figure:
    """One row per entry of `table` ({row: {series: [error of each seed]}}): each seed's error a
    small dot, the mean a large one with a bar of one standard deviation either side."""
    series = list(dict.fromkeys(name for row in table.values() for name in row))
    fig, ax = _figure(7.0, 0.45 * len(table) * max(1, len(series)) + 1.3)
    offsets = np.linspace(-0.18, 0.18, len(series)) if len(series) > 1 else [0.0]
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    for k, name in enumerate(series):
        colour, label = colours[k % len(colours)], name  # the legend names a series once
        for i, row in enumerate(table.values()):
            if name not in row:
                continue
            errors = 100 * np.asarray(row[name], dtype=float)
            y = len(table) - 1 - i + offsets[k]  # the first row on top
            ax.plot(errors, [y] * len(errors), "o", ms=3.5, color=colour, alpha=0.6)
            spread = errors.std(ddof=1) if len(errors) > 1 else 0.0
            ax.errorbar(errors.mean(), y, xerr=spread, fmt="D", ms=7, color=colour, capsize=4, label=label)
            label = None
    ax.set_yticks(range(len(table)), list(table)[::-1])
    ax.set(xlabel=xlabel, title=title)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}%"))
    ax.grid(True, axis="x", alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize="small", loc="best")
    return fig
