"""Recipes: one record of settings, trained the way it says; compare() measures them alike."""

import dataclasses

import pytest
import torch

from ff_tutorial import FFNetwork, History
import ff_tutorial.recipes as recipes
from ff_tutorial.recipes import PRESETS, Recipe, compare, train


def test_replace_changes_one_setting_and_keeps_the_rest():
    fast = PRESETS["fast"]
    longer = fast.replace(epochs=20)
    assert longer.epochs == 20 and fast.epochs == 5
    assert dataclasses.replace(longer, epochs=fast.epochs) == fast
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.epochs = 7


def test_build_passes_every_network_setting_through():
    recipe = Recipe(dims=(794, 30, 20), embedding="concat", threshold=3.5, lr=0.01, optimizer="sgd",
                    loss="symba", symba_alpha=7.0, peer_norm=0.02, weight_decay=0.05, readout_from=0)
    net = recipe.build()
    assert isinstance(net, FFNetwork)
    assert net.config.to_dict() == dict(dims=[794, 30, 20], embedding="concat", threshold=3.5, lr=0.01, optimizer="sgd",
                              loss="symba", symba_alpha=7.0, peer_norm=0.02, score_from=0, readout_from=0,
                              receptive_fields=[], weight_decay=0.05)  # local fields need 'overlay': test_receptive passes them
    assert recipe.replace(readout_from=None).build().readout_from == 1  # the network's own default
    assert net.layers[1].symba_alpha == 7.0 and net.layers[0].peer_norm == 0.02
    assert net.layers[1].weight_decay == 0.05
    assert net.layers[0].optimizer_name == "sgd"  # the engine makes the optimizer from it


@pytest.mark.parametrize("changes, says", [
    (dict(schedule="sideways"), "schedule"),
    (dict(embedding="none"), "hybrid"),
    (dict(negatives="hybrid"), "hybrid"),
    (dict(jitter=2), "simultaneous"),  # the default schedule is greedy
    (dict(pixel_dropout=0.1), "pixel_dropout needs the simultaneous schedule"),
    (dict(pixel_dropout=1.0, schedule="simultaneous"), "fraction"),
    (dict(pixel_dropout=-0.1, schedule="simultaneous"), "fraction"),
    (dict(jitter=28, schedule="simultaneous"), "fewer pixels than the image's side"),
    (dict(readout_jitter=1), "needs a read-out"),  # readout_epochs is 0 by default
    (dict(readout_jitter=28, readout_epochs=1), "fewer pixels than the image's side"),
    (dict(readout_jitter=True, readout_epochs=1), "whole number"),
])
def test_recipes_that_cannot_work_are_refused_before_training(changes, says):
    with pytest.raises(ValueError, match=says):
        Recipe(dims=(784, 10), **changes).build()


def test_the_greedy_schedule_trains_layer_after_layer_and_simultaneous_every_layer_each_step(small):
    x, y, _, _ = small
    x, y = x[:500], y[:500]
    greedy = Recipe(dims=(784, 20, 20), schedule="greedy", epochs=2, batch_size=100, train_size=500)
    _, h = train(greedy, x, y, generator=torch.Generator().manual_seed(0), progress=False)
    assert [len(losses) for losses in h.layer_losses] == [10, 10]  # 2 epochs x 5 batches per layer
    together = greedy.replace(schedule="simultaneous")
    _, h = train(together, x, y, generator=torch.Generator().manual_seed(0), progress=False)
    assert [len(losses) for losses in h.layer_losses] == [10, 10]
    full_batch = greedy.replace(batch_size=0)
    _, h = train(full_batch, x, y, generator=torch.Generator().manual_seed(0), progress=False)
    assert [len(losses) for losses in h.layer_losses] == [2, 2]  # one step per epoch


def test_readout_epochs_train_the_head_and_an_unsupervised_recipe_learns_without_labels(small):
    x, y, x_test, y_test = small
    # Three epochs: after one, the read-out's error depends on the starting weights (0.74 to 0.87 over
    # seeds 0-7, chance 0.9); after three it is 0.67 to 0.74 over seeds 0-5.
    recipe = Recipe(dims=(784, 40, 40), embedding="none", negatives="hybrid", schedule="simultaneous",
                    epochs=3, batch_size=100, readout_epochs=20, readout_lr=0.1, readout_from=0)
    labels_seen = []

    class Spy(FFNetwork):
        def embed(self, x, y):  # unsupervised training must never write a label into an image
            labels_seen.append(y)
            return super().embed(x, y)

    torch.manual_seed(0)  # the starting weights, whatever ran before in this process
    net = Spy([784, 40, 40], embedding="none", readout_from=0)
    net, history = train(recipe, x[:1000], y[:1000], net=net, generator=torch.Generator().manual_seed(0),
                         progress=False)
    assert labels_seen == [] and bool(net.head_trained)
    assert all(len(losses) == 30 for losses in history.layer_losses)
    assert net.error_rate(x_test, y_test, one_pass=True) < 0.85  # the read-out learned something (chance: 0.9)


