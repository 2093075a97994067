"""Local receptive fields: the connections, zeros that stay zero, locality, saving, the flag, learning."""

import json

import pytest
import torch

import ff_tutorial as ff
import ff_tutorial.cli as cli
from ff_tutorial import FFNetwork
from ff_tutorial.engine import Engine
from ff_tutorial.receptive import local_connections, network_connections
from ff_tutorial.recipes import Recipe, train


def test_a_6x6_grid_in_3x3_patches_at_stride_3_gives_four_units_of_nine_inputs():
    sees = local_connections((6, 6, 1), field=3, stride=3, channels=1)
    assert sees.shape == (4, 36) and sees.sum(dim=1).tolist() == [9, 9, 9, 9]
    # Pixel (row, col) is row * 6 + col; the four quarters of the grid, worked out by hand.
    assert sees[0].nonzero().flatten().tolist() == [0, 1, 2, 6, 7, 8, 12, 13, 14]
    assert sees[1].nonzero().flatten().tolist() == [3, 4, 5, 9, 10, 11, 15, 16, 17]
    assert sees[2].nonzero().flatten().tolist() == [18, 19, 20, 24, 25, 26, 30, 31, 32]
    assert sees[3].nonzero().flatten().tolist() == [21, 22, 23, 27, 28, 29, 33, 34, 35]


def test_channels_share_a_location_and_a_layer_above_sees_every_channel_of_its_patch():
    # A 4x4 grid of 2 channels, 2x2 patches at stride 2: 2x2 locations of 3 channels each.
    sees = local_connections((4, 4, 2), field=2, stride=2, channels=3)
    assert sees.shape == (12, 32) and sees.sum(dim=1).tolist() == [8] * 12
    # Unit (0, 1, channel 2) is number (0 * 2 + 1) * 3 + 2 = 5; it sees locations (0..1, 2..3),
    # input (row, col, channel) being number (row * 4 + col) * 2 + channel.
    expected = [(r * 4 + c) * 2 + ch for r in (0, 1) for c in (2, 3) for ch in (0, 1)]
    assert sees[5].nonzero().flatten().tolist() == expected
    assert torch.equal(sees[3], sees[5])  # the three channels of one location see the same patch


def test_with_the_label_overlaid_every_first_layer_unit_also_sees_the_label():
    first, second = network_connections([784, 100 * 2, 25 * 4], [[10, 2], [2, 2]], "overlay")
    assert first[:, :10].all()  # the label's ten pixels go to every unit
    # The unit at location (5, 5) sees rows 10..19, columns 10..19: 100 pixels, and the label's 10.
    unit = (5 * 10 + 5) * 2
    assert first[unit].sum() == 110 and first[unit, 10 * 28 + 10] and not first[unit, 9 * 28 + 10]
    assert second.sum(dim=1).unique().tolist() == [2 * 2 * 2]  # no label above the first layer
    unlabelled, _ = network_connections([784, 200, 100], [[10, 2], [2, 2]], "none")
    assert unlabelled.sum(dim=1).unique().tolist() == [100]


@pytest.mark.parametrize("dims, fields, embedding, says", [
    ([784, 150], [[10, 2]], "overlay", "multiple of 100"),
    ([784, 100], [[10, 4]], "overlay", "do not tile"),
    ([794, 100], [[10, 2]], "concat", "'overlay'"),
    ([784, 100], [[10, 2], [1, 1]], "overlay", "2 receptive fields for a network of 1 layers"),
])
def test_fields_that_do_not_fit_are_refused(dims, fields, embedding, says):
    with pytest.raises(ValueError, match=says):
        FFNetwork(dims, embedding=embedding, receptive_fields=fields)


def data(n=300, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 784, generator=g), torch.randint(0, 10, (n,), generator=g)


LOCAL = Recipe(dims=(784, 100 * 2, 4 * 5, 12), receptive_fields=((10, 2), (6, 4)), epochs=2, batch_size=50,
               loss="symba", symba_alpha=10.0, lr=0.05)


def outside_the_fields(net):
    return [layer.linear.weight[~layer.connections] for layer in net.layers if layer.connections is not None]


