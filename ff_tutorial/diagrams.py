"""Pictures of Forward-Forward's central ideas. Each function returns a matplotlib Figure.

The drawings say what the package does: the layer normalizes, then W x + b, ReLU and goodness;
ten-pass prediction sums goodness over the layers from `score_from` on; the read-out sees the
normalized activities of a neutral-label pass. One palette throughout: positive data green,
negative data red, gradients dashed purple, activities black.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Rectangle

from .data import MEAN, STD
from .labels import NEUTRAL_VALUE
from .layer import normalize
from .receptive import IMAGE_SIDE, grid_of, local_connections

POSITIVE, NEGATIVE, GRADIENT = "#2e7d32", "#c62828", "#6a1b9a"
POSITIVE_FILL, NEGATIVE_FILL = "#e8f5e9", "#ffebee"
LAYER_FILL, LOSS_FILL, NORM_FILL, PLAIN_FILL = "#cfe2f3", "#fff2cc", "#eeeeee", "#f7f7f7"
FONT = 10
DASHES = (0, (4, 3))
LAYERS = 3  # the stacks drawn here; the book's networks have two or three layers


def _canvas(width, height, xlim, ylims, rows=1):
    """A figure of `rows` blank panels in data coordinates [0, xlim] x [0, ylim]; `ylims` is one
    height, or one per panel (their heights then in proportion, so a unit is as tall in each)."""
    ylims = list(ylims) if isinstance(ylims, (list, tuple)) else [ylims] * rows
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(rows, 1, squeeze=False, height_ratios=ylims)[:, 0]
    for ax, ylim in zip(axes, ylims):
        ax.set(xlim=(0, xlim), ylim=(0, ylim))
        ax.set_axis_off()
    return fig, axes


def _box(ax, x, y, w, h, text, fill, edge="black", size=FONT, **text_kw):
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                fc=fill, ec=edge, lw=1.3))
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=size, **text_kw)


def _arrow(ax, start, end, color="black", lw=1.8):
    ax.annotate("", xy=end, xytext=start, arrowprops=dict(
        arrowstyle="-|>", color=color, lw=lw, shrinkA=0, shrinkB=0, mutation_scale=14))


def _gradient(ax, points, lw=1.8):
    """A dashed path through `points` with a solid head at the last one: a gradient."""
    xs, ys = zip(*points)
    ax.plot(xs, ys, color=GRADIENT, lw=lw, linestyle=DASHES, solid_capstyle="butt")
    (x0, y0), (x1, y1) = points[-2], points[-1]
    along = np.array([x1 - x0, y1 - y0]) / np.hypot(x1 - x0, y1 - y0)
    # a short solid piece at the end carries the head: a dashed head would read as broken
    _arrow(ax, tuple(np.array([x1, y1]) - 0.2 * along), (x1, y1), GRADIENT, lw)


def _legend(ax, loc, with_passes=True, **kwargs):
    handles = [Line2D([], [], color=POSITIVE, lw=2, label="positive pass"),
               Line2D([], [], color=NEGATIVE, lw=2, label="negative pass")] if with_passes else []
    handles += [Line2D([], [], color="black", lw=2, label="activity / goodness"),
                Line2D([], [], color=GRADIENT, lw=2, linestyle=DASHES, label="gradient")]
    ax.legend(handles=handles, loc=loc, fontsize=9, frameon=False, **kwargs)


def draw_data_flows() -> Figure:
    """Backprop (top) against Forward-Forward (bottom): what travels between layers, and where
    each loss and gradient lives."""
    fig, (top, bottom) = _canvas(10, 6.6, 10.8, [3.2, 4.6], rows=2)
    in_w, layer_w, step = 1.7, 1.6, 2.3
    layer_xs = [2.2 + k * step for k in range(LAYERS)]

    top.set_title("Backpropagation: one loss at the top, error derivatives sent back through every layer",
                  fontsize=11, loc="left")
    _box(top, 0.1, 1.45, in_w, 1.2, "image x", PLAIN_FILL)
    for k, x in enumerate(layer_xs):
        _box(top, x, 1.45, layer_w, 1.2, f"layer {k}", LAYER_FILL)
        top.text(x + layer_w / 2, 1.3, "keeps its input\nand activity", ha="center", va="top",
                 fontsize=9, color="dimgray", style="italic")
    loss_x = layer_xs[-1] + step
    _box(top, loss_x, 1.45, 1.5, 1.2, "loss\nL(output, y)", LOSS_FILL)
    lefts, rights = [0.1 + in_w] + [x + layer_w for x in layer_xs], layer_xs + [loss_x]
    for k, (a, b) in enumerate(zip(lefts, rights)):
        _arrow(top, (a, 2.3), (b, 2.3))
        if k:  # the image itself needs no gradient
            _gradient(top, [(b, 1.8), (a, 1.8)])
    top.text(5.4, 2.85, "forward: activities, layer after layer", ha="center", fontsize=FONT)
    top.text(5.4, 0.3, "backward: ∂L/∂h through every layer, to the bottom", ha="center",
             fontsize=FONT, color=GRADIENT)

    bottom.set_title("Forward-Forward: two passes, a loss in every layer, no gradient between layers",
                     fontsize=11, loc="left")
    lanes = {POSITIVE: 2.25, NEGATIVE: 1.05}
    _box(bottom, 0.1, 1.85, in_w, 0.8, "positive:\nimage + true label", POSITIVE_FILL, POSITIVE, 9)
    _box(bottom, 0.1, 0.65, in_w, 0.8, "negative:\nimage + wrong label", NEGATIVE_FILL, NEGATIVE, 9)
    norm_w, gap = 0.45, 0.3
    sources = [0.1 + in_w]
    for k, x in enumerate(layer_xs):
        _box(bottom, x, 0.55, norm_w, 2.2, "normalize", NORM_FILL, size=9, rotation=90)
        lx, lw = x + norm_w + gap, layer_w - norm_w - gap + 0.35
        _box(bottom, lx, 0.55, lw, 2.2, f"layer {k}\nW x + b\nReLU", LAYER_FILL, size=9)
        for color, y in lanes.items():
            _arrow(bottom, (sources[-1], y), (x, y), color)
            _arrow(bottom, (x + norm_w, y), (lx, y), color)
        sources.append(lx + lw)
        _box(bottom, lx - 0.3, 3.35, lw + 0.6, 0.95, "goodness\n→ local loss", LOSS_FILL, size=9)
        _arrow(bottom, (lx + 0.3, 2.75), (lx + 0.3, 3.35))
        _gradient(bottom, [(lx + lw - 0.3, 3.35), (lx + lw - 0.3, 2.75)])
    _legend(bottom, "center right", bbox_to_anchor=(1.0, 0.55))
    bottom.text(5.4, 0.25, "between layers only activity travels, with no gradient attached", ha="center",
                va="center", fontsize=9, style="italic", color="dimgray")
    return fig


def draw_layer(threshold: float = 2.0) -> Figure:
    """One Forward-Forward layer as a pipeline, for the positive and the negative pass."""
    fig, (ax,) = _canvas(10, 4.4, 10.7, 4.55)
    ax.set_title("One Forward-Forward layer: both passes go through the same W and b", fontsize=11, loc="left")
    pos_y, neg_y = 2.55, 1.25  # the two lanes
    low, high = 0.8, 3.0       # bottom and top of the shared stages
    _box(ax, 0.05, 2.15, 1.45, 0.85, "positive x:\nimage +\ntrue label", POSITIVE_FILL, POSITIVE, 9)
    _box(ax, 0.05, 0.8, 1.45, 0.85, "negative x:\nimage +\nwrong label", NEGATIVE_FILL, NEGATIVE, 9)
    stages = [(1.85, 1.45, "normalize\nx / ‖x‖\n(divide by\nits length)", NORM_FILL),
              (3.65, 1.3, "linear\nW x + b", LAYER_FILL),
              (5.3, 1.3, "ReLU\nh = max(0, ·)", LAYER_FILL),
              (6.95, 1.5, "goodness\ng = mean(h²)", LAYER_FILL)]
    left = 1.5
    for x, w, text, fill in stages:
        _box(ax, x, low, w, high - low, text, fill)
        for color, y in ((POSITIVE, pos_y), (NEGATIVE, neg_y)):
            _arrow(ax, (left, y), (x, y), color)
        left = x + w
    loss_x, loss_w = 8.8, 1.85
    _box(ax, loss_x, 2.15, loss_w, 0.85, "softplus(θ − g)\npushes g above θ", POSITIVE_FILL, POSITIVE, 9)
    _box(ax, loss_x, 0.8, loss_w, 0.85, "softplus(g − θ)\npushes g below θ", NEGATIVE_FILL, NEGATIVE, 9)
    for color, y in ((POSITIVE, pos_y), (NEGATIVE, neg_y)):
        _arrow(ax, (left, y), (loss_x, y), color)
    ax.text(loss_x + loss_w / 2, 3.1, "local loss:\nthe mean of both", ha="center", va="bottom", fontsize=9,
            fontweight="bold")
    ax.text(loss_x + loss_w / 2, 0.6, f"θ: the threshold ({threshold:g})", ha="center", va="top", fontsize=9)
    linear_mid = stages[1][0] + stages[1][1] / 2
    _gradient(ax, [(loss_x + loss_w / 2, 3.6), (loss_x + loss_w / 2, 4.0), (linear_mid, 4.0), (linear_mid, high)])
    ax.text((linear_mid + loss_x) / 2 + 0.4, 4.1, "gradient of the local loss: updates W and b of this layer only",
            ha="center", va="bottom", fontsize=9, color=GRADIENT)
    ax.text(0.05, 0.6, "x arrives detached: no gradient\nreaches the layer below", ha="left", va="top",
            fontsize=9, style="italic", color="dimgray")
    return fig


def draw_stack(layers: int = LAYERS) -> Figure:
    """A stack of layers: normalize between them, a loss in each, and no gradient crossing."""
    level = 2.6
    top = 1.45 + (layers - 1) * level + 1.75
    fig, (ax,) = _canvas(8.5, 5.8, 10.0, top)
    ax.set_title("A stack: each layer learns from its own loss; activity goes up detached", fontsize=11,
                 loc="left")
    lanes = {POSITIVE: 2.7, NEGATIVE: 4.3}
    left, width = 1.9, 3.2
    _box(ax, 1.45, 0.15, 2.05, 0.85, "positive:\nimage + true label", POSITIVE_FILL, POSITIVE, 9)
    _box(ax, 3.55, 0.15, 2.05, 0.85, "negative:\nimage + wrong label", NEGATIVE_FILL, NEGATIVE, 9)
    below = 1.0
    for k in range(layers):
        base = 1.45 + k * level
        _box(ax, left, base, width, 0.42, "normalize (divide by length)", NORM_FILL, size=9)
        _box(ax, left, base + 0.75, width, 0.8, f"layer {k}: W x + b, ReLU", LAYER_FILL)
        for color, x in lanes.items():
            _arrow(ax, (x, below), (x, base), color)
            _arrow(ax, (x, base + 0.42), (x, base + 0.75), color)
        below = base + 1.55
        _box(ax, 6.3, base + 0.7, 2.6, 0.9, f"goodness → loss {k}", LOSS_FILL)
        _arrow(ax, (left + width, base + 1.35), (6.3, base + 1.35))
        _gradient(ax, [(6.3, base + 0.95), (left + width, base + 0.95)])
        if k < layers - 1:  # the barrier above every layer but the top one
            wall = base + 1.95
            ax.plot([left - 0.3, left + width + 0.3], [wall, wall], color="dimgray", lw=3.5,
                    solid_capstyle="butt")
            # a gradient from the layer above would come down here, and stops
            ax.plot([3.5, 3.5], [base + level - 0.05, wall + 0.12], color=GRADIENT, lw=1.8, linestyle=DASHES)
            ax.text(3.5, wall, "✕", ha="center", va="center", fontsize=15, fontweight="bold", color=GRADIENT,
                    bbox=dict(fc="white", ec="none", pad=0.3))
            ax.text(left - 0.45, wall, "detached:\nno gradient\ncrosses here", ha="right", va="center",
                    fontsize=9, color="dimgray", style="italic")
    _legend(ax, "lower right", bbox_to_anchor=(1.0, 0.0))
    return fig


def draw_schedules(layers: int = LAYERS, epochs: int = 4) -> Figure:
    """Which layer learns when: greedy (one layer after another) against simultaneous (all at once).

    One bar per layer and epoch in which that layer trains.
    """
    fig = Figure(figsize=(9.5, 3.4), layout="constrained")
    greedy, simultaneous = fig.subplots(1, 2, sharey=True)
    end = layers * epochs
    colors = colormaps["Blues"](np.linspace(0.4, 0.9, layers))  # layers in blue: green and red mean data
    for ax, title in ((greedy, "greedy: one layer at a time"),
                      (simultaneous, "simultaneous: every layer in every step")):
        for k in range(layers):
            starts = range(k * epochs, (k + 1) * epochs) if ax is greedy else range(epochs)
            ax.hlines(k, 0, end, color="lightgray", lw=1.5, linestyles=":", zorder=0)
            ax.barh([k] * epochs, [1] * epochs, left=list(starts), height=0.6, color=colors[k],
                    edgecolor="white", lw=1.5)
        ax.set(xlim=(0, end), ylim=(-0.6, layers - 0.4), xticks=range(0, end + 1, max(1, epochs // 2)),
               yticks=range(layers), yticklabels=[f"layer {k}" for k in range(layers)],
               xlabel="training time (epochs)", title=title)
        ax.title.set_fontsize(11)
    greedy.set_ylabel("layer")
    greedy.text(epochs + 0.2, 0, "frozen once trained", va="center", fontsize=9, color="dimgray",
                style="italic")
    simultaneous.text((epochs + end) / 2, (layers - 1) / 2,
                      f"each epoch trains all {layers} layers\n(as much work as {layers} greedy epochs):\n"
                      f"the same steps per layer", ha="center", va="center", fontsize=9,
                      color="dimgray", style="italic", bbox=dict(fc="white", ec="none"))
    return fig


def _image_icon(ax, x, y, size, slots, digit="7"):
    """A schematic MNIST image with its 10 label slots drawn above it (`slots`: normalized values)."""
    ax.add_patch(Rectangle((x, y), size, size, fc="black", ec="gray"))
    ax.text(x + size / 2, y + size / 2, digit, color="white", ha="center", va="center",
            fontsize=15, fontweight="bold")
    cell = size / len(slots)
    for j, value in enumerate(slots):  # shaded as show_image shades the normalized pixel value
        ax.add_patch(Rectangle((x + j * cell, y + size + 0.04), cell, 0.15,
                               fc=str(float(np.clip(value * STD + MEAN, 0, 1))), ec="gray", lw=0.5))


def _score_bars(ax, x, y, heights, width, color, name):
    """Ten small bars with digits under them; the tallest coloured."""
    step = width / len(heights)
    best = int(np.argmax(heights))
    for j, h in enumerate(heights):
        ax.add_patch(Rectangle((x + j * step, y), 0.75 * step, h, fc=color if j == best else "lightgray"))
        ax.text(x + j * step + 0.37 * step, y - 0.06, str(j), ha="center", va="top", fontsize=9)
    ax.text(x + width / 2, y + max(heights) + 0.12, name, ha="center", va="bottom", fontsize=9)


def draw_prediction(score_from: int = 0, readout_from: int = 1) -> Figure:
    """Ten-pass prediction (top) against the one-pass read-out (bottom), as `FFNetwork` does them.

    `score_from` and `readout_from` are the network's defaults: goodness summed over every layer;
    the read-out sees every layer but the first.
    """
    fig, (top, bottom) = _canvas(10, 6.2, 10.8, [4.1, 3.0], rows=2)
    top.set_title("Ten passes: try every label, keep the one the network finds best (predict)",
                  fontsize=11, loc="left")
    icon = 0.65
    for label, y in ((0, 3.0), (1, 1.95), (9, 0.35)):
        slots = np.eye(10)[label] * (1 - MEAN) / STD  # the label's height: the brightest pixel
        _image_icon(top, 0.75, y, icon, slots)
        top.text(0.65, y + icon / 2, f"label {label}", ha="right", va="center", fontsize=9)
        _arrow(top, (0.75 + icon + 0.05, y + icon / 2), (2.3, 2.0), "dimgray", lw=1.2)
    top.text(1.07, 1.35, "⋮", ha="center", va="center", fontsize=14)
    top.text(1.07, 0.05, "label written into the first 10 pixels", ha="center", va="bottom", fontsize=9)
    _box(top, 2.3, 1.3, 1.8, 1.4, "the network\n10 forward passes,\none per label", LAYER_FILL, size=9)
    scored = "every layer" if score_from == 0 else f"layers {score_from} and up"
    _box(top, 4.7, 1.3, 2.0, 1.4, f"goodness summed\nover {scored}:\none score per label", LOSS_FILL,
         size=9)
    _arrow(top, (4.1, 2.0), (4.7, 2.0))
    _arrow(top, (6.7, 2.0), (7.1, 2.0))
    _score_bars(top, 7.15, 1.3, [0.5, 0.4, 0.7, 0.9, 0.3, 0.6, 0.4, 1.6, 0.5, 0.8], 2.3, POSITIVE,
                "score per label")
    _arrow(top, (9.5, 2.0), (9.75, 2.0))
    top.text(10.25, 2.0, "argmax\n→ 7", ha="center", va="center", fontsize=FONT, fontweight="bold")

    bottom.set_title("One pass: a neutral label, then a linear softmax read-out (predict_one_pass)",
                     fontsize=11, loc="left")
    mid = 1.55
    _image_icon(bottom, 0.75, mid - icon / 2, icon, [NEUTRAL_VALUE] * 10)
    bottom.text(1.07, mid - icon / 2 - 0.1, f"neutral label:\n{NEUTRAL_VALUE:g} in all\n10 slots", ha="center",
                va="top", fontsize=9)
    _arrow(bottom, (0.75 + icon + 0.05, mid), (2.2, mid))
    _box(bottom, 2.2, mid - 0.7, 1.4, 1.4, "the network\n1 forward pass", LAYER_FILL, size=9)
    seen = "every layer" if readout_from == 0 else \
        "every layer\nbut the first" if readout_from == 1 else f"layers {readout_from} and up"
    _box(bottom, 3.9, mid - 0.7, 1.45, 1.4, f"normalized\nactivities of\n{seen}", NORM_FILL, size=9)
    _box(bottom, 5.65, mid - 0.7, 1.45, 1.4, "linear +\nsoftmax\n(cross-entropy,\nlayers frozen)", LOSS_FILL,
         size=9)
    _arrow(bottom, (3.6, mid), (3.9, mid))
    _arrow(bottom, (5.35, mid), (5.65, mid))
    _arrow(bottom, (7.1, mid), (7.35, mid))
    _score_bars(bottom, 7.4, mid - 0.7, [0.02, 0.01, 0.05, 0.08, 0.01, 0.03, 0.01, 1.2, 0.04, 0.1], 2.1,
                "tab:blue", "probabilities")
    _arrow(bottom, (9.6, mid), (9.75, mid))
    bottom.text(10.25, mid, "argmax\n→ 7", ha="center", va="center", fontsize=FONT, fontweight="bold")
    return fig


def draw_length_and_direction(seed: int = 0, count: int = 5, scale: float = 5.0) -> Figure:
    """Vectors of very different lengths, and what `normalize` makes of them: points on the unit circle.

    A copy of the shortest vector scaled by `scale` lands on the same normalized point.
    """
    rng = np.random.default_rng(seed)
    angles = (np.arange(count) + rng.uniform(0.2, 0.8, count)) * 2 * np.pi / count  # spread round
    lengths = rng.permutation(np.geomspace(0.4, 3.0, count))
    points = np.stack([lengths * np.cos(angles), lengths * np.sin(angles)], axis=1)
    shortest = int(np.argmin(lengths))
    scaled = scale * points[shortest]
    unit = normalize(torch.tensor(points, dtype=torch.float64)).numpy()
    scaled_unit = normalize(torch.tensor(scaled[None], dtype=torch.float64)).numpy()[0]

    fig = Figure(figsize=(9, 4.6), layout="constrained")
    before, after = fig.subplots(1, 2)
    circle = np.linspace(0, 2 * np.pi, 200)
    # neither green nor red: in this book those mean positive and negative data
    colors = ["tab:blue", "tab:orange", "tab:purple", "tab:brown", "tab:cyan", "tab:olive", "tab:pink"]
    colors = [colors[j % len(colors)] for j in range(count)]
    for ax in (before, after):
        ax.plot(np.cos(circle), np.sin(circle), color="gray", lw=1, linestyle=DASHES, gid="unit circle",
                label="unit circle (length 1)")
        ax.axhline(0, color="lightgray", lw=0.8, zorder=0)
        ax.axvline(0, color="lightgray", lw=0.8, zorder=0)
        ax.set_aspect("equal")
        ax.set(xlabel="first coordinate", ylabel="second coordinate")
    reach = 1.2 * max(lengths.max(), np.hypot(*scaled))
    before.set(xlim=(-reach, reach), ylim=(-reach, reach), title="inputs x: very different lengths")
    after.set(xlim=(-1.45, 1.45), ylim=(-1.45, 1.45), title="normalize(x): length 1, same direction")

    def tip_label(p, text, color):
        along = p / np.hypot(*p)
        before.text(*(p + 0.05 * reach * along), text, color=color, fontsize=9,
                    ha="left" if along[0] > 0.3 else "right" if along[0] < -0.3 else "center",
                    va="bottom" if along[1] > 0.3 else "top" if along[1] < -0.3 else "center")

    before.annotate("", xy=tuple(scaled), xytext=(0, 0), arrowprops=dict(  # pale: a copy
        arrowstyle="-|>", color=colors[shortest], alpha=0.45, lw=3, shrinkA=0, shrinkB=0, mutation_scale=16))
    tip_label(scaled, f"{scale:g} × x  (‖·‖ = {np.hypot(*scaled):.1f})", colors[shortest])
    for j, (p, u) in enumerate(zip(points, unit)):
        _arrow(before, (0, 0), tuple(p), colors[j])
        if j != shortest:  # the shortest one is named by its scaled copy
            tip_label(p, f"‖x‖ = {lengths[j]:.1f}", colors[j])
        _arrow(after, (0, 0), tuple(u), colors[j])
    before.plot(points[:, 0], points[:, 1], "o", color="black", markersize=3, gid="inputs")
    before.legend(loc="lower left", fontsize=9, frameon=False)
    after.plot(unit[:, 0], unit[:, 1], "o", color="black", markersize=4, gid="normalized")
    after.plot(*scaled_unit, "o", markersize=13, mfc="none", mec="gray", mew=1.5, gid="scaled copy, normalized",
               label=f"x and {scale:g} × x: the same point")
    after.legend(loc="lower left", fontsize=9, frameon=False)
    return fig


def draw_receptive_fields(geometries=((12, 4), (10, 2)), width: int = 1000, image: torch.Tensor | None = None) -> Figure:
    """What units of a local first layer see, for each (field, stride) in `geometries`.

    The patches outlined are those of `receptive.local_connections` for the first, a middle and
    the last location of a layer of `width` units; `image` (784 values), if given, is drawn beneath.
    """
    fig = Figure(figsize=(3.1 * len(geometries), 3.6), layout="constrained")
    axes = fig.subplots(1, len(geometries), squeeze=False)[0]
    colours = (POSITIVE, GRADIENT, NEGATIVE)
    for ax, (field, stride) in zip(axes, geometries):
        side = grid_of(IMAGE_SIDE, field, stride)
        channels = width // side ** 2
        sees = local_connections((IMAGE_SIDE, IMAGE_SIDE, 1), field, stride, channels)
        if image is not None:
            ax.imshow(image.detach().cpu().view(IMAGE_SIDE, IMAGE_SIDE).numpy(), cmap="Greys", alpha=0.45)
        middle = (side // 2 * side + side // 2) * channels
        for unit, colour in zip((0, middle, len(sees) - 1), colours):
            rows, cols = np.nonzero(sees[unit].view(IMAGE_SIDE, IMAGE_SIDE).numpy())
            ax.add_patch(Rectangle((cols.min() - 0.5, rows.min() - 0.5), cols.max() - cols.min() + 1,
                                   rows.max() - rows.min() + 1, fill=True, fc=colour, alpha=0.18,
                                   ec=colour, lw=2))
        ax.set(xlim=(-0.5, IMAGE_SIDE - 0.5), ylim=(IMAGE_SIDE - 0.5, -0.5), xticks=[], yticks=[])
        ax.set_title(f"{field} x {field} patches, {stride} apart\n{side} x {side} locations of "
                     f"{channels} units\neach unit sees {field * field} of 784 pixels", fontsize=FONT)
    return fig
