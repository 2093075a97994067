"""The playground: small runs that train what the controls say, measured on validation images, and
the gallery of recorded runs that the static book draws."""

import base64
import dataclasses
import importlib
import inspect
import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

from ff_tutorial import MNIST, PRESETS, FFNetwork, History
from ff_tutorial.engine import Engine
from ff_tutorial.layer import normalize

# The module itself (not a `playground` function the package may export under the same name).
pg = importlib.import_module("ff_tutorial.playground")
gallery = importlib.import_module("experiments.gallery")

ipywidgets = pytest.importorskip("ipywidgets")

TINY = dict(width=20, epochs=2, train_size=500, batch_size=50)  # 10 steps an epoch: a fraction of a second
VALIDATION_START = 50_000  # the validation split: the last 10,000 training images


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


def validation_images(mnist, n=pg.VALIDATION_SIZE):
    return mnist.x_train[VALIDATION_START:VALIDATION_START + n], mnist.y_train[VALIDATION_START:VALIDATION_START + n]


@pytest.fixture
def first_step(monkeypatch):
    """What the engine's first step sees: its batch and layer 0's weights before the step."""
    seen = {}
    original = Engine.eager_step

    def eager_step(engine, first, last, x, *args, **kwargs):
        if not seen:
            seen.update(x=x.detach().clone(), weight=engine.weights[0].detach().clone(),
                        bias=engine.biases[0].detach().clone())
        return original(engine, first, last, x, *args, **kwargs)

    monkeypatch.setattr(Engine, "eager_step", eager_step)
    return seen


def labels_written(rows):
    """The label an overlay-embedded input carries: the brightest of its first 10 values."""
    return rows[:, :10].argmax(dim=1)


# ----- a run, and what it is measured on -----

def test_train_small_trains_the_network_the_settings_describe(mnist):
    result = pg.train_small(mnist, threshold=2.0, lr=0.03, embedding="overlay", negatives="wrong", **TINY)
    assert result.network.config.dims == [784, 20, 20]
    assert result.recipe.schedule == "simultaneous" and result.recipe.loss == "symba"  # the default loss
    # a count of wrong answers among the validation images, not some other number between 0 and 1
    mistakes = result.validation_error * pg.VALIDATION_SIZE
    assert mistakes == pytest.approx(round(mistakes), abs=1e-3)
    # one loss list per layer, one loss per step: 500 images / 50 per batch x 2 epochs
    assert [len(losses) for losses in result.history.layer_losses] == [20, 20]
    assert all(math.isfinite(v) for losses in result.history.layer_losses for v in losses)
    assert result.seconds > 0 and result.diverged is None


def test_one_layer_and_the_concatenated_label(mnist):
    result = pg.train_small(mnist, embedding="concat", layers=1, **TINY)
    assert result.network.config.dims == [794, 20]
    assert len(result.history.layer_losses) == 1


def test_the_error_is_that_of_the_first_validation_images(mnist):
    result = pg.train_small(mnist, **TINY)
    x_val, y_val = validation_images(mnist)
    predicted = result.network.predict(x_val)
    assert result.validation_error == pytest.approx((predicted != y_val).float().mean().item())


def test_no_test_image_is_used_for_training_or_measuring(mnist, monkeypatch):
    # A test set of NaN: an image of it anywhere would make a loss, a goodness or the error NaN.
    no_test = MNIST(mnist.x_train, mnist.y_train, torch.full_like(mnist.x_test, float("nan")),
                    torch.zeros_like(mnist.y_test))
    scored = []
    original = FFNetwork.scores

    def scores(net, x, *args, **kwargs):
        scored.append(x.clone())
        return original(net, x, *args, **kwargs)

    monkeypatch.setattr(FFNetwork, "scores", scores)
    result = pg.train_small(no_test, **TINY)
    assert math.isfinite(result.validation_error)
    assert all(math.isfinite(v) for losses in result.history.layer_losses for v in losses)
    # the only images predicted are the first validation images, i.e. training images 50,000 on
    (x,) = scored
    assert torch.equal(x, validation_images(mnist)[0])
    assert sum(result.goodness[0]["gap"]) == pg.VALIDATION_SIZE  # every histogram count is a finite gap


