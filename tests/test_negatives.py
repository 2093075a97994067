"""Negative data: wrong labels as promised, hard ones in proportion, hybrids made of two real images."""

import math

import pytest
import torch

from ff_tutorial import hard_wrong_labels, hybrid_images, hybrid_mask, permuted_labels, wrong_labels


def test_wrong_labels_are_never_right_and_cover_the_nine_wrong_ones_evenly():
    y = torch.arange(10).repeat(2000)  # 2000 draws for each true label
    out = wrong_labels(y, torch.Generator().manual_seed(0))
    assert out.dtype == torch.int64 and out.shape == y.shape
    assert (out != y).all()
    assert out.min() >= 0 and out.max() <= 9
    counts = torch.zeros(10, 10, dtype=torch.long)
    counts.index_put_((y, out), torch.ones_like(y), accumulate=True)
    wrong = counts[~torch.eye(10, dtype=torch.bool)]
    # 2000/9 = 222 expected per (true, wrong) pair, with a standard deviation of about 14
    assert wrong.min() > 160 and wrong.max() < 290


def test_wrong_labels_repeat_with_the_same_generator():
    y = torch.randint(0, 10, (500,), generator=torch.Generator().manual_seed(1))
    a = wrong_labels(y, torch.Generator().manual_seed(5))
    b = wrong_labels(y, torch.Generator().manual_seed(5))
    c = wrong_labels(y, torch.Generator().manual_seed(6))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_permuted_labels_hand_back_the_true_label_about_a_tenth_of_the_time():
    y = torch.randint(0, 10, (20000,), generator=torch.Generator().manual_seed(0))
    out = permuted_labels(y, torch.Generator().manual_seed(1))
    assert torch.equal(out.sort().values, y.sort().values)  # a shuffle: the same labels, moved
    same = (out == y).float().mean().item()
    assert 0.08 < same < 0.12  # ~0.1, with a standard deviation of 0.002


def test_hard_wrong_labels_follow_a_softmax_over_the_wrong_labels_only():
    n = 5000
    y = torch.full((n,), 3)
    scores = torch.zeros(n, 10)
    scores[:, 3] = 100.0  # the true label is the network's favourite, and must still never be drawn
    scores[:, 7] = 5.0  # the wrong label it believes most
    out = hard_wrong_labels(scores, y, torch.Generator().manual_seed(0))
    assert (out != 3).all()
    p7 = math.exp(5) / (math.exp(5) + 8)  # softmax over the nine wrong labels: 0.949
    assert (out == 7).float().mean().item() == pytest.approx(p7, abs=0.02)
    others = out[out != 7]
    assert set(others.tolist()) == {0, 1, 2, 4, 5, 6, 8, 9}  # the rest share what is left


def test_hard_wrong_labels_with_equal_scores_are_uniform_and_never_right():
    y = torch.arange(10).repeat(900)
    out = hard_wrong_labels(torch.zeros(len(y), 10), y, torch.Generator().manual_seed(0))
    assert (out != y).all()
    counts = torch.bincount(out, minlength=10)
    assert counts.min() > 800 and counts.max() < 1000  # 900 expected for each label


def test_hard_wrong_labels_reject_bad_scores():
    y = torch.tensor([1, 2])
    with pytest.raises(ValueError, match=r"\(2, 10\)"):
        hard_wrong_labels(torch.zeros(2, 9), y)
    with pytest.raises(ValueError, match="NaN or inf"):
        hard_wrong_labels(torch.full((2, 10), float("nan")), y)
    with pytest.raises(ValueError, match="tensor"):
        hard_wrong_labels([[0.0] * 10] * 2, y)


def test_negative_label_functions_check_their_labels():
    with pytest.raises(ValueError, match=r"0\.\.9"):
        wrong_labels(torch.tensor([1, 10]))
    with pytest.raises(TypeError):
        permuted_labels(torch.tensor([1.0, 2.0]))


def test_each_hybrid_pixel_comes_from_the_image_or_one_other_image_through_the_mask():
    torch.manual_seed(0)
    x = torch.randn(12, 784)  # continuous values: each pixel value says which image it came from
    hybrid, masks = hybrid_images(x, torch.Generator().manual_seed(3), return_masks=True)
    assert hybrid.shape == x.shape
    assert set(masks.unique().tolist()) <= {0.0, 1.0}
    for i in range(len(x)):
        own, other = masks[i] == 1, masks[i] == 0
        assert own.any() and other.any()
        assert torch.equal(hybrid[i][own], x[i][own])
        # which image filled the rest? the one whose pixel matches at the first masked-out place
        p = other.nonzero()[0, 0]
        (j,) = (x[:, p] == hybrid[i, p]).nonzero()[:, 0].tolist()
        assert j != i
        assert torch.equal(hybrid[i][other], x[j][other])


def test_hybrid_images_without_masks_still_mix_two_sources():
    torch.manual_seed(1)
    x = torch.randn(6, 784)
    hybrid = hybrid_images(x, torch.Generator().manual_seed(0))
    for i in range(len(x)):
        sources = (hybrid[i].unsqueeze(0) == x).any(dim=1).nonzero()[:, 0].tolist()
        assert i in sources and len(sources) == 2
        assert ((hybrid[i].unsqueeze(0) == x).any(dim=0)).all()  # every pixel is some image's pixel


def test_blurred_masks_are_large_blobs():
    masks = hybrid_mask(200, generator=torch.Generator().manual_seed(0)).view(200, 28, 28)
    agree = (masks[:, :, 1:] == masks[:, :, :-1]).float().mean().item()
    raw = hybrid_mask(200, blur_steps=0, generator=torch.Generator().manual_seed(0)).view(200, 28, 28)
    raw_agree = (raw[:, :, 1:] == raw[:, :, :-1]).float().mean().item()
    assert raw_agree == pytest.approx(0.5, abs=0.02)  # independent coin flips agree half the time
    assert agree > 0.8  # neighbours in a blob agree
    assert 0.4 < masks.mean().item() < 0.6  # both images contribute about equally


def test_hybrid_images_need_two_images():
    with pytest.raises(ValueError, match="at least 2"):
        hybrid_images(torch.randn(1, 784))
