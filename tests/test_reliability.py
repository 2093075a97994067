"""Issue 6: bad input, numerical trouble, Ctrl-C and devices end in a clear answer, never silent garbage."""

import math
import warnings

import pytest
import torch

import ff_tutorial as ff
from ff_tutorial import train_greedy, train_simultaneous
from ff_tutorial import MLP, FFLayer, FFNetwork, TrainingDiverged
from ff_tutorial.engine import Engine


def data(n=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 784, generator=g), torch.randint(0, 10, (n,), generator=g)


# ----- numerics -----

@pytest.mark.parametrize("schedule", ["train_greedy", "train_simultaneous"])
def test_a_diverging_learning_rate_stops_at_the_first_bad_loss_and_says_where(small, schedule):
    x, y = small[0][:500], small[1][:500]
    torch.manual_seed(0)
    net = FFNetwork([784, 50, 50], lr=1e30)
    initial = {k: v.clone() for k, v in net.layers.state_dict().items()}
    with pytest.raises(TrainingDiverged) as error:
        getattr(ff, schedule)(net, x, y, epochs=5, batch_size=100, progress=False)
    message = str(error.value)
    assert "layer 0" in message and "step 1" in message and "loss is inf" in message
    assert "smaller learning rate" in message
    history = error.value.history
    # Found at the first check (the end of epoch 1, 5 steps): the losses up to it are kept...
    losses = history.layer_losses[0]
    assert len(losses) == 5 and math.isfinite(losses[0]) and not math.isfinite(losses[1])
    # ...and the network is put back to the last good check: here, where it started.
    assert all(torch.equal(p, q) for p, q in zip(net.layers.state_dict().values(), initial.values()))


def test_divergence_in_a_higher_layer_names_that_layer():
    torch.manual_seed(0)
    net = FFNetwork([784, 20, 20])
    with torch.no_grad():
        net.layers[1].linear.bias.fill_(1e20)  # activities of 1e20: their squares overflow float32
    x, y = data(100)
    with pytest.raises(TrainingDiverged, match=r"layer 1 at its step 0: loss is inf"):
        train_simultaneous(net, x, y, epochs=1, batch_size=50, progress=False)


def test_a_dead_layer_is_reported_once(recwarn):
    torch.manual_seed(0)
    net = FFNetwork([784, 20, 20])
    with torch.no_grad():
        net.layers[1].linear.bias.fill_(-100.0)  # every unit of layer 1 below zero, for any input
    x, y = data(100)
    history = train_simultaneous(net, x, y, epochs=2, batch_size=25, eval_every=None, progress=False)
    assert history.warnings == ["layer 1 is dead: every unit gave 0 on a whole batch; lower the learning rate"]
    assert [str(w.message) for w in recwarn.list if "dead" in str(w.message)] == history.warnings


def test_a_far_too_high_learning_rate_kills_layers_and_says_so(small):
    x, y = small[0][:500], small[1][:500]
    torch.manual_seed(0)
    net = FFNetwork([784, 50], lr=1e3)
    with pytest.warns(UserWarning, match="layer 0 is dead"):
        history = train_simultaneous(net, x, y, epochs=10, batch_size=100, eval_every=None, progress=False)
    assert "layer 0 is dead" in history.warnings[0]


def test_goodness_large_enough_to_overflow_a_naive_loss_still_trains():
    torch.manual_seed(0)
    layer = FFLayer(20, 10, threshold=2.0)
    with torch.no_grad():
        layer.linear.weight.mul_(1000)  # goodness around 1e4 or more: exp() of it is inf in float32
    x = torch.randn(16, 20)
    with torch.no_grad():
        assert layer.goodness(x).max() > 1e3
    loss = layer.train_step(x, x.flip(0))
    assert math.isfinite(loss) and loss > 100
    assert all(torch.isfinite(p).all() for p in layer.parameters())


# ----- Ctrl-C -----

def interrupt_after(monkeypatch, n, snapshots=None, net=None):
    """Make the (n+1)-th engine step raise KeyboardInterrupt, as Ctrl-C would; keep weights after each step."""
    calls = []
    original = Engine.eager_step

    def eager_step(engine, first, last, x):
        if len(calls) == n:
            raise KeyboardInterrupt
        calls.append(1)
        result = original(engine, first, last, x)
        if snapshots is not None:
            snapshots.append({k: v.clone() for k, v in net.state_dict().items()})
        return result

    monkeypatch.setattr(Engine, "eager_step", eager_step)


@pytest.mark.parametrize("schedule, steps", [("train_greedy", 6), ("train_simultaneous", 3)])
def test_ctrl_c_returns_the_network_trained_so_far_and_its_history(monkeypatch, schedule, steps):
    torch.manual_seed(0)
    net = FFNetwork([784, 20, 20])
    initial = {k: v.clone() for k, v in net.state_dict().items()}
    snapshots = []
    interrupt_after(monkeypatch, steps, snapshots, net)  # greedy: 6 steps of layer 0; else 3 of both layers
    x, y = data()
    history = getattr(ff, schedule)(net, x, y, epochs=5, batch_size=50, progress=False)
    assert history.interrupted and history.seconds > 0
    assert sum(len(losses) for losses in history.layer_losses) == 6
    assert all(math.isfinite(v) for losses in history.layer_losses for v in losses)
    final = net.state_dict()
    assert all(torch.equal(final[k], snapshots[-1][k]) for k in final)  # exactly the steps taken
    assert not torch.equal(final["layers.0.linear.weight"], initial["layers.0.linear.weight"])