def test_the_training_images_are_the_first_of_the_split(mnist, first_step):
    result = pg.train_small(mnist, batch_size=500, **{k: v for k, v in TINY.items() if k != "batch_size"})
    # one batch of all 500, in order: the positives are the first 500 training images, with their labels
    expected = normalize(result.network.embed(mnist.x_train[:500], mnist.y_train[:500]))
    assert torch.allclose(first_step["x"][0, :500], expected, atol=1e-6)


@pytest.mark.parametrize("threshold", [2.0, 8.0])
def test_the_first_ff_loss_is_that_of_an_untrained_layer_at_this_threshold(mnist, threshold):
    # Untrained, every goodness is near 0, so the loss is the mean of softplus(θ) and softplus(-θ):
    # 1.13 for θ = 2 and 4.00 for θ = 8 (chapter 3).
    result = pg.train_small(mnist, loss="ff", threshold=threshold, **TINY)
    expected = (F.softplus(torch.tensor(threshold)) + F.softplus(torch.tensor(-threshold))).item() / 2
    assert result.history.layer_losses[0][0] == pytest.approx(expected, abs=0.01)


def test_changing_the_threshold_changes_ff_training(mnist):
    low = pg.train_small(mnist, loss="ff", threshold=1.0, **TINY)
    high = pg.train_small(mnist, loss="ff", threshold=6.0, **TINY)
    assert not np.allclose(low.history.layer_losses[0], high.history.layer_losses[0])
    assert not torch.equal(low.network.layers[0].linear.weight, high.network.layers[0].linear.weight)


def test_the_same_settings_give_the_same_run_on_the_cpu(mnist):
    first, second = pg.train_small(mnist, seed=3, **TINY), pg.train_small(mnist, seed=3, **TINY)
    assert first.history.layer_losses == second.history.layer_losses
    assert first.validation_error == second.validation_error


@pytest.mark.parametrize("setting, value", [
    ("lr", -0.01), ("lr", 0.0), ("threshold", float("nan")), ("embedding", "sideways"),
    ("embedding", "none"), ("width", 0), ("epochs", 0), ("layers", 0), ("negatives", "random"),
    ("loss", "hinge"), ("cooldown", "yes"), ("jitter", -1), ("jitter", 1.5), ("jitter", 28),
    ("train_size", 50_001), ("batch_size", 0),
])
def test_bad_settings_raise_a_value_error_naming_them_before_any_training(mnist, monkeypatch, setting, value):
    def no_training(*args, **kwargs):
        raise AssertionError("training started before the settings were checked")

    monkeypatch.setattr(pg, "train", no_training)
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
    assert result.validation_error == pytest.approx(result.network.error_rate(*validation_images(mnist)))
    assert "diverged" in title_of(pg.figure_for(result))


# ----- each lever reaches the training -----

@pytest.mark.parametrize("loss", ["ff", "symba"])
def test_the_loss_lever_sets_the_loss_of_the_first_step(mnist, first_step, loss):
    threshold, alpha = 2.0, PRESETS["fast"].symba_alpha  # the fast preset's alpha (chapter 7)
    result = pg.train_small(mnist, loss=loss, threshold=threshold, **TINY)
    # The first step's loss of layer 0, by hand: relu(x W + b), goodness the mean square, then each loss.
    x, weight, bias = first_step["x"][0], first_step["weight"][0], first_step["bias"][0]
    g = torch.relu(x @ weight + bias).pow(2).mean(dim=1).double()
    g_pos, g_neg = g[:50], g[50:]
    by_hand = {
        "ff": torch.cat([torch.log1p(torch.exp(threshold - g_pos)), torch.log1p(torch.exp(g_neg - threshold))]).mean(),
        "symba": torch.log1p(torch.exp(-alpha * (g_pos - g_neg))).mean(),
    }
    recorded = result.history.layer_losses[0][0]
    assert recorded == pytest.approx(by_hand[loss].item(), rel=1e-4)
    other = "symba" if loss == "ff" else "ff"
    assert abs(recorded - by_hand[other].item()) > 0.1  # the two losses differ on this very batch


