"""A playground: controls that train a small FF network in seconds and redraw what it learned.

`train_small` and `figure_for` are plain functions, usable and testable without a notebook;
`playground` wraps them in ipywidgets controls for Jupyter and Colab.
"""

from __future__ import annotations

import base64
import html
import io
import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
from matplotlib.figure import Figure

from .goodness import goodness
from .history import History, TrainingDiverged
from .labels import input_width
from .layer import check_number
from .negatives import wrong_labels
from .network import FFNetwork, check_positive_int
from .plots import plot_goodness_histograms, plot_losses
from .schedules import NEGATIVES, train_simultaneous
from .runtime import pick_device, seed_everything

# Test images for the error and the histograms: ten passes over all 10,000 would add a third to the wait.
TEST_SIZE = 2_000
SMOOTH = 10  # steps in the moving average of the loss curves
WIDTHS = (25, 50, 100, 200, 500)  # the width menu: 500 is the blog's, and still takes only seconds
EMBEDDINGS = ("overlay", "concat")  # the embeddings that carry a label: the playground learns with labels


@dataclass
class PlaygroundResult:
    """One training run of the playground: the network, its losses, its test error and the time."""

    network: FFNetwork
    history: History
    test_error: float
    seconds: float  # training and testing, which is what a reader waits for
    settings: dict = field(default_factory=dict)
    diverged: str | None = None  # the message, if training stopped on a NaN or inf loss
    notes: list = field(default_factory=list)  # warnings raised during training, e.g. a dead layer


def train_small(data, threshold: float = 2.0, lr: float = 0.03, width: int = 200,
                embedding: str = "overlay", negatives: str = "wrong", epochs: int = 10,
                layers: int = 2, train_size: int = 3_000, batch_size: int = 50, seed: int = 0,
                device="cpu") -> PlaygroundResult:
    """Train an FF network of `layers` layers of `width` units on the first `train_size` images.

    The network uses the FF loss (the threshold is one of the controls, and the symmetric loss
    has none), and `train_simultaneous`: every layer learns from the first step, so the loss
    curves share one axis of steps and `epochs` means the same for every layer. Greedy training
    (chapter 4) would finish layer 0 before layer 1 even starts, and a reader who changed a
    setting would watch one layer at a time. Bad settings raise ValueError before any training.

    The defaults (2 x 200 units, 3,000 images, 10 epochs of mini-batches of 50: 600 steps) take
    about 2 s on a 2-core CPU: enough steps to get past the loss's pause at log 2 (chapter 3)
    and separate positive from negative goodness, few enough to wait for.
    """
    # Check everything first, with the names the reader typed, so a typo costs no training time.
    check_number("threshold", threshold)
    check_number("lr", lr)
    check_positive_int("width", width)
    if embedding not in EMBEDDINGS:
        raise ValueError(f"embedding must be one of {EMBEDDINGS}, got {embedding!r}")
    if negatives not in NEGATIVES:
        raise ValueError(f"negatives must be one of {NEGATIVES}, got {negatives!r}")
    check_positive_int("epochs", epochs)
    check_positive_int("layers", layers)
    check_positive_int("train_size", train_size)
    if train_size > len(data.x_train):
        raise ValueError(f"train_size must be at most {len(data.x_train)} (the training images there "
                         f"are), got {train_size}")
    check_positive_int("batch_size", batch_size)
    generator = seed_everything(seed)  # checks seed; the same settings give the same run on a CPU
    device = pick_device(device)
    settings = dict(threshold=threshold, lr=lr, width=width, embedding=embedding, negatives=negatives,
                    epochs=epochs, layers=layers, train_size=train_size, batch_size=batch_size,
                    seed=seed, device=str(device))

    start = time.perf_counter()
    x, y = data.x_train[:train_size].to(device), data.y_train[:train_size].to(device)
    x_test, y_test = data.x_test[:TEST_SIZE].to(device), data.y_test[:TEST_SIZE].to(device)
    net = FFNetwork([input_width(embedding)] + [width] * layers, embedding=embedding,
                    threshold=threshold, lr=lr, device=device)
    # A playground should show what went wrong, not stop with a traceback: a diverged run keeps
    # its losses up to the bad step (and the weights from before it), and warnings become notes.
    diverged = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)  # every dead-layer warning, even a repeated one
        try:
            # eval_every=None: measuring the error every epoch would cost as much as training here.
            history = train_simultaneous(net, x, y, epochs=epochs, batch_size=batch_size, negatives=negatives,
                                             eval_every=None, generator=generator, progress=False)
        except TrainingDiverged as error:
            history, diverged = error.history, str(error)
    test_error = net.error_rate(x_test, y_test)
    notes = list(dict.fromkeys(str(w.message) for w in caught))  # each message once, in order
    return PlaygroundResult(net, history, test_error, time.perf_counter() - start, settings, diverged, notes)


