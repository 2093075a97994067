"""A stack of FF layers: locality of training, prediction by hand, the read-out, its History."""

import pytest
import torch

import ff_tutorial as ff
from ff_tutorial import train_greedy, train_simultaneous, train_unsupervised, train_readout
from ff_tutorial.augment import BACKGROUND
import ff_tutorial.network as network
from ff_tutorial.network import mistake_rate
import ff_tutorial.schedules as schedules
from ff_tutorial.engine import Engine, local_step
from ff_tutorial import FFNetwork


def data(n=200, seed=0):
    """Random normalized-looking images (some negative pixels, so no raw-pixel warning) and labels."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 784, generator=g), torch.randint(0, 10, (n,), generator=g)


def hand_forward(net, x_embedded):
    """Each layer written out: relu(W x/|x| + b), returning every layer's activities."""
    hs, h = [], x_embedded
    for layer in net.layers:
        unit = h / (h.norm(dim=1, keepdim=True) + 1e-8)
        h = torch.relu(unit @ layer.linear.weight.T + layer.linear.bias)
        hs.append(h)
    return hs


def hand_scores(net, x, score_from=0):
    scores = torch.zeros(len(x), 10)
    for label in range(10):
        xe = x.clone()
        xe[:, :10] = 0.0
        xe[:, label] = net.label_value
        for k, h in enumerate(hand_forward(net, xe)):
            if k >= score_from:
                scores[:, label] += h.pow(2).mean(dim=1)
    return scores


@torch.no_grad()
@pytest.mark.parametrize("score_from", [0, 1])
def test_goodness_per_label_is_the_goodness_summed_over_layers_for_each_label(score_from):
    torch.manual_seed(0)
    net = FFNetwork([784, 12, 9], score_from=score_from)
    x, _ = data(7)
    scores = net.goodness_per_label(x)
    assert scores.shape == (7, 10)
    assert torch.allclose(scores, hand_scores(net, x, score_from), rtol=1e-5, atol=1e-7)
    assert torch.equal(net.predict(x), scores.argmax(dim=1))


def test_prediction_in_chunks_equals_prediction_at_once(monkeypatch):
    torch.manual_seed(0)
    net = FFNetwork([784, 30, 30])
    x, _ = data(25)
    whole = net.goodness_per_label(x)
    monkeypatch.setattr(network, "CHUNK", 4)  # 25 images in chunks of 4, the last one short
    chunked = net.goodness_per_label(x)
    assert torch.allclose(chunked, whole, rtol=1e-6, atol=1e-7)
    assert torch.equal(net.predict(x), whole.argmax(dim=1))


def test_error_rate_is_the_fraction_of_wrong_predictions():
    torch.manual_seed(0)
    net = FFNetwork([784, 20])
    x, _ = data(20)
    y = net.predict(x).clone()
    y[[2, 5, 11]] = (y[[2, 5, 11]] + 1) % 10  # three labels that disagree with the prediction
    assert net.error_rate(x, y) == pytest.approx(3 / 20)


def spy_on_steps(monkeypatch, record):
    """Call record(engine, first, last, x) before every step the engine takes."""
    original = Engine.eager_step

    def eager_step(engine, first, last, x):
        record(engine, first, last, x)
        return original(engine, first, last, x)

    monkeypatch.setattr(Engine, "eager_step", eager_step)


def test_greedy_training_of_layer_1_leaves_layer_0_bit_for_bit_unchanged(monkeypatch):
    torch.manual_seed(0)
    net = FFNetwork([784, 20, 20])
    x, y = data()
    snapshots = []
    spy_on_steps(monkeypatch, lambda engine, first, last, x: first == 1 and snapshots.append(
        net.layers[0].linear.weight.clone()))
    layer1_before = net.layers[1].linear.weight.clone()
    train_greedy(net, x, y, epochs=3, batch_size=50, progress=False)
    assert len(snapshots) == 12  # 3 epochs of 4 mini-batches
    after = {k: v.clone() for k, v in net.layers[0].state_dict().items()}
    assert all(torch.equal(s, after["linear.weight"]) for s in snapshots)
    assert not torch.equal(net.layers[1].linear.weight, layer1_before)  # layer 1 did learn