def test_jitter_moves_the_training_images(mnist, monkeypatch):
    def positives(jitter):
        seen = {}
        original = Engine.eager_step

        def eager_step(engine, first, last, x, *args, **kwargs):
            seen.setdefault("x", x.detach().clone())
            return original(engine, first, last, x, *args, **kwargs)

        monkeypatch.setattr(Engine, "eager_step", eager_step)
        result = pg.train_small(mnist, jitter=jitter, batch_size=500,
                                **{k: v for k, v in TINY.items() if k != "batch_size"})
        unmoved = normalize(result.network.embed(mnist.x_train[:500], mnist.y_train[:500]))
        # for each positive, whether it is exactly one of the training images as they are
        return ((seen["x"][0, :500] @ unmoved.T).max(dim=1).values > 1 - 1e-5).float().mean().item()

    assert positives(0) == 1.0
    # with shifts of up to 2 pixels each way, 1 image in 25 stays where it was (and a few blank-edged
    # digits look the same moved): most positives are images no one drew there
    assert positives(2) < 0.5


@pytest.mark.parametrize("batch_size, steps_per_epoch", [(50, 10), (100, 5), (300, 2), (500, 1)])
def test_the_batch_size_sets_the_number_of_steps(mnist, batch_size, steps_per_epoch):
    result = pg.train_small(mnist, **{**TINY, "batch_size": batch_size})  # 500 images, 2 epochs
    assert [len(losses) for losses in result.history.layer_losses] == [2 * steps_per_epoch] * 2


@pytest.mark.parametrize("cooldown, rates", [
    (True, [0.03, 0.03, 0.03, 0.015]),  # constant for the first half, then linearly towards 0
    (False, [0.03] * 4),
])
def test_the_cooldown_lowers_the_learning_rate_over_the_second_half(mnist, monkeypatch, cooldown, rates):
    set_to = []
    original = Engine.set_lr
    monkeypatch.setattr(Engine, "set_lr", lambda engine, lr: (set_to.append(lr), original(engine, lr)))
    pg.train_small(mnist, cooldown=cooldown, lr=0.03, **{**TINY, "epochs": 4})
    assert set_to == pytest.approx(rates)


@pytest.mark.parametrize("negatives", ["wrong", "permuted", "hard"])
def test_the_negatives_lever_sets_the_labels_of_the_negatives(mnist, first_step, monkeypatch, negatives):
    schedules = importlib.import_module("ff_tutorial.schedules")
    hard_calls = []
    original = schedules.hard_wrong_labels
    monkeypatch.setattr(schedules, "hard_wrong_labels", lambda *a, **k: (hard_calls.append(1), original(*a, **k))[1])
    pg.train_small(mnist, negatives=negatives, batch_size=500, **{k: v for k, v in TINY.items() if k != "batch_size"})
    batch = first_step["x"][0]
    same = (labels_written(batch[:500]) == labels_written(batch[500:])).float().mean().item()
    if negatives == "permuted":
        assert 0.05 < same < 0.15  # the blog's shuffle gives the true label to about a tenth
    else:
        assert same == 0.0  # a wrong label is never the true one
    assert bool(hard_calls) == (negatives == "hard")


def test_hybrid_negatives_train_without_labels_and_measure_with_the_read_out(mnist, first_step):
    result = pg.train_small(mnist, negatives="hybrid", embedding="concat", **TINY)
    net = result.network
    assert net.embedding == "none" and net.config.dims == [784, 20, 20]  # no label, whatever the embedding says
    assert result.recipe == PRESETS["unsupervised"].replace(
        dims=(784, 20, 20), epochs=2, batch_size=50, train_size=500, loss="symba", cooldown=True, jitter=0,
        threshold=2.0, lr=0.03, seed=0)
    x_val, y_val = validation_images(mnist)
    assert bool(net.head_trained)
    assert result.validation_error == pytest.approx((net.predict_one_pass(x_val) != y_val).float().mean().item())
    # the positives are images without a label: the first training images themselves
    positives = first_step["x"][0, :50]
    assert torch.allclose(positives.norm(dim=1), torch.ones(50), atol=1e-5)
    assert (positives @ normalize(mnist.x_train[:500]).T).max(dim=1).values.min() > 1 - 1e-5


