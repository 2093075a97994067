"""A playground: controls that train a small FF network in seconds and redraw what it learned,
and a gallery of recorded runs that shows the same things where no Python runs.

`train_small` and `figure_for` are plain functions, usable and testable without a notebook;
`playground` wraps them in ipywidgets controls for Jupyter and Colab. Each run is one of the
package's own recipes (`recipes.Recipe`, trained by `recipes.train`): the `fast` preset of
chapter 7, or the `unsupervised` one of chapter 9 for hybrid negatives, with the controls' values.
Every error it reports is measured on the validation split (`MNIST.validation_split`), never on
the test set. `gallery_record`, `read_gallery` and `gallery_figure` write, read and draw the
recorded runs of `python -m experiments.gallery`.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from .augment import SIDE
from .goodness import goodness
from .history import History, TrainingDiverged
from .labels import input_width
from .layer import LOSSES, check_number
from .negatives import hybrid_images, wrong_labels
from .network import FFNetwork, check_positive_int
from .plots import plot_losses
from .recipes import PRESETS, Recipe, train, train_readouts
from .runtime import machine, pick_device, seed_everything
from .schedules import NEGATIVES

# Validation images for the error and the histograms: ten passes over all 10,000 would add a third to the wait.
VALIDATION_SIZE = 2_000
SMOOTH = 10  # steps in the moving average of the loss curves
WIDTHS = (25, 50, 100, 200, 500)  # the width menu: 500 is the blog's, and still takes only seconds
BATCH_SIZES = (10, 25, 50, 100, 200, 500)  # the batch menu: 3,000 images make 300 to 6 steps an epoch
MAX_JITTER = 3  # the jitter slider's end, in pixels: chapter 8 used 1 and 2
EMBEDDINGS = ("overlay", "concat")  # the embeddings that carry a label (hybrid negatives carry none)
NEGATIVE_KINDS = NEGATIVES + ("hybrid",)  # "hybrid": no label at all, chapter 9's unsupervised FF
LOSS_NAMES = {"ff": "FF loss", "symba": "symmetric loss"}
HISTOGRAM_BINS = 50
#: Where `python -m experiments.gallery` writes its runs, in the repository (absent where the package is installed alone).
GALLERY = Path(__file__).resolve().parent.parent / "results" / "gallery"


@dataclass
class PlaygroundResult:
    """One training run of the playground: the network, its losses, its validation error and the time."""

    network: FFNetwork
    history: History
    validation_error: float  # NaN when a diverged unsupervised run left no read-out to predict with
    seconds: float  # training and measuring, which is what a reader waits for
    settings: dict = field(default_factory=dict)
    recipe: Recipe | None = None
    goodness: list = field(default_factory=list)  # one histogram per layer (`goodness_histograms`)
    diverged: str | None = None  # the message, if training stopped on a NaN or inf loss
    notes: list = field(default_factory=list)  # warnings raised during training, e.g. a dead layer

    @property
    def layer_losses(self) -> list:
        return self.history.layer_losses


def recipe_for(threshold: float = 2.0, lr: float = 0.03, width: int = 200,
               layers: int = 2, embedding: str = "overlay", negatives: str = "wrong",
               loss: str = "symba", epochs: int = 10, batch_size: int = 50,
               cooldown: bool = True, jitter: int = 0, train_size: int = 3_000,
               seed: int = 0) -> Recipe:
    """The playground's settings as one of the package's recipes.

    The base is the `fast` preset (chapter 7: every layer at once, mini-batches, its symmetric
    loss's alpha), or, for hybrid negatives, the `unsupervised` preset (chapter 9: no label, its
    alpha, peer normalization and softmax read-out); the controls' values replace the preset's.
    """
    base = PRESETS["unsupervised"] if negatives == "hybrid" else PRESETS["fast"]
    embedding = "none" if negatives == "hybrid" else embedding
    return base.replace(dims=(input_width(embedding),) + (width,) * layers,
                        embedding=embedding, epochs=epochs, batch_size=batch_size,
                        train_size=train_size, lr=lr, threshold=threshold,
                        negatives=negatives, loss=loss, cooldown=cooldown,
                        jitter=jitter, seed=seed)


def train_small(data, threshold: float = 2.0, lr: float = 0.03, width: int = 200, layers: int = 2,
                embedding: str = "overlay", negatives: str = "wrong", loss: str = "symba", epochs: int = 10,
                batch_size: int = 50, cooldown: bool = True, jitter: int = 0, train_size: int = 3_000,
                seed: int = 0, device="cpu") -> PlaygroundResult:
    """Train the recipe `recipe_for` makes of these settings on the first `train_size` images of
    the validation split's training part, and measure it on the first VALIDATION_SIZE validation images.

    The validation images are the last 10,000 training images (`data.validation_split()`), which
    no run trains on; the test set is never touched, so a reader may tune on what this reports.
    A labelled network predicts with ten passes (chapter 5), an unsupervised one (hybrid
    negatives) with its read-out. Bad settings raise ValueError before any training.

    The defaults (2 x 200 units, 3,000 images, 10 epochs of mini-batches of 50: 600 steps, the
    symmetric loss with a cool-down) take a few seconds on a 2-core CPU and leave the plateau
    at log 2 that the FF loss waits on (chapter 3) out of the picture.
    """
    # Check everything first, with the names the reader typed, so a typo costs no training time.
    check_number("threshold", threshold)
    check_number("lr", lr)
    check_positive_int("width", width)
    check_positive_int("layers", layers)
    if embedding not in EMBEDDINGS:
        raise ValueError(f"embedding must be one of {EMBEDDINGS}, got {embedding!r}")
    if negatives not in NEGATIVE_KINDS:
        raise ValueError(f"negatives must be one of {NEGATIVE_KINDS}, got {negatives!r}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    if not isinstance(cooldown, bool):
        raise ValueError(f"cooldown must be True or False, got {cooldown!r}")
    if isinstance(jitter, bool) or not isinstance(jitter, int) or not 0 <= jitter < SIDE:
        raise ValueError(f"jitter must be a whole number of pixels from 0 to {SIDE - 1}, got {jitter!r}")
    check_positive_int("train_size", train_size)
    split = data.validation_split()
    if train_size > len(split.x_train):
        raise ValueError(f"train_size must be at most {len(split.x_train)} (the training images left when "
                         f"the last {len(split.x_test)} are held out for validation), got {train_size}")
    generator = seed_everything(seed)  # checks seed; the same settings give the same run on a CPU
    device = pick_device(device)
    settings = dict(threshold=threshold, lr=lr, width=width, layers=layers, embedding=embedding,
                    negatives=negatives, loss=loss, epochs=epochs, batch_size=batch_size, cooldown=cooldown,
                    jitter=jitter, train_size=train_size, seed=seed, device=str(device))
    recipe = recipe_for(**{k: v for k, v in settings.items() if k != "device"})

    start = time.perf_counter()
    x, y = split.x_train[:train_size].to(device), split.y_train[:train_size].to(device)
    x_val, y_val = split.x_test[:VALIDATION_SIZE].to(device), split.y_test[:VALIDATION_SIZE].to(device)
    net = recipe.build(device)  # its weights are drawn right after seeding, as `recipes.train` would
    # A playground should show what went wrong, not stop with a traceback: a diverged run keeps
    # its losses up to the bad step (and the weights from before it), and warnings become notes.
    diverged = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)  # every dead-layer warning, even a repeated one
        try:
            _, history = train(recipe, x, y, net=net, generator=generator, progress=False)
        except TrainingDiverged as error:
            history, diverged = error.history, str(error)
            if recipe.readout_epochs:  # the layers stopped early: read out the weights they kept
                try:
                    train_readouts(recipe, [net], generator, x, y, progress=False)
                except TrainingDiverged:
                    pass  # no head to predict with: the error is NaN, and the status says why
    one_pass = recipe.embedding == "none"
    if one_pass and not bool(net.head_trained):
        validation_error = float("nan")
    else:
        validation_error = net.error_rate(x_val, y_val, one_pass=one_pass)
    notes = list(dict.fromkeys(str(w.message) for w in caught))  # each message once, in order
    histograms = goodness_histograms(net, x_val, y_val, recipe.loss, recipe.threshold)
    return PlaygroundResult(net, history, validation_error, time.perf_counter() - start, settings, recipe,
                            histograms, diverged, notes)


@torch.no_grad()
def goodness_on_validation(net: FFNetwork, x_val, y_val, seed: int = 0):
    """Each layer's goodness of positive and of negative validation inputs (lists of tensors, one per layer).

    For a labelled network the negatives always carry a uniformly drawn wrong label, with a fixed
    seed, whatever kind it was trained on: the histograms of different runs then measure the same
    thing. An unsupervised network sees each image against its hybrid (chapter 9).
    """
    generator = torch.Generator().manual_seed(seed)
    if net.embedding == "none":
        h_pos, h_neg = x_val, hybrid_images(x_val, generator)
    else:
        h_pos, h_neg = net.embed(x_val, y_val), net.embed(x_val, wrong_labels(y_val, generator))
    g_pos, g_neg = [], []
    for layer in net.layers:
        h_pos, h_neg = layer(h_pos), layer(h_neg)
        g_pos.append(goodness(h_pos))
        g_neg.append(goodness(h_neg))
    return g_pos, g_neg


def goodness_histograms(net: FFNetwork, x_val, y_val, loss: str = "ff", threshold: float | None = None) -> list:
    """Per layer, a histogram of what that layer's loss looks at, on validation inputs (`goodness_on_validation`).

    The FF loss judges each goodness against the threshold, so its histograms count the goodness
    of positives and of negatives ({"kind": "goodness", "edges", "positive", "negative"}). The
    symmetric loss judges only each input's gap to its own negative, g_pos - g_neg, which may be
    small beside how much goodness varies from image to image: its histograms count the gaps
    ({"kind": "gap", "edges", "gap"}); right of 0, the input beats its negative. Counts, not the
    goodness itself, so that a recorded run keeps its histograms in a few hundred numbers. A
    diverged run may leave inf or NaN, which is left out.
    """
    histograms = []
    for pos, neg in zip(*goodness_on_validation(net, x_val, y_val)):
        pos, neg = pos.cpu().numpy().astype(float), neg.cpu().numpy().astype(float)
        if loss == "symba":
            gap = pos - neg
            gap = gap[np.isfinite(gap)]
            edges = np.histogram_bin_edges(np.concatenate([gap, [0.0]]), bins=HISTOGRAM_BINS)  # 0 inside the bins
            histograms.append({"kind": "gap", "edges": edges.tolist(), "gap": np.histogram(gap, edges)[0].tolist()})
            continue
        pos, neg = pos[np.isfinite(pos)], neg[np.isfinite(neg)]
        # The bins span the threshold too, so that its line falls inside them.
        edges = np.histogram_bin_edges(np.concatenate([pos, neg, [threshold]]), bins=HISTOGRAM_BINS)
        histograms.append({"kind": "goodness", "edges": edges.tolist(), "positive": np.histogram(pos, edges)[0].tolist(),
                           "negative": np.histogram(neg, edges)[0].tolist()})
    return histograms


def plateau_steps(layer_losses: list, smooth: int = SMOOTH) -> list:
    """For each layer, the step at which its loss leaves the plateau at log 2: the first whose
    `smooth`-step average is 10% below log 2 (None if it never is). A symmetric loss starts at
    log 2 and leaves at once; the FF loss first has to bring every goodness to the threshold."""
    steps = []
    for losses in layer_losses:
        average = np.convolve(np.asarray(losses, dtype=float), np.ones(smooth) / smooth, mode="valid")
        below = np.flatnonzero(average < 0.9 * math.log(2))
        steps.append(int(below[0]) if len(below) else None)
    return steps


# ----- drawing a run: the live one, or recorded ones side by side -----

def _untrained_loss(loss: str, threshold: float) -> float:
    """Where a layer's loss starts, every goodness near 0: FF's mean of softplus(θ) and softplus(-θ)
    (chapter 3), or the symmetric loss's log 2 (no gap between positive and negative yet)."""
    if loss == "symba":
        return math.log(2)
    return float(np.logaddexp(0, threshold) + np.logaddexp(0, -threshold)) / 2  # softplus, no overflow