@torch.no_grad()
def goodness_on_test(net: FFNetwork, data, seed: int = 0):
    """Each layer's goodness of positive and of negative test inputs (lists of tensors, one per layer).

    The negatives always carry a uniformly drawn wrong label, with a fixed seed, whatever kind
    the network was trained on: the histograms of different runs then measure the same thing.
    """
    x = data.x_test[:TEST_SIZE].to(net.device)
    y = data.y_test[:TEST_SIZE].to(net.device)
    y_wrong = wrong_labels(y, torch.Generator().manual_seed(seed))
    h_pos, h_neg = net.embed(x, y), net.embed(x, y_wrong)
    g_pos, g_neg = [], []
    for layer in net.layers:
        h_pos, h_neg = layer(h_pos), layer(h_neg)
        g_pos.append(goodness(h_pos))
        g_neg.append(goodness(h_neg))
    return g_pos, g_neg


def figure_for(result: PlaygroundResult, data) -> Figure:
    """Loss curves (top) and each layer's goodness histograms on test inputs (bottom), in one Figure.

    `plot_losses` and `plot_goodness_histograms` draw them, on the axes of this Figure; it adds the
    loss of log 2 and clips the loss's spikes.
    """
    net, history = result.network, result.history
    n = len(net.layers)
    fig = Figure(figsize=(max(6.0, 3.2 * n), 6.0), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.1])

    threshold = net.config.threshold
    ax = top.subplots()
    plot_losses(history, smooth=SMOOTH, ax=ax)
    ax.axhline(math.log(2), color="gray", linestyle=":", linewidth=1, label="log 2")
    ax.set(ylabel=f"loss ({SMOOTH}-step average)")
    # A too-large learning rate can send the loss to hundreds for a few steps; clip such spikes so
    # that the start (an untrained layer's loss) and the plateau at log 2 stay readable.
    untrained = float(np.logaddexp(0, threshold) + np.logaddexp(0, -threshold)) / 2  # softplus, no overflow
    if ax.get_ylim()[1] > 2 * untrained:
        ax.set_ylim(0, 2 * untrained)
        ax.set_title(f"Local loss of each layer (clipped above {2 * untrained:.2g})")
    ax.legend(fontsize="small")

    # A diverged run may leave inf; the bins span the threshold too, so that its line falls inside them.
    g_pos, g_neg = ([g[torch.isfinite(g)] for g in gs] for gs in goodness_on_test(net, data))
    edges = [np.histogram_bin_edges(np.concatenate([pos.cpu().numpy(), neg.cpu().numpy(), [threshold]]), bins=50)
             for pos, neg in zip(g_pos, g_neg)]
    plot_goodness_histograms(g_pos, g_neg, threshold, titles=[f"layer {k}" for k in range(n)], bins=edges,
                             ylabel=["test inputs"] + [""] * (n - 1), axes=bottom.subplots(1, n, squeeze=False)[0])
    bottom.suptitle("Goodness of test inputs: true label (positive) and a wrong one (negative)",
                    fontsize="medium")

    title = (f"test error {result.test_error:.1%} on {min(TEST_SIZE, len(data.x_test)):,} test images, "
             f"trained and tested in {result.seconds:.1f} s")
    if result.diverged:
        title += "\ntraining diverged (a loss became NaN or inf): lower the learning rate"
    fig.suptitle(title)
    return fig