def test_ctrl_c_in_the_mlp_returns_its_history(monkeypatch):
    torch.manual_seed(0)
    mlp = MLP([784, 20])
    calls = []
    original = torch.optim.Adam.step

    def step(self, *args, **kwargs):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", step)
    x, y = data()
    history = mlp.train_backprop(x, y, epochs=5, batch_size=50, progress=False)
    assert history.interrupted and len(history.layer_losses[0]) == 3


# ----- reproducibility and devices -----

def train_from_seed(seed):
    generator = ff.seed_everything(seed)
    net = FFNetwork([784, 20, 20])
    x, y = data(150, seed=9)
    history = train_simultaneous(net, x, y, epochs=2, batch_size=50, negatives="hard", eval_every=None,
                                     generator=generator, progress=False)
    return net.state_dict(), history.layer_losses


def test_the_same_seed_gives_the_same_numbers_twice_on_cpu():
    (a, losses_a), (b, losses_b) = train_from_seed(3), train_from_seed(3)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert losses_a == losses_b
    c, _ = train_from_seed(4)
    assert not torch.equal(a["layers.0.linear.weight"], c["layers.0.linear.weight"])


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_a_bad_seed_is_a_value_error(seed):
    with pytest.raises(ValueError, match="seed"):
        ff.seed_everything(seed)


@pytest.fixture
def cpu_only(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


@pytest.mark.parametrize("device", ["cuda", "mps", "cuda:0"])
def test_asking_for_a_missing_accelerator_says_what_there_is(cpu_only, device):
    with pytest.raises(RuntimeError, match=f"device '{device}' was asked for but this machine has only cpu"):
        ff.pick_device(device)
    with pytest.raises(RuntimeError, match="only cpu"):
        FFNetwork([784, 10], device=device)
    with pytest.raises(RuntimeError, match="only cpu"):
        MLP([784, 10], device=device)
    with pytest.raises(RuntimeError, match="only cpu"):
        ff.load_mnist(device=device)  # refused before any file is read


def test_auto_picks_the_best_device_there_is(cpu_only, monkeypatch):
    assert ff.pick_device() == torch.device("cpu") == ff.pick_device("auto")
    assert ff.pick_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert ff.pick_device() == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert ff.pick_device() == torch.device("cuda")


def test_a_device_that_is_not_a_name_is_a_type_error():
    with pytest.raises(TypeError, match="device must be a string"):
        ff.pick_device(0)


def test_a_checkpoint_loaded_onto_a_missing_gpu_says_so(cpu_only, tmp_path):
    path = ff.save(FFNetwork([784, 10]), tmp_path / "net.pt")
    with pytest.raises(RuntimeError, match="only cpu"):
        ff.load(path, device="cuda")


# ----- inputs -----

@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    return FFNetwork([784, 10, 10])


@pytest.mark.parametrize("images, error, says", [
    (torch.full((3, 784), float("nan")), ValueError, "NaN or inf"),
    (torch.full((3, 784), float("inf")), ValueError, "NaN or inf"),
    (torch.empty(0, 784), ValueError, "empty"),
    (torch.zeros(3, 28, 28), ValueError, r"\(N, 784\)"),
    (torch.zeros(3, 794), ValueError, r"\(N, 784\)"),
    (torch.zeros(3, 784, dtype=torch.float64), TypeError, "float32"),
    (torch.zeros(3, 784, dtype=torch.uint8), TypeError, "floating point"),
    ([[0.0] * 784], TypeError, "torch.Tensor"),
])
@pytest.mark.parametrize("call", ["predict", "goodness_per_label", "train_greedy", "train_simultaneous",
                                  "train_readout", "error_rate"])
def test_bad_images_get_a_clear_error_everywhere(net, images, error, says, call):
    n = len(images) if not isinstance(images, list) else 1
    y = torch.zeros(n, dtype=torch.long)
    args = (images,) if call in ("predict", "goodness_per_label") else (images, y)
    kwargs = dict(epochs=1, progress=False) if call.startswith("train") else {}
    with pytest.raises(error, match=says):
        if call.startswith("train"):
            getattr(ff, call)(net, *args, **kwargs)
        else:
            getattr(net, call)(*args, **kwargs)


@pytest.mark.parametrize("labels, error, says", [
    (torch.tensor([0, 1, 10]), ValueError, r"0\.\.9"),
    (torch.tensor([0, -1, 2]), ValueError, r"0\.\.9"),
    (torch.tensor([0, 1]), ValueError, "expected 3 labels"),
    (torch.tensor([0.0, 1.0, 2.0]), TypeError, "integer"),
])
def test_bad_labels_get_a_clear_error(net, labels, error, says):
    x = torch.randn(3, 784)
    with pytest.raises(error, match=says):
        train_greedy(net, x, labels, epochs=1, progress=False)
    with pytest.raises(error, match=says):
        net.error_rate(x, labels)


def test_test_images_without_test_labels_are_refused(net):
    x, y = data(20)
    with pytest.raises(ValueError, match="x_test and y_test"):
        train_simultaneous(net, x, y, epochs=1, x_test=x, progress=False)


@pytest.mark.parametrize("scale", [1.0, 255.0])
def test_images_that_look_like_raw_pixels_get_a_warning(net, scale):
    raw = torch.rand(5, 784, generator=torch.Generator().manual_seed(0)) * scale
    with pytest.warns(UserWarning, match="raw pixels"):
        net.predict(raw)


def test_normalized_images_get_no_warning(net, small):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.predict(small[2][:20])