def _draw_losses(ax, layer_losses: list, loss: str, threshold: float) -> None:
    plot_losses(History(layer_losses=layer_losses), smooth=SMOOTH, ax=ax, title=LOSS_NAMES[loss])
    ax.axhline(math.log(2), color="gray", linestyle=":", linewidth=1, label="log 2")
    ax.set(ylabel=f"loss ({SMOOTH}-step average)")
    # A too-large learning rate can send the loss to hundreds for a few steps; clip such spikes so
    # that the start (an untrained layer's loss) and the plateau at log 2 stay readable.
    top = 2 * _untrained_loss(loss, threshold)
    if ax.get_ylim()[1] > top:
        ax.set_ylim(0, top)
        ax.set_title(f"{LOSS_NAMES[loss]} (clipped above {top:.2g})")
    ax.legend(fontsize="small")


def _draw_histogram(ax, histogram: dict, threshold: float, title: str, ylabel: str) -> None:
    """Counts over bins, drawn as `plots.plot_goodness_histograms` draws goodness: positives and
    negatives against the threshold, or each input's gap to its negative against 0."""
    # One outline per histogram (`stairs`), not a bar per bin: a gallery figure has a dozen panels.
    edges = np.asarray(histogram["edges"])
    if histogram["kind"] == "gap":
        ax.stairs(histogram["gap"], edges, fill=True, alpha=0.6, color="tab:green", label="positive − negative")
        ax.axvline(0, color="black", linestyle="--", linewidth=1, label="0")
        ax.set(xlabel="goodness gap")
    else:
        for kind in ("positive", "negative"):
            ax.stairs(histogram[kind], edges, fill=True, alpha=0.6, label=kind)
        ax.axvline(threshold, color="black", linestyle="--", linewidth=1, label="threshold")
        ax.set(xlabel="goodness")
    ax.set(ylabel=ylabel, title=title)
    ax.legend(fontsize="small")


