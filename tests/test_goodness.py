"""Goodness and the local losses, against numbers worked out by hand."""

import math

import pytest
import torch

from ff_tutorial import ff_loss, goodness, symba_loss
from ff_tutorial.goodness import relu_goodness


def test_goodness_is_the_mean_of_squares_of_each_row():
    h = torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-2.0, 2.0, 0.0]])
    assert torch.allclose(goodness(h), torch.tensor([14 / 3, 0.0, 8 / 3]))


def test_ff_loss_hand_value():
    # softplus(2 - 3) and softplus(1 - 2) are both log(1 + e^-1); their mean is that too.
    loss = ff_loss(torch.tensor([3.0]), torch.tensor([1.0]), threshold=2.0)
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-1)), rel=1e-6)


def test_ff_loss_averages_every_positive_and_negative_term():
    g_pos, g_neg = torch.tensor([2.0, 0.0]), torch.tensor([4.0, 2.0])
    # terms: softplus(0), softplus(2), softplus(2), softplus(0)
    expected = (2 * math.log(2) + 2 * math.log(1 + math.exp(2))) / 4
    assert ff_loss(g_pos, g_neg, 2.0).item() == pytest.approx(expected, rel=1e-6)


def test_ff_loss_gradient_raises_positive_and_lowers_negative_goodness():
    g_pos = torch.tensor([3.0], requires_grad=True)
    g_neg = torch.tensor([1.0], requires_grad=True)
    ff_loss(g_pos, g_neg, 2.0).backward()
    sigmoid_minus_one = 1 / (1 + math.e)  # d softplus(z)/dz = sigmoid(z), at z = -1; mean of 2 terms
    assert g_pos.grad.item() == pytest.approx(-sigmoid_minus_one / 2, rel=1e-6)
    assert g_neg.grad.item() == pytest.approx(sigmoid_minus_one / 2, rel=1e-6)


def test_ff_loss_stays_finite_where_the_naive_formula_overflows():
    g = torch.tensor([1e4])
    naive = torch.log(1 + torch.exp(g - 2.0))
    assert torch.isinf(naive)  # the blog's formula, in float32
    g_pos = torch.tensor([1e4], requires_grad=True)
    g_neg = torch.tensor([1e4], requires_grad=True)
    loss = ff_loss(g_pos, g_neg, 2.0)
    # softplus(2 - 1e4) is ~0 and softplus(1e4 - 2) is 9998: the mean is 4999
    assert loss.item() == pytest.approx(4999.0, rel=1e-6)
    loss.backward()
    assert g_neg.grad.item() == pytest.approx(0.5)  # sigmoid(9998) / 2: a finite, useful gradient
    assert g_pos.grad.item() == pytest.approx(0.0, abs=1e-6)


def test_symba_loss_hand_value():
    loss = symba_loss(torch.tensor([3.0]), torch.tensor([1.0]), alpha=4.0)
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-8)), rel=1e-5)
    loss = symba_loss(torch.tensor([1.0, 0.0]), torch.tensor([1.0, 0.5]), alpha=2.0)
    assert loss.item() == pytest.approx((math.log(2) + math.log(1 + math.e)) / 2, rel=1e-6)


def test_symba_loss_is_finite_for_huge_gaps_and_needs_pairs():
    assert symba_loss(torch.tensor([0.0]), torch.tensor([1e4])).item() == pytest.approx(4e4, rel=1e-6)
    with pytest.raises(ValueError, match="shapes"):
        symba_loss(torch.ones(3), torch.ones(2))


def reference(z):
    """The plain formula that relu_goodness fuses, differentiated by autograd."""
    h = torch.relu(z)
    return h, h.pow(2).mean(dim=1)


def test_relu_goodness_forward_matches_the_plain_formula():
    z = torch.randn(6, 9, dtype=torch.float64)
    h, g = relu_goodness(z)
    h_ref, g_ref = reference(z)
    assert torch.equal(h, h_ref)
    assert torch.allclose(g, g_ref, rtol=1e-12)


@pytest.mark.parametrize("use", ["goodness", "activities", "both"])
def test_relu_goodness_gradient_equals_autograd_on_the_plain_formula(use):
    torch.manual_seed(0)
    z = torch.randn(7, 11, dtype=torch.float64)
    w_h, w_g = torch.randn(7, 11, dtype=torch.float64), torch.randn(7, dtype=torch.float64)

    def objective(fn, z):
        h, g = fn(z)
        return {"goodness": (w_g * g).sum(), "activities": (w_h * h).sum(),
                "both": (w_g * g).sum() + (w_h * h).sum()}[use]

    grads = []
    for fn in (relu_goodness, reference):
        zz = z.clone().requires_grad_()
        objective(fn, zz).backward()
        grads.append(zz.grad)
    assert torch.allclose(grads[0], grads[1], rtol=1e-12, atol=1e-14)


def test_relu_goodness_passes_gradcheck():
    torch.manual_seed(1)
    z = torch.randn(4, 5, dtype=torch.float64)
    z = (z + 0.1 * z.sign()).requires_grad_()  # keep away from relu's kink, where a finite difference lies
    assert torch.autograd.gradcheck(relu_goodness, (z,))