@pytest.mark.parametrize("schedule", ["greedy", "simultaneous"])
def test_weights_outside_the_fields_stay_exactly_zero_while_the_others_learn(schedule):
    x, y = data()
    recipe = LOCAL.replace(schedule=schedule)
    nets, _ = train(recipe, x, y, seeds=[0, 1, 2], progress=False)
    for seed, net in zip([0, 1, 2], nets):
        ff.seed_everything(seed)
        start = recipe.build()  # the weights this network started from
        assert all(torch.count_nonzero(w) == 0 for w in outside_the_fields(start))
        outside = outside_the_fields(net)
        assert len(outside) == 2 and all(w.numel() > 0 and torch.count_nonzero(w) == 0 for w in outside)
        for layer, before in zip(net.layers, start.layers):
            seen = torch.ones_like(layer.linear.weight, dtype=torch.bool) if layer.connections is None \
                else layer.connections
            assert not torch.allclose(layer.linear.weight[seen], before.linear.weight[seen])  # they learn
    assert nets[0].layers[2].connections is None  # the top layer is fully connected


def test_the_control_unmasked_steps_would_fill_the_zeros(monkeypatch):
    monkeypatch.setattr(Engine, "within_fields", lambda engine, first, last: engine.weights[first:last + 1])
    net, _ = train(LOCAL.replace(schedule="simultaneous", epochs=1), *data(), progress=False)
    assert all(torch.count_nonzero(w) > w.numel() // 2 for w in outside_the_fields(net))


def test_a_layer_trained_alone_keeps_its_zeros_too():
    x, y = data(100)
    net = FFNetwork([784, 200], receptive_fields=[[10, 2]])
    layer = net.layers[0]
    for _ in range(3):
        layer.train_step(net.embed(x, y), net.embed(x, (y + 1) % 10))
    assert torch.count_nonzero(outside_the_fields(net)[0]) == 0


def test_a_unit_does_not_change_when_pixels_outside_its_patch_do():
    ff.seed_everything(0)
    net, _ = train(LOCAL.replace(schedule="simultaneous", epochs=1), *data(), progress=False)
    layer = net.layers[0]
    x = torch.randn(5, 784)
    # Unit 0 sits at location (0, 0): its patch is rows 0..9, columns 0..9 (and the label's pixels,
    # inside it). Change every pixel outside the patch, and nothing inside.
    inside = torch.zeros(28, 28, dtype=torch.bool)
    inside[:10, :10] = True
    changed = torch.where(inside.flatten(), x, torch.randn(5, 784))
    # The layer scales its whole input to unit length first, so compare the linear part on
    # unnormalized inputs: what the unit computes from what it sees.
    before, after = layer.linear(x)[:, :2], layer.linear(changed)[:, :2]
    assert torch.allclose(before, after, atol=1e-6)
    assert not torch.allclose(layer.linear(x)[:, -2:], layer.linear(changed)[:, -2:], atol=1e-3)  # the control


def test_save_and_load_keep_the_connections_and_the_answers(tmp_path):
    ff.seed_everything(0)
    net, _ = train(LOCAL.replace(schedule="simultaneous", epochs=1), *data(), progress=False)
    ff.save(net, tmp_path / "local.pt")
    loaded = ff.load(tmp_path / "local.pt")
    assert loaded.config.receptive_fields == [[10, 2], [6, 4]]
    for a, b in zip(net.layers, loaded.layers):
        assert (a.connections is None and b.connections is None) or torch.equal(a.connections, b.connections)
    x = data(50, seed=1)[0]
    assert torch.equal(net.goodness_per_label(x), loaded.goodness_per_label(x))


def test_the_command_line_flag_reaches_the_saved_network(fast_data, tmp_path, capsys):
    code = cli.main(["train", "--dims", "784,200", "--receptive-field", "10:2", "--train-size", "200",
                     "--epochs", "1", "--save", str(tmp_path / "net.pt"), "--metrics", str(tmp_path / "m.json"),
                     "--no-progress"])
    assert code == 0
    net = ff.load(tmp_path / "net.pt")
    assert net.config.receptive_fields == [[10, 2]]
    assert net.layers[0].connections.sum(dim=1).max() == 110
    assert json.loads((tmp_path / "m.json").read_text())["settings"]["receptive_fields"] == [[10, 2]]


def test_a_field_that_does_not_parse_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["train", "--receptive-field", "10:2:1"])
    assert exit_.value.code == 2 and "FIELD:STRIDE" in capsys.readouterr().err