def test_greedy_layer_0_is_what_a_one_layer_network_learns_from_the_same_start():
    x, y = data()
    trained = []
    for dims in ([784, 20, 20], [784, 20]):
        torch.manual_seed(0)  # layer 0 is built first, so it starts the same in both networks
        net = FFNetwork(dims)
        train_greedy(net, x, y, epochs=3, batch_size=50, generator=torch.Generator().manual_seed(1),
                         progress=False)
        trained.append(net.layers[0].state_dict())
    for key in trained[0]:
        assert torch.equal(trained[0][key], trained[1][key]), key


def test_simultaneous_training_keeps_every_gradient_local():
    """Each layer's gradient from a step of the whole stack is that of its own loss alone, computed
    by hand here on a copy of its weights and the (detached) activities of the layer below."""
    torch.manual_seed(0)
    net = FFNetwork([784, 20, 20], peer_norm=0.1)
    x, y = data(25)
    batch = torch.cat([net.embed(x, y), net.embed(x, (y + 1) % 10)])

    def leaves():
        return ([layer.linear.weight.detach().T.unsqueeze(0).requires_grad_() for layer in net.layers],
                [layer.linear.bias.detach().unsqueeze(0).requires_grad_() for layer in net.layers])

    weights, biases = leaves()
    local_step(net.layers, weights, biases, [torch.zeros(1, 20), torch.zeros(1, 20)],
               network.normalize(batch).unsqueeze(0))
    by_hand, h = leaves()[0], batch
    for k, (layer, weight) in enumerate(zip(net.layers, by_hand)):
        unit = h / (h.norm(dim=1, keepdim=True) + 1e-8)
        z = unit @ weight[0] + layer.linear.bias
        g = torch.relu(z).pow(2).mean(dim=1)
        mean = 0.1 * torch.relu(z)[:25].mean(dim=0)  # the running mean, from zero
        loss = ff.ff_loss(g[:25], g[25:], 2.0) + 0.1 * (mean - mean.mean()).pow(2).mean()
        loss.backward()
        assert torch.allclose(weights[k].grad, weight.grad, rtol=1e-5, atol=1e-7), k
        h = torch.relu(z).detach()


def test_a_connected_loss_would_have_reached_layer_0():
    """The control for the test above: without the detach, layer 1's loss does give layer 0 a gradient."""
    torch.manual_seed(0)
    net = FFNetwork([784, 20, 20])
    x, y = data(10)
    h0 = torch.relu(net.layers[0].linear(ff.overlay_label(x, y)))
    net.layers[1].linear(h0).pow(2).mean().backward()
    assert net.layers[0].linear.weight.grad.abs().sum() > 0


def test_history_counts_steps_and_records_evaluations():
    torch.manual_seed(0)
    net = FFNetwork([784, 10, 10])
    x, y = data(120)
    h = train_greedy(net, x, y, epochs=3, batch_size=50, eval_every=1, x_test=x[:30], y_test=y[:30],
                         progress=False)
    assert [len(losses) for losses in h.layer_losses] == [9, 9]  # 3 epochs of 3 batches (50, 50, 20)
    assert h.epochs == [1, 2, 3, 4, 5, 6] and h.layers == [1, 1, 1, 2, 2, 2]
    assert h.train_error == [None] * 6  # train error: not measured
    assert h.test_error[-1] == pytest.approx(net.error_rate(x[:30], y[:30]))  # the last: the whole network
    assert h.seconds > 0 and not h.interrupted
    h = train_simultaneous(net, x, y, epochs=2, batch_size=40, eval_every=None, progress=False)
    assert [len(losses) for losses in h.layer_losses] == [6, 6] and h.epochs == []
    h = train_greedy(net, x, y, epochs=2, batch_size=None, progress=False)  # the whole set at once
    assert [len(losses) for losses in h.layer_losses] == [2, 2]


def test_cooldown_halves_nothing_in_the_first_half_then_decays_linearly(monkeypatch):
    torch.manual_seed(0)
    net = FFNetwork([784, 10], lr=0.01)
    x, y = data(50)
    lrs = []
    spy_on_steps(monkeypatch, lambda engine, first, last, x: lrs.append(engine.optimizer.param_groups[0]["lr"]))
    train_greedy(net, x, y, epochs=5, cooldown=True, progress=False)
    # epochs 0..4 of 5: min(1, 2 * (5 - e) / 5) = 1, 1, 1, 0.8, 0.4
    assert lrs == pytest.approx([0.01, 0.01, 0.01, 0.008, 0.004])