# ----- the figure and the controls -----

@pytest.mark.parametrize("loss", ["ff", "symba"])
@pytest.mark.parametrize("layers", [1, 2])
def test_figure_for_draws_the_losses_and_a_histogram_panel_per_layer(mnist, layers, loss):
    result = pg.train_small(mnist, layers=layers, loss=loss, **TINY)
    fig = pg.figure_for(result)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 1 + layers
    losses, *panels = fig.axes
    assert len(losses.get_lines()) == layers + 1  # a curve per layer, and the line at log 2
    for k, ax in enumerate(panels):
        assert ax.get_title() == f"layer {k}"
        # FF: positive and negative goodness, a count per validation image each; symmetric: one gap per image
        per_image = 2 if loss == "ff" else 1
        assert sum(p.get_data().values.sum() for p in ax.patches) == pytest.approx(per_image * pg.VALIDATION_SIZE)
    assert f"{result.validation_error:.1%}" in title_of(fig) and "validation" in title_of(fig)
    assert "test" not in title_of(fig)


def test_the_gap_histogram_counts_each_input_against_its_own_negative(mnist):
    result = pg.train_small(mnist, layers=1, **TINY)
    x_val, y_val = validation_images(mnist)
    g_pos, g_neg = pg.goodness_on_validation(result.network, x_val, y_val)
    (histogram,) = result.goodness
    edges = np.asarray(histogram["edges"])
    # inputs that beat their negative: the counts right of 0, against the count of positive gaps
    right = sum(c for c, left in zip(histogram["gap"], edges[:-1]) if left >= 0)
    beaten = int((g_pos[0] - g_neg[0] > 0).sum())
    width = edges[1] - edges[0]
    near_zero = int(((g_pos[0] - g_neg[0]).abs() < width).sum())  # the bin that straddles 0 may hold either
    assert abs(right - beaten) <= near_zero


def test_plateau_steps_finds_where_each_layer_leaves_log_2():
    flat, falls = [math.log(2)] * 40, [0.3] * 40
    # 10-step averages against 0.9 log 2 = 0.624: steps 3..12 hold one 0.3 (0.654, above it),
    # steps 4..13 two (0.615, below): the layer leaves the plateau at step 4
    assert pg.plateau_steps([flat[:12] + falls, flat]) == [4, None]
    assert pg.plateau_steps([[0.1] * 20]) == [0]


def test_playground_returns_a_box_with_every_control(mnist):
    box = pg.playground(mnist, threshold=3.0, lr=0.01, embedding="concat", negatives="permuted", loss="ff",
                        cooldown=False, jitter=1, **TINY)
    assert isinstance(box, ipywidgets.VBox)
    inside = list(descendants(box))
    for control in box.controls.values():
        assert control in inside
    assert box.button in inside and box.output in inside and box.status in inside
    c = box.controls
    assert set(c) == {"loss", "threshold", "lr", "cooldown", "batch_size", "epochs", "negatives", "embedding",
                      "jitter", "width", "layers", "seed"}
    assert isinstance(c["threshold"], ipywidgets.FloatLogSlider) and c["threshold"].value == pytest.approx(3.0)
    assert isinstance(c["lr"], ipywidgets.FloatLogSlider) and c["lr"].value == pytest.approx(0.01)
    assert tuple(c["embedding"].options) == ("overlay", "concat") and c["embedding"].value == "concat"
    assert tuple(c["negatives"].options) == ("wrong", "permuted", "hard", "hybrid")
    assert c["negatives"].value == "permuted" and c["loss"].value == "ff" and c["cooldown"].value is False
    assert c["width"].value == 20 and c["epochs"].value == 2 and c["layers"].value == 2 and c["seed"].value == 0
    assert c["batch_size"].value == 50 and c["jitter"].value == 1
    assert box.button.description == "Train"
    # it trained once already, so it shows a figure and says how that went
    assert png_of(box.output).startswith(b"\x89PNG")
    assert box.result.network.config.dims == [794, 20, 20]
    assert f"validation error {box.result.validation_error:.1%}" in box.status.value