def test_a_small_local_network_learns_mnist(mnist):
    x, y = mnist.x_train[:2000], mnist.y_train[:2000]
    ff.seed_everything(0)
    recipe = Recipe(dims=(784, 100 * 4, 400), receptive_fields=((10, 2),), schedule="simultaneous", epochs=1,
                    batch_size=50, loss="symba", symba_alpha=100.0)
    net, history = train(recipe, x, y, progress=False)
    losses = history.layer_losses[0]
    assert sum(losses[-5:]) / 5 < 0.8 * sum(losses[:5]) / 5
    assert net.error_rate(mnist.x_test[:1000], mnist.y_test[:1000]) < 0.5  # far from the 90% of guessing


def captured_and_eager(device):
    x, y = data(200)
    runs = []
    for capture in (False, True):
        ff.seed_everything(0)
        recipe = LOCAL.replace(schedule="simultaneous", epochs=2, peer_norm=0.03)
        nets, _ = train(recipe, x.to(device), y.to(device), seeds=[0, 1], capture=capture, progress=False)
        runs.append(nets)
    return runs


@pytest.mark.parametrize("device", [
    "cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"))])
def test_the_captured_step_keeps_the_zeros_and_gives_the_eager_run(device):
    """On CUDA the step is a CUDA graph replayed (off CUDA, its buffers run eagerly): the masking
    must be inside what is recorded, for several networks at once."""
    eager, captured = captured_and_eager(device)
    for a, b in zip(eager, captured):
        assert all(torch.count_nonzero(w) == 0 for w in outside_the_fields(b))
        for (name, p), q in zip(a.state_dict().items(), b.state_dict().values()):
            assert torch.allclose(p, q, rtol=1e-3, atol=1e-5), name


def test_the_backprop_network_of_the_same_shape_keeps_its_zeros_and_sees_no_label():
    from ff_tutorial.receptive import local_mlp
    x, y = data(200)
    mlp = local_mlp([784, 100 * 2, 4 * 5], [[10, 2], [6, 4]])
    before = [m.weight.detach().clone() for m in mlp.net if isinstance(m, torch.nn.Linear)]
    mlp.train_backprop(x, y, epochs=2, batch_size=50, eval_every=None, progress=False)
    first, second = network_connections([784, 200, 20], [[10, 2], [6, 4]], "none")
    assert not first[:, :10].all()  # no label pixels: backprop gets the label at its output
    w1, w2 = (m.weight for m in mlp.net if isinstance(m, torch.nn.Linear) and m.out_features != 10)
    assert torch.count_nonzero(w1[~first]) == 0 and torch.count_nonzero(w2[~second]) == 0
    assert not torch.equal(w1[first], before[0][first])  # the weights inside the fields learned
    assert mlp.config["receptive_fields"] == [[10, 2], [6, 4]]


def test_the_comparison_script_checks_every_file_before_the_first_run(tmp_path, monkeypatch, capsys):
    from experiments import receptive_fields as script

    runs = []
    monkeypatch.setattr(script, "run", lambda name, data, folder: runs.append(name))
    monkeypatch.setattr(script, "load_mnist", lambda: pytest.fail("loaded MNIST before refusing"))
    (tmp_path / "ff-dense.json").write_text("an earlier run\n")
    under_a_file = tmp_path / "ff-dense.json"  # a folder path that is a file: nothing can go there
    assert script.main(["ff-dense", "ff-local-10-2", "--folder", str(under_a_file)]) == 2
    assert "error:" in capsys.readouterr().err and runs == []
    assert script.main(["ff-dense", "--folder", str(tmp_path)]) == 0  # exists: kept, nothing run
    assert "exists, kept" in capsys.readouterr().out and runs == []
    assert (tmp_path / "ff-dense.json").read_text() == "an earlier run\n"
