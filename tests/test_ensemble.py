"""Networks predicting together: their scores add up, by hand; and what an ensemble refuses."""

import pytest
import torch

from ff_tutorial import Ensemble, FFNetwork
from ff_tutorial import train_simultaneous, train_readout
from test_network import data, hand_scores


def trained_pair(small):
    """Two small networks trained on the same images from different seeds, each with a read-out."""
    x, y, _, _ = small
    nets = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        net = FFNetwork([784, 40, 30], loss="symba", symba_alpha=100.0)
        g = torch.Generator().manual_seed(seed)
        train_simultaneous(net, x[:1000], y[:1000], epochs=1, batch_size=50, generator=g, progress=False)
        train_readout(net, x[:1000], y[:1000], epochs=2, generator=g, progress=False)
        nets.append(net)
    return nets


def test_ten_pass_scores_are_each_networks_goodness_per_label_added_up(small):
    a, b = trained_pair(small)
    x_test, y_test = small[2][:300], small[3][:300]
    with torch.no_grad():
        expected = hand_scores(a, x_test) + hand_scores(b, x_test)
    together = Ensemble([a, b])
    assert torch.allclose(together.goodness_per_label(x_test), expected, atol=1e-4)
    assert torch.equal(together.predict(x_test), together.goodness_per_label(x_test).argmax(dim=1))
    assert together.error_rate(x_test, y_test) == pytest.approx(
        (expected.argmax(dim=1) != y_test).float().mean().item(), abs=1e-9)


def test_one_pass_probabilities_are_the_read_outs_probabilities_averaged(small):
    a, b = trained_pair(small)
    x_test = small[2][:300]
    with torch.no_grad():
        by_hand = (torch.softmax(a.head(a.readout_features(x_test)), 1)
                   + torch.softmax(b.head(b.readout_features(x_test)), 1)) / 2
    together = Ensemble([a, b])
    probabilities = together.readout_probabilities(x_test)
    assert torch.allclose(probabilities, by_hand, atol=1e-6)
    assert torch.allclose(probabilities.sum(dim=1), torch.ones(len(x_test)), atol=1e-5)
    assert torch.equal(together.predict_one_pass(x_test), by_hand.argmax(dim=1))


def test_one_network_alone_or_twice_predicts_as_it_does_by_itself(small):
    a, _ = trained_pair(small)
    x_test, y_test = small[2][:300], small[3][:300]
    for together in (Ensemble([a]), Ensemble([a, a])):
        assert torch.equal(together.predict(x_test), a.predict(x_test))
        assert torch.equal(together.predict_one_pass(x_test), a.predict_one_pass(x_test))
        assert together.error_rate(x_test, y_test, one_pass=True) == a.error_rate(x_test, y_test, one_pass=True)


def test_an_ensemble_refuses_what_cannot_predict():
    x, y = data(20)
    with pytest.raises(ValueError, match="at least one network"):
        Ensemble([])
    with pytest.raises(TypeError, match="FFNetwork, got Linear"):
        Ensemble([FFNetwork([784, 10]), torch.nn.Linear(784, 10)])
    with pytest.raises(RuntimeError, match="train_readout"):  # a member whose head has learned nothing
        Ensemble([FFNetwork([784, 10])]).predict_one_pass(x)
    with pytest.raises(ValueError, match="trained without labels"):
        Ensemble([FFNetwork([784, 10]), FFNetwork([784, 10], embedding="none")]).predict(x)
    with pytest.raises(ValueError, match="got an empty batch"):
        Ensemble([FFNetwork([784, 10])]).error_rate(x[:0], y[:0])