def _error_text(error: float, negatives: str) -> str:
    if math.isnan(error):
        return "no validation error (the read-out could not be trained)"
    return f"validation error {error:.1%}" + (" (read-out)" if negatives == "hybrid" else "")


def _inputs_title(loss: str, negatives: str) -> str:
    positive, negative = (("validation images", "hybrids of them") if negatives == "hybrid"
                          else ("validation inputs with their true label", "a wrong one"))
    if loss == "symba":
        return f"Goodness of {positive} less that of {negative}"
    return f"Goodness of {positive} (positive) and of {negative} (negative)"


def figure_for(result: PlaygroundResult) -> Figure:
    """Loss curves (top) and each layer's goodness histograms on validation inputs (bottom), in one Figure.

    `plot_losses` draws the curves, with the loss of log 2; the threshold's line is drawn for the
    FF loss only (the symmetric loss has none).
    """
    n = len(result.layer_losses)
    fig = Figure(figsize=(max(6.0, 3.2 * n), 6.0), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.1])
    s = result.settings
    _draw_losses(top.subplots(), result.layer_losses, s["loss"], s["threshold"])
    axes = bottom.subplots(1, n, squeeze=False)[0]
    for k, (ax, histogram) in enumerate(zip(axes, result.goodness)):
        _draw_histogram(ax, histogram, s["threshold"], f"layer {k}", "validation inputs" if k == 0 else "")
    bottom.suptitle(_inputs_title(s["loss"], s["negatives"]), fontsize="medium")

    title = (f"{_error_text(result.validation_error, s['negatives'])} on {VALIDATION_SIZE:,} validation "
             f"images\ntrained and measured in {result.seconds:.1f} s")
    if result.diverged:
        title += "\ntraining diverged (a loss became NaN or inf): lower the learning rate"
    fig.suptitle(title)
    return fig