@pytest.mark.parametrize("negatives", ["wrong", "permuted", "hard"])
@pytest.mark.parametrize("schedule", ["greedy", "simultaneous"])
def test_every_kind_of_negative_trains_with_either_schedule(negatives, schedule):
    torch.manual_seed(0)
    net = FFNetwork([784, 10, 10])
    x, y = data(60)
    train = ff.train_greedy if schedule == "greedy" else ff.train_simultaneous
    h = train(net, x, y, epochs=2, batch_size=30, negatives=negatives, progress=False)
    assert all(len(losses) == 4 for losses in h.layer_losses)
    assert all(torch.isfinite(p).all() for p in net.parameters())


def test_concat_embedding_network_trains_and_predicts():
    torch.manual_seed(0)
    net = FFNetwork([794, 10], embedding="concat")
    x, y = data(40)
    train_greedy(net, x, y, epochs=2, progress=False)
    assert net.goodness_per_label(x).shape == (40, 10)


def test_one_pass_prediction_is_the_head_on_normalized_neutral_activities(small):
    x, y, x_test, y_test = small
    torch.manual_seed(0)
    net = FFNetwork([784, 100, 100])  # the read-out sees layer 1 (all but the first)
    with pytest.raises(RuntimeError, match="train_readout"):
        net.predict_one_pass(x[:5])
    layers_before = {k: v.clone() for k, v in net.layers.state_dict().items()}
    train_readout(net, x[:2000], y[:2000], epochs=20, batch_size=100,
                      generator=torch.Generator().manual_seed(0), progress=False)
    for k, v in net.layers.state_dict().items():
        assert torch.equal(v, layers_before[k]), k  # only the head learns
    # by hand: neutral label, both layers, layer 1's activities scaled to unit length, the head
    with torch.no_grad():
        xn = x_test[:500].clone()
        xn[:, :10] = 0.1
        h1 = hand_forward(net, xn)[1]
        expected = net.head(h1 / (h1.norm(dim=1, keepdim=True) + 1e-8)).argmax(dim=1)
    assert torch.equal(net.predict_one_pass(x_test[:500]), expected)
    # even on random FF features, a softmax read-out does far better than chance (0.9)
    assert net.error_rate(x[:2000], y[:2000], one_pass=True) < 0.45