def test_compare_gives_every_recipe_the_same_data_and_seed(small, mnist):
    recipe = Recipe(dims=(784, 20), schedule="simultaneous", epochs=2, batch_size=100, train_size=600,
                    loss="symba")
    trials = compare({"a": recipe, "b": recipe, "c": recipe.replace(lr=0.001)}, mnist, progress=False)
    a, b, c = trials
    assert [t.name for t in trials] == ["a", "b", "c"]
    # same recipe, same seed: the same network, step for step
    assert a.history.layer_losses == b.history.layer_losses
    assert torch.equal(a.network.layers[0].linear.weight, b.network.layers[0].linear.weight)
    assert a.history.layer_losses != c.history.layer_losses
    # the validation error after each epoch, on the last 10,000 training images (never the test set),
    # and the training time before it
    assert a.history.epochs == [1, 2] and len(a.history.test_error) == 2
    assert a.validation_error == pytest.approx(a.network.error_rate(mnist.x_train[50_000:], mnist.y_train[50_000:]))
    assert a.validation_error != pytest.approx(a.network.error_rate(mnist.x_test, mnist.y_test))
    assert 0 < a.history.train_seconds[0] < a.history.train_seconds[1] <= a.history.elapsed[1]


def test_compare_refuses_to_train_on_the_validation_images(mnist):
    with pytest.raises(ValueError, match="train_size is at most 50000"):
        compare({"all": Recipe(train_size=60_000)}, mnist, progress=False)


def test_train_seconds_leave_out_the_time_spent_evaluating():
    h = History.for_layers(1)
    h.record(1, 1, 0.5, 0.5, eval_seconds=0.0)
    h.record(2, 1, 0.4, 0.4, eval_seconds=100.0)  # an evaluation that took 100 s
    assert h.train_seconds[0] == pytest.approx(h.elapsed[0])
    assert h.train_seconds[1] == pytest.approx(h.elapsed[1] - 100.0)
    assert "_evaluating" not in h.to_dict() and len(h.to_dict()["train_seconds"]) == 2


def test_the_read_out_trains_with_the_recipe_s_learning_rate_on_the_layers_it_names(small, monkeypatch):
    x, y, _, _ = small
    calls = []
    original = recipes.train_readout

    def spy(net, x, y, epochs=10, batch_size=1000, lr=0.01, generator=None, progress=True, jitter=0):
        calls.append((epochs, lr, net.readout_from, jitter))
        return original(net, x, y, epochs, batch_size, lr, generator, progress, jitter)

    monkeypatch.setattr(recipes, "train_readout", spy)
    recipe = Recipe(dims=(784, 20, 20), schedule="simultaneous", epochs=1, batch_size=100, readout_epochs=1,
                    readout_from=0, readout_lr=0.05)
    net, _ = train(recipe, x[:500], y[:500], progress=False)
    assert calls == [(1, 0.05, 0, 0)]
    assert net.head.in_features == 40  # both layers' activities
    train(recipe.replace(readout_jitter=2), x[:500], y[:500], progress=False)
    assert calls[-1] == (1, 0.05, 0, 2)  # its images shifted by up to 2 pixels
    with pytest.raises(ValueError, match="read-out learning rate"):
        train(recipe.replace(readout_lr=-1.0), x[:500], y[:500], progress=False)


@pytest.mark.parametrize("preset", ["fast", "unsupervised"])
def test_the_recipe_s_pixel_dropout_reaches_its_schedule(small, monkeypatch, preset):
    x, y, _, _ = small
    name = "train_unsupervised" if preset == "unsupervised" else "train_simultaneous"
    given = []
    original = getattr(recipes, name)
    monkeypatch.setattr(recipes, name, lambda *args, **kwargs: given.append(kwargs["pixel_dropout"])
                        or original(*args, **kwargs))
    recipe = PRESETS[preset].replace(dims=(784, 20), epochs=1, readout_epochs=0, pixel_dropout=0.3)
    train(recipe, x[:200], y[:200], progress=False)
    assert given == [0.3]