# ----- the gallery: recorded runs, written by experiments/gallery.py and drawn by the chapter -----

class GalleryError(ValueError):
    """A gallery file that is missing, not JSON, or lacks what a figure needs."""


GALLERY_FIELDS = ("name", "command", "settings", "validation_error", "validation_images", "layer_losses",
                  "goodness", "seconds", "machine")


def gallery_record(result: PlaygroundResult, name: str, command: str) -> dict:
    """What a gallery file holds: the settings, the command that made it, the validation error,
    every step's loss, the goodness histograms, and the machine."""
    return {
        "name": name,
        "command": command,
        "settings": result.settings,
        "recipe": asdict(result.recipe),
        "validation_error": result.validation_error,
        "validation_images": VALIDATION_SIZE,
        "prediction": "read-out" if result.recipe.embedding == "none" else "ten passes",
        "layer_losses": [[round(v, 6) for v in losses] for losses in result.layer_losses],
        "goodness": result.goodness,
        "diverged": result.diverged,
        "notes": result.notes,
        "seconds": round(result.seconds, 2),
        "machine": machine(result.settings["device"]),
        "torch": torch.__version__,
    }


def read_gallery_run(path) -> dict:
    """One gallery file, checked: a missing or broken one is a GalleryError that says how to make it again."""
    path = Path(path)
    again = f"make it with `python -m experiments.gallery {path.stem} --force`"
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        raise GalleryError(f"gallery file {path} is missing: {again}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise GalleryError(f"cannot read the gallery file {path} ({error}): {again}") from None
    except json.JSONDecodeError as error:
        raise GalleryError(f"gallery file {path} is not valid JSON ({error}): {again}") from None
    if not isinstance(record, dict):
        raise GalleryError(f"gallery file {path} holds no record (a JSON object): {again}")
    missing = [name for name in GALLERY_FIELDS if name not in record]
    if missing:
        raise GalleryError(f"gallery file {path} lacks {', '.join(missing)}: {again}")
    layers = len(record["layer_losses"])
    if layers == 0 or len(record["goodness"]) != layers:
        raise GalleryError(f"gallery file {path} has {layers} loss curves and {len(record['goodness'])} "
                           f"histograms, not one of each per layer: {again}")
    return record


def read_gallery(names, folder=GALLERY) -> dict:
    """The gallery runs `names`, read from `folder` (results/gallery/ by default), by name."""
    return {name: read_gallery_run(Path(folder) / f"{name}.json") for name in names}


def _label(key: str, value) -> str:
    """One setting in words, for a column's title."""
    if key == "loss":
        return LOSS_NAMES.get(value, str(value))
    if key == "cooldown":
        return "cool-down" if value else "no cool-down"
    if key == "jitter" and value == 0:
        return "no jitter"
    words = {"negatives": "{} negatives", "batch_size": "batches of {}", "jitter": "jitter {} px",
             "width": "{} units", "train_size": "{} images"}
    return words.get(key, key + " {}").format(f"{value:g}" if isinstance(value, float) else value)


def gallery_figure(runs) -> Figure:
    """Recorded runs side by side, a column each: the loss curves, then each layer's goodness histograms.

    Each column is titled by the settings in which its run differs from the others, and its
    validation error; the suptitle says what they share.
    """
    runs = list(runs.values()) if isinstance(runs, dict) else list(runs)
    if not runs:
        raise ValueError("gallery_figure needs at least one recorded run")
    keys = [k for k in runs[0]["settings"] if k != "device"]
    differ = [k for k in keys if len({json.dumps(r["settings"].get(k)) for r in runs}) > 1]
    rows = 1 + max(len(r["layer_losses"]) for r in runs)
    fig = Figure(figsize=(3.6 * len(runs), 2.4 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, len(runs), squeeze=False)
    for column, run in enumerate(runs):
        s = run["settings"]
        _draw_losses(axes[0, column], run["layer_losses"], s["loss"], s["threshold"])
        # the threshold, where it differs, only for the FF loss: the symmetric loss has none
        heading = ", ".join(_label(k, s[k]) for k in differ if not (k == "threshold" and s["loss"] != "ff"))
        heading = heading or run["name"]
        axes[0, column].set_title(f"{heading}\n{_error_text(run['validation_error'], s['negatives'])}",
                                  fontsize="medium")
        for k in range(1, rows):
            if k - 1 < len(run["goodness"]):
                _draw_histogram(axes[k, column], run["goodness"][k - 1], s["threshold"], f"layer {k - 1}",
                                "validation inputs" if column == 0 else "")
            else:
                axes[k, column].set_axis_off()
    s = runs[0]["settings"]
    shared = [_label(k, s[k]) for k in ("loss", "negatives", "batch_size", "cooldown", "jitter", "seed")
              if k not in differ]
    fig.suptitle(f"{s['layers']}×{s['width']} units, {s['train_size']:,} training images, {s['epochs']} epochs; "
                 f"errors on {runs[0]['validation_images']:,} validation images\n" + ", ".join(shared))
    return fig


# ----- the controls -----

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
    network = "no label" if s["negatives"] == "hybrid" else s["embedding"]
    extras = ("cool-down, " if s["cooldown"] else "") + (f"jitter {s['jitter']} px, " if s["jitter"] else "")
    text = (f"{s['layers']}×{s['width']} units, {network}, {LOSS_NAMES[s['loss']]}, {s['negatives']} negatives, "
            f"batches of {s['batch_size']}, {extras}{s['epochs']} epochs: "
            f"{_error_text(result.validation_error, s['negatives'])} in {result.seconds:.1f} s")
    for problem in ([result.diverged] if result.diverged else []) + result.notes:
        text += f". {problem}"
    return html.escape(text)


def playground(data=None, *, threshold: float = 2.0, lr: float = 0.03, width: int = 200, layers: int = 2,
               embedding: str = "overlay", negatives: str = "wrong", loss: str = "symba", epochs: int = 10,
               batch_size: int = 50, cooldown: bool = True, jitter: int = 0, train_size: int = 3_000,
               seed: int = 0, device="cpu"):
    """Controls, a Train button, a status line and a figure, in one VBox to display in a notebook.

    The keyword arguments are the starting values (as for `train_small`); `train_size` and
    `device` have no control and stay as given. The box trains once with them before it is
    returned, so it shows a figure straight away. For scripts and tests, the box also has
    `controls` (a dict of the widgets by setting), `button`, `status`, `output` and `result`
    (the latest PlaygroundResult).
    """
    import ipywidgets as widgets  # here, not at the top: the rest of the package does not need it

    if data is None:
        from .data import load_mnist
        data = load_mnist()
    # Train once first: this checks the starting values, and gives the figure to show.
    result = train_small(data, threshold=threshold, lr=lr, width=width, layers=layers, embedding=embedding,
                         negatives=negatives, loss=loss, epochs=epochs, batch_size=batch_size,
                         cooldown=cooldown, jitter=jitter, train_size=train_size, seed=seed, device=device)

    style = {"description_width": "110px"}
    controls = {
        # The first column: the loss and the steps it takes.
        "loss": widgets.Dropdown(options=[(LOSS_NAMES[k], k) for k in LOSSES], value=loss,
                                 description="loss", style=style),
        "threshold": _log_slider(widgets, "threshold", threshold, -1, 1.5, step=0.05, readout_format=".3g",
                                 style=style),
        "lr": _log_slider(widgets, "learning rate", lr, -4, 0, step=0.25, readout_format=".2g", style=style),
        "cooldown": widgets.Checkbox(value=cooldown, description="cool-down", style=style),
        "batch_size": widgets.Dropdown(options=sorted(set(BATCH_SIZES) | {batch_size}), value=batch_size,
                                       description="batch size", style=style),
        "epochs": widgets.IntSlider(value=epochs, min=1, max=max(20, epochs), description="epochs", style=style),
        # The second column: the data and the network.
        "negatives": widgets.Dropdown(options=list(NEGATIVE_KINDS), value=negatives,
                                      description="negatives", style=style),
        "embedding": widgets.Dropdown(options=list(EMBEDDINGS), value=embedding,
                                      description="label embedding", style=style),
        "jitter": widgets.IntSlider(value=jitter, min=0, max=max(MAX_JITTER, jitter), description="jitter (px)",
                                    style=style),
        "width": widgets.Dropdown(options=sorted(set(WIDTHS) | {width}), value=width,
                                  description="units per layer", style=style),
        "layers": widgets.IntSlider(value=layers, min=1, max=max(3, layers), description="layers", style=style),
        # Another seed is another run of the same settings: how far the error moves by chance.
        "seed": widgets.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="seed", style=style),
    }

    # A control that the other settings make idle is greyed out: the symmetric loss has no
    # threshold, and hybrid negatives carry no label to embed. It still trains with its value.
    def grey_out(_change=None):
        controls["threshold"].disabled = controls["loss"].value != "ff"
        controls["embedding"].disabled = controls["negatives"].value == "hybrid"

    controls["loss"].observe(grey_out, names="value")
    controls["negatives"].observe(grey_out, names="value")
    grey_out()
    # A button, not retraining on every change: each run takes seconds, and dragging a slider
    # would queue a run for every value it passes through.
    button = widgets.Button(description="Train", button_style="primary", icon="play")
    status = widgets.HTML(value=_status(result))  # HTML, not Label: a long message wraps instead of being cut
    output = widgets.Output()
    output.outputs = (_png_output(figure_for(result)),)

    def train_clicked(_button):
        button.disabled = True
        status.value = "training..."
        try:
            values = {name: control.value for name, control in controls.items()}
            box.result = train_small(data, train_size=train_size, device=device, **values)
            # Replace the outputs in one assignment: clear_output followed by a new display
            # can lose the figure in ipywidgets 8 when called from a button's callback.
            output.outputs = (_png_output(figure_for(box.result)),)
            status.value = _status(box.result)
        except Exception as error:  # shown where the reader looks; a callback's traceback is hidden
            status.value = html.escape(f"failed: {type(error).__name__}: {error}")
        finally:
            button.disabled = False

    button.on_click(train_clicked)
    names = list(controls)
    box = widgets.VBox([
        widgets.HBox([widgets.VBox([controls[n] for n in names[:6]]),
                      widgets.VBox([controls[n] for n in names[6:]])]),
        widgets.HBox([button, status]),
        output,
    ])
    box.controls, box.button, box.status, box.output, box.result = controls, button, status, output, result
    return box


def still(box):
    """A picture of the playground's controls and status line, as plain HTML (IPython's HTML) that needs no kernel.

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
            # options are values, or (label, value) pairs; `label` is the one shown for the value
            labels = [option[0] if isinstance(option, tuple) else option for option in control.options]
            options = "".join(f"<option{' selected' if str(text) == control.label else ''}>{html.escape(str(text))}"
                              f"</option>" for text in labels)
            field, shown = f"<select disabled>{options}</select>", ""
        elif kind in ("FloatLogSlider", "IntSlider"):
            position = math.log10(control.value) if kind == "FloatLogSlider" else control.value
            field = (f'<input type="range" disabled min="{control.min}" max="{control.max}" step="any" '
                     f'value="{position}">')
            shown = f"{control.value:.3g}" if kind == "FloatLogSlider" else str(control.value)
        elif kind == "Checkbox":
            field, shown = f'<input type="checkbox" disabled{" checked" if control.value else ""}>', ""
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