def test_a_jittered_read_out_sees_every_image_shifted_anew_each_epoch_and_leaves_the_layers_alone(
        small, monkeypatch):
    x, y, _, _ = small
    x, y = x[:300], y[:300]
    torch.manual_seed(0)
    net = FFNetwork([784, 30, 20])
    layers_before = {k: v.clone() for k, v in net.layers.state_dict().items()}
    seen = []
    features = FFNetwork.readout_features
    monkeypatch.setattr(FFNetwork, "readout_features", lambda self, x: seen.append(x) or features(self, x))
    train_readout(net, x, y, epochs=3, batch_size=100, progress=False)
    assert len(seen) == 1 and torch.equal(seen[0], x)  # no jitter: features computed once
    seen.clear()
    history = train_readout(net, x, y, epochs=3, batch_size=100, generator=torch.Generator().manual_seed(0),
                            progress=False, jitter=1)
    assert history.epochs_completed == 3 and len(seen) == 3  # the features anew each epoch
    assert not torch.equal(seen[0], seen[1]) and not any(torch.equal(s, x) for s in seen)
    # each image at one of the 9 places at most a pixel away, background filling the edge it left
    padded = torch.nn.functional.pad(x.view(-1, 28, 28), (1, 1, 1, 1), value=BACKGROUND)
    places = [padded[:, 1 + dy:29 + dy, 1 + dx:29 + dx].reshape(-1, 784) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    for s in seen:
        assert all(any(torch.equal(s[i], place[i]) for place in places) for i in range(300))
    for k, v in net.layers.state_dict().items():
        assert torch.equal(v, layers_before[k]), k  # only the head learns
    head = [p.clone() for p in net.head.parameters()]
    with pytest.raises(ValueError, match="max_shift must be a whole number of pixels from 0 to 27"):
        train_readout(net, x, y, epochs=1, progress=False, jitter=28)
    assert all(torch.equal(p, q) for p, q in zip(net.head.parameters(), head))  # refused before training


def test_a_reset_read_out_is_fresh_and_untrained_on_the_same_layers_and_saves_with_its_layers(small, tmp_path):
    x, y, x_test, y_test = small
    torch.manual_seed(0)
    net = FFNetwork([784, 30, 20, 10])  # by default the read-out sees layers 1 and 2: 30 features
    assert net.head.in_features == 20 + 10
    train_readout(net, x[:500], y[:500], epochs=2, progress=False)
    layers_before = {k: v.clone() for k, v in net.layers.state_dict().items()}
    goodness_before = net.goodness_per_label(x_test[:50])
    net.reset_readout(0)
    assert net.head.in_features == 30 + 20 + 10 and net.readout_features(x[:3]).shape == (3, 60)
    assert net.readout_from == net.config.readout_from == 0
    with pytest.raises(RuntimeError, match="train_readout"):
        net.predict_one_pass(x[:5])  # the new head has learned nothing yet
    for k, v in net.layers.state_dict().items():
        assert torch.equal(v, layers_before[k]), k
    assert torch.equal(net.goodness_per_label(x_test[:50]), goodness_before)
    train_readout(net, x[:500], y[:500], epochs=2, progress=False)
    loaded = ff.load(ff.save(net, tmp_path / "net.pt"))  # the checkpoint knows which layers it reads
    assert loaded.readout_from == 0
    assert torch.equal(loaded.predict_one_pass(x_test[:50]), net.predict_one_pass(x_test[:50]))
    # same seed, same layers: a reset head starts where a new network's head would
    torch.manual_seed(1)
    net.reset_readout(1)
    torch.manual_seed(1)
    assert torch.equal(net.head.weight, torch.nn.Linear(30, 10).weight)
    for bad in (3, -1, "all"):
        with pytest.raises(ValueError, match="readout_from must name a layer, 0..2"):
            net.reset_readout(bad)


@pytest.mark.parametrize("dims", [[784], [784, 0], [783, 10], [784, -5], [784, 10.5], "784,500", None,
                                  [784, True]])
def test_dims_that_make_no_sense_are_a_value_error(dims):
    with pytest.raises(ValueError, match="dims"):
        FFNetwork(dims)


def test_concat_needs_794_inputs():
    with pytest.raises(ValueError, match="794"):
        FFNetwork([784, 10], embedding="concat")


@pytest.mark.parametrize("kwargs, error", [
    (dict(lr=-1), ValueError), (dict(lr=0), ValueError), (dict(lr="fast"), TypeError),
    (dict(threshold=0), ValueError), (dict(threshold=float("inf")), ValueError),
    (dict(embedding="prepend"), ValueError), (dict(score_from=2), ValueError),
    (dict(score_from="last"), ValueError), (dict(readout_from=5), ValueError),
    (dict(loss="hinge"), ValueError), (dict(peer_norm="yes"), TypeError),
])
def test_bad_network_settings_are_refused(kwargs, error):
    with pytest.raises(error, match=r"must|one of"):
        FFNetwork([784, 10, 10], **kwargs)


@pytest.mark.parametrize("kwargs", [dict(epochs=0), dict(epochs=1.5), dict(epochs=1, batch_size=0),
                                    dict(epochs=1, negatives="random"), dict(epochs=1, eval_every=0)])
@pytest.mark.parametrize("schedule", ["train_greedy", "train_simultaneous"])
def test_bad_training_settings_are_a_value_error(kwargs, schedule):
    net = FFNetwork([784, 10])
    x, y = data(20)
    with pytest.raises(ValueError, match="must be"):
        getattr(ff, schedule)(net, x, y, progress=False, **kwargs)


def test_a_network_without_labels_trains_on_images_and_hybrids_and_answers_only_through_its_read_out():
    torch.manual_seed(0)
    x, y = data(300)
    net = FFNetwork([784, 16, 16], embedding="none")
    assert torch.equal(net.embed(x, y), x)  # no label is written: the image itself
    history = train_unsupervised(net, x, epochs=2, batch_size=100, generator=torch.Generator().manual_seed(0),
                                     progress=False)
    assert [len(losses) for losses in history.layer_losses] == [6, 6]
    with pytest.raises(ValueError, match="trained without labels"):
        net.goodness_per_label(x)
    with pytest.raises(ValueError, match="trained without labels"):
        net.error_rate(x, y)
    untrained = net.head.weight.detach().clone()
    train_readout(net, x, y, epochs=1, progress=False)
    # the read-out learned (random labels of random images: not to answer well), and it is what answers
    assert not torch.equal(net.head.weight, untrained)
    assert net.error_rate(x, y, one_pass=True) == mistake_rate(net.predict_one_pass(x), y)


def test_unsupervised_training_refuses_a_network_that_writes_labels():
    x, _ = data(50)
    with pytest.raises(ValueError, match="embedding='none'"):
        train_unsupervised(FFNetwork([784, 8]), x, epochs=1, progress=False)


def test_the_unsupervised_negatives_are_hybrids_of_the_training_images(monkeypatch):
    """Layer 0 sees the real images, normalized, then the hybrids of those same images, normalized."""
    torch.manual_seed(0)
    x, _ = data(40)
    net = FFNetwork([784, 8], embedding="none")
    made, seen = [], []

    def recording_hybrids(images, generator=None, blur_steps=6):
        made.append((images.clone(), ff.hybrid_images(images, generator, blur_steps)))
        return made[-1][1]

    monkeypatch.setattr(schedules, "hybrid_images", recording_hybrids)
    spy_on_steps(monkeypatch, lambda engine, first, last, batch: seen.append(batch.clone()))
    train_unsupervised(net, x, epochs=1, batch_size=40, generator=torch.Generator().manual_seed(1), progress=False)
    (images, hybrids), = made
    (both,), = seen
    assert torch.equal(images, x)  # hybrids of the training images themselves, once per epoch
    assert both.shape == (80, 784)  # 40 positives, then their 40 negatives, each of unit length
    assert torch.allclose(both[:40], network.normalize(x), atol=1e-6)
    assert torch.allclose(both[40:], network.normalize(hybrids), atol=1e-6)


@pytest.mark.slow  # three epochs on 3,000 digits, twice
@pytest.mark.parametrize("loss", ["ff", "symba"])
def test_unsupervised_layers_learn_to_give_real_test_digits_more_goodness_than_their_hybrids(small, loss):
    # The symmetric loss compares each image with its own hybrid: rows i and n + i of a batch.
    x, _, x_test, _ = small
    hybrids = ff.hybrid_images(x_test, torch.Generator().manual_seed(5))
    torch.manual_seed(0)
    net = FFNetwork([784, 100], embedding="none", loss=loss, symba_alpha=4.0)

    def real_wins():
        layer = net.layers[0]
        return (layer.goodness(network.normalize(x_test)) > layer.goodness(network.normalize(hybrids))).float().mean()

    before = real_wins()
    train_unsupervised(net, x, epochs=3, batch_size=50, generator=torch.Generator().manual_seed(0), progress=False)
    assert before < 0.6 and real_wins() > 0.75  # from a coin toss to a clear preference


def test_the_error_rate_is_the_fraction_of_wrong_labels():
    assert mistake_rate(torch.tensor([1, 2, 3, 4]), torch.tensor([1, 0, 3, 0])) == 0.5
    assert mistake_rate(torch.tensor([7]), torch.tensor([7])) == 0.0


@pytest.mark.parametrize("every, epochs, due", [
    (None, 5, []), (1, 3, [0, 1, 2]), (2, 5, [1, 3, 4]), (3, 6, [2, 5]), (10, 4, [3]),
])
def test_the_error_is_measured_every_so_many_epochs_and_after_the_last(every, epochs, due):
    from ff_tutorial.history import is_due
    assert [e for e in range(epochs) if is_due(e, epochs, every)] == due


def test_silent_units_are_those_that_answer_no_image_with_its_label(monkeypatch):
    monkeypatch.setattr(network, "CHUNK", 64)  # several chunks: a unit active in any of them is not silent
    torch.manual_seed(0)
    net = FFNetwork([784, 30, 20])
    with torch.no_grad():
        for layer, units in zip(net.layers, ([2, 5], [0, 7, 19])):
            layer.linear.weight[units] = 0.0
            layer.linear.bias[units] = -1.0  # below zero for every input: silent
    x, y = data()
    by_hand = [~(h > 0).any(dim=0) for h in hand_forward(net, net.embed(x, y))]
    silent = net.silent_units(x, y)
    assert [s.tolist() for s in silent] == [s.tolist() for s in by_hand]
    assert set(torch.nonzero(silent[0]).flatten().tolist()) >= {2, 5}
    assert set(torch.nonzero(silent[1]).flatten().tolist()) >= {0, 7, 19}
    with pytest.raises(ValueError):
        net.silent_units(x, y[:10])  # a label for every image
