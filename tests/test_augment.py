"""Jitter: a shifted image is the same picture moved, with background where it moved from.
Pixel dropout: a fraction of the pixels blanked, each on its own, the rest as they were."""

import pytest
import torch

from ff_tutorial import FFNetwork, train_simultaneous
from ff_tutorial.augment import BACKGROUND, drop_pixels, shift_images


class EmbedSpy(FFNetwork):
    """A network that keeps the images it is given to write labels into: the positives it trains on."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = []

    def embed(self, images, labels):
        self.seen.append(images.clone())
        return super().embed(images, labels)


def dots(n):
    """n blank images, each with one bright pixel in the middle, at (13, 14)."""
    x = torch.full((n, 784), BACKGROUND)
    x.view(n, 28, 28)[:, 13, 14] = 3.0
    return x


def test_every_image_is_moved_by_at_most_the_shift_and_all_25_moves_happen():
    out = shift_images(dots(2000), 2, torch.Generator().manual_seed(0)).view(2000, 28, 28)
    where = (out == 3.0).nonzero()
    assert len(where) == 2000  # each picture keeps its one bright pixel, nothing is duplicated
    rows, cols = where[:, 1] - 13, where[:, 2] - 14
    assert rows.abs().max() == 2 and cols.abs().max() == 2
    moves = torch.stack([rows, cols], 1).unique(dim=0)
    assert len(moves) == 25
    assert ((out == BACKGROUND) | (out == 3.0)).all()  # the rest stays background


def test_a_shift_moves_the_whole_picture_and_fills_the_edge_with_background(mnist):
    x = mnist.x_train[:200]
    out = shift_images(x, 3, torch.Generator().manual_seed(1)).view(200, 28, 28)
    pictures = x.view(200, 28, 28)
    for picture, moved in zip(pictures, out):
        # find the move by trying all 49: exactly one must reproduce the shifted image
        matches = []
        for dy in range(-3, 4):
            for dx in range(-3, 4):
                expected = torch.full((28, 28), BACKGROUND)
                src = picture[max(0, -dy):28 - max(0, dy), max(0, -dx):28 - max(0, dx)]
                expected[max(0, dy):max(0, dy) + src.shape[0], max(0, dx):max(0, dx) + src.shape[1]] = src
                matches.append(torch.equal(moved, expected))
        assert sum(matches) == 1


@pytest.mark.parametrize("change, amount", [(shift_images, 2), (drop_pixels, 0.3)])
def test_no_change_gives_the_images_back_and_the_same_generator_the_same_change(mnist, change, amount):
    x = mnist.x_train[:50]
    assert change(x, 0) is x
    a = change(x, amount, torch.Generator().manual_seed(4))
    b = change(x, amount, torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, x)


@pytest.mark.parametrize("bad", [-1, 28, 1.5, True, "2"])
def test_a_shift_that_is_not_a_small_whole_number_is_refused(bad):
    with pytest.raises(ValueError, match="max_shift"):
        shift_images(dots(2), bad)


def test_jittered_training_sees_moved_images_and_refuses_a_bad_jitter_before_training(small):
    x, y, _, _ = small
    net = EmbedSpy([784, 20])
    train_simultaneous(net, x[:100], y[:100], epochs=1, batch_size=100, jitter=2, eval_every=None,
                           generator=torch.Generator().manual_seed(0), progress=False)
    # The positives of the one batch are the training images, shifted: only the few that drew
    # the move (0, 0), 1 in 25, are still equal to an original (all 100 would be without jitter).
    positives = net.seen[0]
    unmoved = sum(any(torch.equal(p, original) for original in x[:100]) for p in positives)
    assert len(positives) == 100 and unmoved < 15
    with pytest.raises(ValueError, match="max_shift"):
        train_simultaneous(EmbedSpy([784, 20]), x[:100], y[:100], epochs=1, jitter=-1, progress=False)


def test_pixel_dropout_blanks_about_that_fraction_of_pixels_each_on_its_own_and_keeps_the_rest(mnist):
    x = mnist.x_train[:2000]
    out = drop_pixels(x, 0.25, torch.Generator().manual_seed(0))
    changed = out != x
    assert (out[changed] == BACKGROUND).all()  # what changed was blanked, nothing else moved
    # Blanking a pixel that was already blank changes nothing: count against the lit pixels only.
    lit = x != BACKGROUND
    blanked = (changed & lit).sum() / lit.sum()
    assert abs(blanked.item() - 0.25) < 0.005  # about 300,000 lit pixels: a spread of about 0.001
    per_image = (changed & lit).sum(1) / lit.sum(1)
    assert per_image.std() > 0.01  # each image draws its own pixels, not one mask for all
    assert not torch.equal(changed[0], changed[1])


@pytest.mark.parametrize("bad", [-0.1, 1, 1.5, float("nan"), True, "0.2"])
def test_a_pixel_dropout_that_is_not_a_fraction_below_1_is_refused(bad):
    with pytest.raises(ValueError, match="fraction"):
        drop_pixels(dots(2), bad)


@pytest.mark.parametrize("unsupervised", [False, True])
def test_training_with_pixel_dropout_sees_images_with_blanked_pixels(small, monkeypatch, unsupervised):
    import ff_tutorial.schedules as schedules
    from ff_tutorial import train_unsupervised
    x, y, _, _ = small
    x, y = x[:100], y[:100]
    g = torch.Generator().manual_seed(0)
    if unsupervised:  # the positives are the images as this epoch sees them, unlabelled
        seen, hybrids = [], schedules.hybrid_images
        monkeypatch.setattr(schedules, "hybrid_images",
                            lambda images, *args: seen.append(images.clone()) or hybrids(images, *args))
        train_unsupervised(FFNetwork([784, 20], embedding="none"), x, epochs=1, batch_size=100,
                           pixel_dropout=0.5, generator=g, progress=False)
    else:  # the label is written into the image after its pixels were blanked
        net = EmbedSpy([784, 20])
        train_simultaneous(net, x, y, epochs=1, batch_size=100, pixel_dropout=0.5, generator=g,
                           progress=False)
        seen = net.seen
    images = seen[0]
    # Every image drew its own blanks: none is still equal to an original, and about half of
    # the lit pixels are left, as they were, never moved.
    assert len(images) == 100
    assert not any(any(torch.equal(i, original) for original in x) for i in images)
    kept = images != BACKGROUND
    assert (images[kept] == x[kept]).all()
    assert 0.45 < (kept.sum() / (x != BACKGROUND).sum()).item() < 0.55
    with pytest.raises(ValueError, match="pixel_dropout"):
        train_simultaneous(EmbedSpy([784, 20]), x, y, epochs=1, pixel_dropout=1.0, progress=False)
