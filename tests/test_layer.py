"""One Forward-Forward layer: its forward pass with weights set by hand, and its local update."""

import math

import pytest
import torch
import torch.nn.functional as F

from ff_tutorial import FFLayer
from ff_tutorial.layer import make_optimizer


def set_weights(layer, weight, bias):
    with torch.no_grad():
        layer.linear.weight.copy_(torch.tensor(weight))
        layer.linear.bias.copy_(torch.tensor(bias))


@pytest.fixture
def hand_layer():
    layer = FFLayer(4, 3)
    set_weights(layer, [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [-1.0, -1.0, 0.0, 1.0]],
                [0.0, -0.5, 0.1])
    return layer


def test_forward_is_relu_of_w_times_the_unit_input_plus_b(hand_layer):
    x = torch.tensor([[3.0, 4.0, 0.0, 0.0], [0.0, 0.0, 0.0, 2.0]])
    # unit rows: [0.6, 0.8, 0, 0] and [0, 0, 0, 1]
    # row 0: [0.6, 0.8 - 0.5, -1.4 + 0.1] -> relu -> [0.6, 0.3, 0]
    # row 1: [0, -0.5, 1 + 0.1]          -> relu -> [0, 0, 1.1]
    expected = torch.tensor([[0.6, 0.3, 0.0], [0.0, 0.0, 1.1]])
    assert torch.allclose(hand_layer(x), expected, atol=1e-6)
    assert torch.allclose(hand_layer.goodness(x), torch.tensor([0.45 / 3, 1.21 / 3]), atol=1e-6)


def test_the_length_of_the_input_does_not_matter(hand_layer):
    x = torch.tensor([[3.0, 4.0, 0.0, 0.0]])
    assert torch.allclose(hand_layer(x), hand_layer(1000 * x), atol=1e-6)


def test_output_carries_no_gradient(hand_layer):
    x = torch.randn(5, 4, requires_grad=True)
    assert not hand_layer.output(x).requires_grad


def toy_problem(n=64, dim=20, seed=0):
    """Positives point one way, negatives another: a layer can tell them apart."""
    g = torch.Generator().manual_seed(seed)
    pos = 0.1 * torch.randn(n, dim, generator=g) + torch.eye(dim)[0]
    neg = 0.1 * torch.randn(n, dim, generator=g) + torch.eye(dim)[1]
    return pos, neg


def hand_ff_loss(layer, x_pos, x_neg):
    """The FF loss written out from the definitions, with this layer's current weights."""
    def g(x):
        x = x / x.norm(dim=1, keepdim=True)
        return torch.relu(x @ layer.linear.weight.T + layer.linear.bias).pow(2).mean(dim=1)

    t = layer.threshold
    terms = [math.log1p(math.exp(t - v)) for v in g(x_pos).tolist()]
    terms += [math.log1p(math.exp(v - t)) for v in g(x_neg).tolist()]
    return sum(terms) / len(terms)


def test_train_step_returns_the_ff_loss_before_the_update():
    torch.manual_seed(0)
    layer = FFLayer(20, 16, threshold=0.5, lr=0.01)
    pos, neg = toy_problem()
    with torch.no_grad():
        expected = hand_ff_loss(layer, pos, neg)
    assert layer.train_step(pos, neg) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_train_step_raises_positive_goodness_and_lowers_negative_goodness(optimizer):
    torch.manual_seed(0)
    layer = FFLayer(20, 16, threshold=2.0, lr=0.05 if optimizer == "adam" else 0.5, optimizer=optimizer)
    pos, neg = toy_problem()
    with torch.no_grad():
        layer.linear.weight.mul_(30)  # start both goodnesses above the threshold: both must move
        g_pos0, g_neg0 = layer.goodness(pos).mean(), layer.goodness(neg).mean()
    losses = [layer.train_step(pos, neg) for _ in range(60)]
    with torch.no_grad():
        g_pos1, g_neg1 = layer.goodness(pos).mean(), layer.goodness(neg).mean()
    assert g_pos1 > g_pos0 and g_neg1 < g_neg0
    assert g_pos1 > layer.threshold > g_neg1  # the threshold now separates the two on average
    assert losses[-1] < 0.5 * losses[0]