def test_idle_controls_are_greyed_out(mnist):
    box = pg.playground(mnist, **TINY)  # the symmetric loss: no threshold
    c = box.controls
    assert c["threshold"].disabled and not c["embedding"].disabled
    c["loss"].value = "ff"
    c["negatives"].value = "hybrid"  # no label to embed
    assert not c["threshold"].disabled and c["embedding"].disabled


def test_a_starting_value_off_the_slider_is_kept(mnist):
    box = pg.playground(mnist, lr=3.0, **TINY)  # above the slider's usual top of 1
    assert box.controls["lr"].value == pytest.approx(3.0)


def test_clicking_train_retrains_with_the_controls_values(mnist):
    box = pg.playground(mnist, **TINY)
    before = png_of(box.output)
    c = box.controls
    c["width"].value, c["layers"].value, c["loss"].value, c["threshold"].value = 50, 1, "ff", 5.0
    c["seed"].value, c["batch_size"].value, c["cooldown"].value, c["jitter"].value = 4, 100, False, 2
    box.button.click()
    assert not box.status.value.startswith("failed"), box.status.value
    assert box.result.network.config.dims == [784, 50]
    assert box.result.network.config.threshold == pytest.approx(5.0) and box.result.recipe.loss == "ff"
    assert box.result.recipe.cooldown is False and box.result.recipe.jitter == 2
    assert box.result.settings["seed"] == 4 and box.result.settings["train_size"] == 500
    assert len(box.result.history.layer_losses[0]) == 2 * 5  # 500 images in batches of 100, 2 epochs
    assert len(box.output.outputs) == 1 and png_of(box.output) != before
    assert not box.button.disabled


def test_an_error_during_a_click_shows_in_the_status_line(mnist, monkeypatch):
    box = pg.playground(mnist, **TINY)
    monkeypatch.setattr(pg, "train_small", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("no memory")))
    box.button.click()
    assert "no memory" in box.status.value
    assert not box.button.disabled


def test_loss_spikes_are_clipped_so_the_start_and_the_plateau_stay_readable(mnist):
    result = pg.train_small(mnist, layers=1, loss="ff", **TINY)
    spiky = dataclasses.replace(result, history=History(layer_losses=[[900.0] * 10 + [1.13] * 30]))
    ax = pg.figure_for(spiky).axes[0]
    untrained = (math.log1p(math.exp(2.0)) + math.log1p(math.exp(-2.0))) / 2  # the default threshold
    assert ax.get_ylim() == pytest.approx((0.0, 2 * untrained))
    assert "clipped" in ax.get_title()
    calm = pg.figure_for(result).axes[0]
    assert "clipped" not in calm.get_title()


def test_the_still_shows_every_control_with_its_value_and_the_status(mnist):
    from ff_tutorial.playground import playground, still
    box = playground(mnist, width=25, epochs=1, train_size=300, threshold=3.0, negatives="permuted", loss="ff")
    page = still(box).data
    for control in box.controls.values():
        assert control.description in page
    assert "<option selected>permuted</option>" in page and "<option selected>25</option>" in page
    assert "<option selected>FF loss</option>" in page and "<option>symmetric loss</option>" in page
    assert 'type="checkbox" disabled checked' in page  # the cool-down, on by default
    assert 'value="3"' in page or ">3<" in page  # the threshold slider's value
    assert box.status.value in page and "disabled" in page


# ----- the gallery -----

