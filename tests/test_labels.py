"""Label embeddings, against tensors built by hand."""

import numpy as np
import pytest
import torch

from ff_tutorial import concat_label, embed_label, neutral_label, overlay_label


@pytest.fixture
def images():
    torch.manual_seed(0)
    return torch.randn(3, 784)


def test_overlay_replaces_the_first_ten_pixels_by_a_one_hot_of_height_max(images):
    top = images.max().item()
    expected = images.clone()
    expected[:, :10] = 0.0
    expected[0, 0] = top
    expected[1, 5] = top
    expected[2, 9] = top
    out = overlay_label(images, torch.tensor([0, 5, 9]))
    assert torch.equal(out, expected)


def test_overlay_leaves_its_input_alone_and_takes_a_height(images):
    before = images.clone()
    out = overlay_label(images, torch.tensor([1, 1, 1]), value=1.5)
    assert torch.equal(images, before)
    assert torch.equal(out[:, :10], torch.tensor([[0.0, 1.5] + [0.0] * 8] * 3))
    assert torch.equal(out[:, 10:], images[:, 10:])


def test_an_int_label_stands_for_every_image(images):
    out = overlay_label(images, 7)
    assert torch.equal(out[:, :10].argmax(dim=1), torch.tensor([7, 7, 7]))


def test_concat_appends_the_one_hot_making_794_wide_inputs(images):
    out = concat_label(images, torch.tensor([2, 0, 4]))
    assert out.shape == (3, 794)
    assert torch.equal(out[:, :784], images)
    top = images.max().item()
    expected = torch.zeros(3, 10)
    expected[0, 2] = expected[1, 0] = expected[2, 4] = top
    assert torch.equal(out[:, 784:], expected)


def test_neutral_label_writes_one_tenth_in_every_slot(images):
    out = neutral_label(images)
    assert torch.equal(out[:, :10], torch.full((3, 10), 0.1))
    assert torch.equal(out[:, 10:], images[:, 10:])
    out = neutral_label(images, "concat")
    assert out.shape == (3, 794)
    assert torch.equal(out[:, 784:], torch.full((3, 10), 0.1))
    assert torch.equal(out[:, :784], images)


def test_embed_label_picks_the_named_embedding(images):
    y = torch.tensor([3, 1, 4])
    assert torch.equal(embed_label(images, y, "overlay"), overlay_label(images, y))
    assert torch.equal(embed_label(images, y, "concat"), concat_label(images, y))
    with pytest.raises(ValueError, match="overlay"):
        embed_label(images, y, "prepend")


def test_an_empty_batch_gives_an_empty_batch():
    assert overlay_label(torch.empty(0, 784), 3).shape == (0, 784)
    assert concat_label(torch.empty(0, 784), torch.empty(0, dtype=torch.long)).shape == (0, 794)


@pytest.mark.parametrize("fn", [overlay_label, concat_label])
@pytest.mark.parametrize("label", [10, -1])
def test_labels_outside_0_to_9_are_a_value_error(images, fn, label):
    with pytest.raises(ValueError, match=r"0\.\.9"):
        fn(images, torch.tensor([1, label, 2]))
    with pytest.raises(ValueError, match=r"0\.\.9"):
        fn(images, label)


@pytest.mark.parametrize("fn", [overlay_label, concat_label])
def test_images_of_the_wrong_shape_are_a_value_error(fn):
    with pytest.raises(ValueError, match=r"\(N, 784\)"):
        fn(torch.zeros(2, 783), 1)
    with pytest.raises(ValueError, match=r"\(N, 784\)"):
        fn(torch.zeros(2, 28, 28), 1)
    with pytest.raises(ValueError, match=r"\(N, 784\)"):
        neutral_label(torch.zeros(2, 783))


def test_labels_of_the_wrong_count_are_a_value_error(images):
    with pytest.raises(ValueError, match="expected 3 labels"):
        overlay_label(images, torch.tensor([1, 2]))


@pytest.mark.parametrize("labels", [torch.tensor([1.0, 2.0, 3.0]), 3.0, [1, 2, 3], torch.tensor([True, False, True])])
def test_labels_that_are_not_integers_are_a_type_error(images, labels):
    with pytest.raises(TypeError, match="labels must be"):
        overlay_label(images, labels)


def test_images_that_are_not_float_tensors_are_a_type_error():
    with pytest.raises(TypeError, match="torch.Tensor"):
        overlay_label(np.zeros((2, 784), dtype=np.float32), 1)
    with pytest.raises(TypeError, match="floating point"):
        overlay_label(torch.zeros(2, 784, dtype=torch.uint8), 1)