def test_symba_loss_layer_returns_the_symba_loss():
    torch.manual_seed(0)
    layer = FFLayer(20, 8, loss="symba", symba_alpha=3.0)
    pos, neg = toy_problem(n=10)
    with torch.no_grad():
        gap = layer.goodness(pos) - layer.goodness(neg)
        expected = F.softplus(-3.0 * gap).mean().item()
    assert layer.train_step(pos, neg) == pytest.approx(expected, rel=1e-5)


def test_no_gradient_reaches_the_inputs():
    torch.manual_seed(0)
    layer = FFLayer(20, 8)
    pos, neg = toy_problem(n=10)
    pos.requires_grad_()
    neg.requires_grad_()
    layer.train_step(pos, neg)
    assert pos.grad is None and neg.grad is None
    assert layer.linear.weight.grad is not None  # while the layer's own weights did get one


def test_peer_normalization_changes_the_loss_and_still_trains():
    torch.manual_seed(0)
    plain, peer = FFLayer(20, 16, threshold=0.5), FFLayer(20, 16, threshold=0.5, peer_norm=10.0)
    peer.load_state_dict(plain.state_dict())
    pos, neg = toy_problem()
    loss_plain, loss_peer = plain.train_step(pos, neg), peer.train_step(pos, neg)
    assert loss_peer > loss_plain  # the extra term is a non-negative variance, here not zero
    for _ in range(30):
        peer.train_step(pos, neg)
    with torch.no_grad():
        assert peer.goodness(pos).mean() > peer.goodness(neg).mean()


@pytest.mark.parametrize("bad", [torch.zeros(3, 5), torch.zeros(0, 4), torch.zeros(4), "images"])
def test_inputs_of_the_wrong_shape_are_a_value_error(hand_layer, bad):
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        hand_layer(bad)


@pytest.mark.parametrize("dtype", [torch.float64, torch.int64])
def test_inputs_of_the_wrong_dtype_are_a_type_error(hand_layer, dtype):
    with pytest.raises(TypeError, match="float32"):
        hand_layer(torch.ones(2, 4, dtype=dtype))
    with pytest.raises(TypeError, match="float32"):
        hand_layer.train_step(torch.ones(2, 4, dtype=dtype), torch.ones(2, 4, dtype=dtype))


def test_nan_inputs_to_train_step_are_refused_before_they_reach_the_weights(hand_layer):
    before = hand_layer.linear.weight.clone()
    with pytest.raises(ValueError, match="NaN or inf"):
        hand_layer.train_step(torch.full((2, 4), float("nan")), torch.ones(2, 4))
    assert torch.equal(hand_layer.linear.weight, before)


@pytest.mark.parametrize("kwargs, error", [
    (dict(lr=0), ValueError), (dict(lr=-0.1), ValueError), (dict(lr=float("nan")), ValueError),
    (dict(lr=float("inf")), ValueError), (dict(lr="0.1"), TypeError), (dict(threshold=-1.0), ValueError),
    (dict(peer_norm=-1.0), ValueError), (dict(symba_alpha=-4.0), ValueError), (dict(loss="mse"), ValueError),
    (dict(optimizer="rmsprop"), ValueError), (dict(weight_decay=-0.01), ValueError),
    (dict(weight_decay=float("inf")), ValueError),
])
def test_bad_settings_are_refused_with_their_name(kwargs, error):
    with pytest.raises(error, match=list(kwargs)[0].replace("lr", "learning rate")):
        FFLayer(4, 3, **kwargs)


@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_weight_decay_shrinks_a_weight_with_no_gradient_by_lr_times_the_decay(name):
    """A weight whose gradient is 0 is moved by the decay alone: Adam's update of a zero gradient
    is 0 (AdamW's decay is applied beside it), and SGD's L2 term is the decay times the weight."""
    weight = torch.nn.Parameter(torch.tensor([2.0, -4.0]))
    optimizer = make_optimizer([weight], name, lr=0.1, weight_decay=0.5)
    weight.grad = torch.zeros(2)
    optimizer.step()
    assert torch.allclose(weight.detach(), torch.tensor([2.0, -4.0]) * (1 - 0.1 * 0.5))
    plain = torch.nn.Parameter(torch.tensor([2.0, -4.0]))
    optimizer = make_optimizer([plain], name, lr=0.1)
    plain.grad = torch.zeros(2)
    optimizer.step()
    assert torch.equal(plain.detach(), torch.tensor([2.0, -4.0]))  # the control: no decay, no change