def _png_output(fig: Figure) -> dict:
    """The figure as a display_data output that an ipywidgets Output can hold."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"),
                     "text/plain": "<Figure>"}}


def _log_slider(widgets, description, value, low, high, **kwargs):
    """A FloatLogSlider from 10**low to 10**high, widened if needed so that it can hold `value`."""
    exponent = math.log10(value)
    return widgets.FloatLogSlider(value=value, base=10, min=min(low, math.floor(exponent)),
                                  max=max(high, math.ceil(exponent)), description=description, **kwargs)


def _status(result: PlaygroundResult) -> str:
    s = result.settings
    text = (f"{s['layers']}×{s['width']} units, {s['embedding']}, {s['negatives']} negatives, "
            f"{s['epochs']} epochs: test error {result.test_error:.1%} in {result.seconds:.1f} s")
    for problem in ([result.diverged] if result.diverged else []) + result.notes:
        text += f". {problem}"
    return html.escape(text)


def playground(data=None, *, threshold: float = 2.0, lr: float = 0.03, width: int = 200,
               embedding: str = "overlay", negatives: str = "wrong", epochs: int = 10, layers: int = 2,
               train_size: int = 3_000, batch_size: int = 50, seed: int = 0, device="cpu"):
    """Controls, a Train button, a status line and a figure, in one VBox to display in a notebook.

    The keyword arguments are the starting values (as for `train_small`); `train_size`,
    `batch_size` and `device` have no control and stay as given. The box trains once
    with them before it is returned, so it shows a figure straight away. For scripts and tests,
    the box also has `controls` (a dict of the widgets by setting), `button`, `status`, `output`
    and `result` (the latest PlaygroundResult).
    """
    import ipywidgets as widgets  # here, not at the top: the rest of the package does not need it

    if data is None:
        from .data import load_mnist
        data = load_mnist()
    # Train once first: this checks the starting values, and gives the figure to show.
    result = train_small(data, threshold=threshold, lr=lr, width=width, embedding=embedding,
                         negatives=negatives, epochs=epochs, layers=layers, train_size=train_size,
                         batch_size=batch_size, seed=seed, device=device)

    style = {"description_width": "110px"}
    controls = {
        "threshold": _log_slider(widgets, "threshold", threshold, -1, 1.5, step=0.05, readout_format=".3g",
                                 style=style),
        "lr": _log_slider(widgets, "learning rate", lr, -4, 0, step=0.25, readout_format=".2g", style=style),
        "epochs": widgets.IntSlider(value=epochs, min=1, max=max(20, epochs), description="epochs", style=style),
        "layers": widgets.IntSlider(value=layers, min=1, max=max(3, layers), description="layers", style=style),
        "width": widgets.Dropdown(options=sorted(set(WIDTHS) | {width}), value=width,
                                  description="units per layer", style=style),
        "embedding": widgets.Dropdown(options=list(EMBEDDINGS), value=embedding,
                                      description="label embedding", style=style),
        "negatives": widgets.Dropdown(options=list(NEGATIVES), value=negatives,
                                      description="negatives", style=style),
        # Another seed is another run of the same settings: how far the error moves by chance.
        "seed": widgets.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="seed", style=style),
    }
    # A button, not retraining on every change: each run takes seconds, and dragging a slider
    # would queue a run for every value it passes through.
    button = widgets.Button(description="Train", button_style="primary", icon="play")
    status = widgets.HTML(value=_status(result))  # HTML, not Label: a long message wraps instead of being cut
    output = widgets.Output()
    output.outputs = (_png_output(figure_for(result, data)),)

    def train(_button):
        button.disabled = True
        status.value = "training..."
        try:
            values = {name: control.value for name, control in controls.items()}
            box.result = train_small(data, train_size=train_size, batch_size=batch_size, device=device,
                                     **values)
            # Replace the outputs in one assignment: clear_output followed by a new display
            # can lose the figure in ipywidgets 8 when called from a button's callback.
            output.outputs = (_png_output(figure_for(box.result, data)),)
            status.value = _status(box.result)
        except Exception as error:  # shown where the reader looks; a callback's traceback is hidden
            status.value = html.escape(f"failed: {type(error).__name__}: {error}")
        finally:
            button.disabled = False

    button.on_click(train)
    names = list(controls)
    box = widgets.VBox([
        widgets.HBox([widgets.VBox([controls[n] for n in names[:4]]),
                      widgets.VBox([controls[n] for n in names[4:]])]),
        widgets.HBox([button, status]),
        output,
    ])
    box.controls, box.button, box.status, box.output, box.result = controls, button, status, output, result
    return box


def still(box) -> "IPython.display.HTML":
    """A picture of the playground's controls and status line, as plain HTML that needs no kernel.

    A rendered page cannot run the widgets (no Python behind them, and often no widget script
    either), so the book shows this still instead: the controls as disabled HTML inputs with
    the values of the latest run, and its status line.
    """
    from IPython.display import HTML

    rows = []
    for control in box.controls.values():
        label = html.escape(control.description)
        kind = type(control).__name__
        if kind == "Dropdown":
            options = "".join(f"<option{' selected' if option == control.value else ''}>{html.escape(str(option))}"
                              f"</option>" for option in control.options)
            field, shown = f"<select disabled>{options}</select>", ""
        elif kind in ("FloatLogSlider", "IntSlider"):
            position = math.log10(control.value) if kind == "FloatLogSlider" else control.value
            field = (f'<input type="range" disabled min="{control.min}" max="{control.max}" step="any" '
                     f'value="{position}">')
            shown = f"{control.value:.3g}" if kind == "FloatLogSlider" else str(control.value)
        else:  # the seed: a number box
            field, shown = f'<input type="number" disabled value="{control.value}" style="width:6em">', ""
        rows.append(f"<tr><td style='padding-right:1em'>{label}</td><td>{field}</td><td>{shown}</td></tr>")
    return HTML(
        "<div style='border:1px solid #bbb;border-radius:4px;padding:0.6em;display:inline-block'>"
        "<div style='font-size:85%;color:#666;margin-bottom:0.4em'>A still of the playground: "
        "the controls do nothing here; open the chapter in Jupyter or Colab to use them.</div>"
        f"<table>{''.join(rows)}</table>"
        f"<div style='margin-top:0.5em'><button disabled>&#9654; Train</button> "
        f"<span style='margin-left:0.5em'>{box.status.value}</span></div></div>")