@pytest.fixture
def tiny_gallery(monkeypatch, mnist):
    """experiments.gallery with two tiny runs, MNIST from the session, and a count of the runs trained."""
    trained = []
    monkeypatch.setattr(gallery, "RUNS", {"tiny": dict(TINY), "tiny-ff": dict(TINY, loss="ff", threshold=1.0)})
    monkeypatch.setattr(gallery, "load_mnist", lambda: mnist)
    original = gallery.train_small
    monkeypatch.setattr(gallery, "train_small", lambda *a, **k: (trained.append(k), original(*a, **k))[1])
    return trained


def test_the_gallery_script_writes_one_file_per_run_that_the_reader_reads_back(tiny_gallery, tmp_path, mnist):
    assert gallery.main(["--folder", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny-ff.json", "tiny.json"]
    runs = pg.read_gallery(["tiny", "tiny-ff"], tmp_path)
    again = pg.train_small(mnist, **TINY)  # the same settings on the CPU: the same run
    tiny = runs["tiny"]
    assert tiny["validation_error"] == again.validation_error and tiny["validation_images"] == pg.VALIDATION_SIZE
    assert tiny["layer_losses"] == [[round(v, 6) for v in losses] for losses in again.history.layer_losses]
    assert tiny["command"] == "python -m experiments.gallery tiny"
    assert tiny["settings"] == {**TINY, **{k: v for k, v in tiny["settings"].items() if k not in TINY}}
    assert tiny["machine"] and runs["tiny-ff"]["settings"]["loss"] == "ff"
    fig = pg.gallery_figure(runs)
    headings = [ax.get_title() for ax in fig.axes[:2]]
    # each column says how its run differs (the symmetric loss has no threshold to mention)
    assert headings[0].startswith("symmetric loss\n") and headings[1].startswith("threshold 1, FF loss\n")
    assert f"validation error {tiny['validation_error']:.1%}" in headings[0]
    assert len(fig.axes) == 2 * 3  # two columns: the losses and a histogram per layer


def test_the_gallery_script_keeps_an_existing_file_unless_forced(tiny_gallery, tmp_path, capsys):
    kept = tmp_path / "tiny.json"
    kept.write_text("an earlier run\n")
    assert gallery.main(["tiny", "--folder", str(tmp_path)]) == 0
    assert kept.read_text() == "an earlier run\n" and tiny_gallery == []
    assert "exists, kept" in capsys.readouterr().out
    assert gallery.main(["tiny", "--folder", str(tmp_path), "--force"]) == 0
    assert len(tiny_gallery) == 1 and pg.read_gallery(["tiny"], tmp_path)["tiny"]["name"] == "tiny"


def test_the_gallery_script_refuses_an_unknown_run(tiny_gallery, tmp_path):
    with pytest.raises(SystemExit) as stop:
        gallery.main(["tinny", "--folder", str(tmp_path)])
    assert stop.value.code == 2 and not list(tmp_path.iterdir())


@pytest.mark.parametrize("content, says", [
    (None, "is missing"),
    ('{"name": "run", "command"', "is not valid JSON"),
    ("[1, 2]", "holds no record"),
    ('{"name": "run", "command": "x"}', "lacks settings, validation_error"),
])
def test_the_gallery_reader_refuses_a_missing_or_broken_file(tmp_path, content, says):
    if content is not None:
        (tmp_path / "run.json").write_text(content)
    with pytest.raises(pg.GalleryError, match=says) as error:
        pg.read_gallery(["run"], tmp_path)
    assert str(tmp_path / "run.json") in str(error.value)
    assert "python -m experiments.gallery run --force" in str(error.value)


def test_the_recorded_gallery_is_the_scripts_runs_of_the_playgrounds_defaults():
    defaults = {name: p.default for name, p in inspect.signature(pg.train_small).parameters.items()
                if p.default is not inspect.Parameter.empty and name != "device"}
    files = sorted(pg.GALLERY.glob("*.json"))
    assert {p.stem for p in files} == set(gallery.RUNS)
    for name, run in pg.read_gallery(gallery.RUNS).items():
        assert {k: v for k, v in run["settings"].items() if k != "device"} == {**defaults, **gallery.RUNS[name]}
        assert run["command"] == f"python -m experiments.gallery {name}"
        assert json.loads((pg.GALLERY / f"{name}.json").read_text()) == run
