"""Checkpoints: a faithful round trip, atomic writes, and clear refusals of anything else."""

import builtins
import pickle

import pytest
import torch

import ff_tutorial.checkpoint as checkpoint
from ff_tutorial import train_simultaneous, train_readout
from ff_tutorial import CheckpointError, FFNetwork, load, save


@pytest.fixture
def trained():
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    x, y = torch.randn(200, 784, generator=g), torch.randint(0, 10, (200,), generator=g)
    net = FFNetwork([784, 20, 15], threshold=1.5, score_from=1)
    train_simultaneous(net, x, y, epochs=2, batch_size=50, eval_every=None, progress=False)
    train_readout(net, x, y, epochs=2, batch_size=50, progress=False)
    return net, x


def test_save_and_load_give_identical_predictions(trained, tmp_path):
    net, x = trained
    path = save(net, tmp_path / "sub" / "net.pt")  # makes the folder too
    loaded = load(path)
    assert loaded.config == net.config
    assert torch.equal(loaded.goodness_per_label(x), net.goodness_per_label(x))
    assert torch.equal(loaded.predict(x), net.predict(x))
    assert bool(loaded.head_trained)
    assert torch.equal(loaded.predict_one_pass(x), net.predict_one_pass(x))
    assert torch.equal(loaded.label_value, net.label_value)
    assert sorted(p.name for p in path.parent.iterdir()) == ["net.pt"]  # no temporary file left


def test_16_bit_weights_halve_the_file_and_keep_the_trained_network_s_fingerprint(trained, tmp_path):
    """Stored in 16 bits, the weights are the trained ones rounded (to within half a 16-bit step),
    the file is about half the size, and the ledger knows the loaded network as the trained one,
    until it is trained further."""
    from ff_tutorial.ledger import fingerprint
    net, x = trained
    full, half = save(net, tmp_path / "full.pt"), save(net, tmp_path / "half.pt", stored_as="float16")
    assert 0.45 < half.stat().st_size / full.stat().st_size < 0.55
    loaded = load(half)
    for name, weight in net.state_dict().items():
        back = loaded.state_dict()[name]
        assert back.dtype == weight.dtype
        if weight.is_floating_point():
            torch.testing.assert_close(back, weight.half().float(), rtol=0, atol=0)  # exactly the rounding
    assert fingerprint(load(full)) == fingerprint(net)  # 32 bits: the same weights, bit for bit
    assert fingerprint(loaded) == fingerprint(net)  # 16 bits: rounded, and known as the same network
    assert fingerprint(load(save(loaded, tmp_path / "again.pt", stored_as="float16"))) == fingerprint(net)
    train_simultaneous(loaded, x, torch.zeros(len(x), dtype=torch.long), epochs=1, batch_size=50,
                       eval_every=None, progress=False)
    assert fingerprint(loaded) != fingerprint(net)  # trained further, a network of its own


def test_weights_too_large_for_16_bits_are_refused_and_nothing_is_written(trained, tmp_path):
    net, _ = trained
    with torch.no_grad():
        net.layers[0].linear.weight[0, 0] = 1e5
    with pytest.raises(ValueError, match="too large for 16 bits"):
        save(net, tmp_path / "net.pt", stored_as="float16")
    with pytest.raises(ValueError, match="stored_as must be one of"):
        save(net, tmp_path / "net.pt", stored_as="int8")
    assert list(tmp_path.iterdir()) == []


def test_a_crash_mid_write_leaves_the_previous_file_intact(trained, tmp_path, monkeypatch):
    net, x = trained
    path = save(net, tmp_path / "net.pt")
    expected = net.goodness_per_label(x)
    other = FFNetwork([784, 20, 15])

    def crash(obj, f):
        f.write(b"PK\x03\x04 half a checkpoint")  # some bytes, then the disk fills up
        raise OSError("No space left on device")

    monkeypatch.setattr(checkpoint.torch, "save", crash)
    with pytest.raises(OSError, match="No space"):
        save(other, path)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.pt"]
    assert torch.equal(load(path).goodness_per_label(x), expected)


def test_a_crash_on_the_first_write_leaves_no_file(trained, tmp_path, monkeypatch):
    net, _ = trained

    def crash(obj, f):
        f.write(b"PK\x03\x04")
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint.torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save(net, tmp_path / "net.pt")
    assert list(tmp_path.iterdir()) == []


def rewrite(path, change):
    state = torch.load(path, weights_only=True)
    change(state)
    torch.save(state, path)


def test_a_newer_format_version_is_refused_and_named(trained, tmp_path):
    path = save(trained[0], tmp_path / "net.pt")
    rewrite(path, lambda s: s.update(version=99))
    with pytest.raises(CheckpointError, match="version 99"):
        load(path)


def test_weights_for_other_dims_are_refused(trained, tmp_path):
    path = save(trained[0], tmp_path / "net.pt")
    rewrite(path, lambda s: s["config"].update(dims=[784, 30, 15]))
    with pytest.raises(CheckpointError, match=r"784, 30, 15"):
        load(path)


@pytest.mark.parametrize("change", [
    lambda s: s["config"].update(dims=[783, 20, 15]),  # a configuration no network can have
    lambda s: s.pop("config"),
    lambda s: s["config"].update(colour="blue"),
    lambda s: s.pop("state_dict"),
])
def test_a_damaged_configuration_is_a_checkpoint_error(trained, tmp_path, change):
    path = save(trained[0], tmp_path / "net.pt")
    rewrite(path, change)
    with pytest.raises(CheckpointError):
        load(path)


def test_files_that_are_not_checkpoints_are_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("not a checkpoint")
    (tmp_path / "random.pt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "empty.pt").write_bytes(b"")
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")  # a real torch file, not ours
    torch.save([1, 2, 3], tmp_path / "list.pt")
    for name in ["notes.txt", "random.pt", "empty.pt", "other.pt", "list.pt", "missing.pt"]:
        with pytest.raises(CheckpointError, match=name):
            load(tmp_path / name)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load(tmp_path)  # a folder


class Exploit:
    """Unpickling this calls open(marker, 'w'): a file appears if the pickle is ever executed."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return builtins.open, (self.marker, "w")


@pytest.mark.parametrize("writer", ["torch.save", "pickle.dump"])
def test_a_pickle_crafted_to_run_code_is_not_run(tmp_path, writer):
    marker = tmp_path / "pwned"
    payload = {"format": "ff_tutorial.FFNetwork", "version": 1, "config": Exploit(marker),
               "state_dict": {}}
    path = tmp_path / "evil.pt"
    if writer == "torch.save":
        torch.save(payload, path)
    else:
        with open(path, "wb") as f:
            pickle.dump(payload, f, protocol=2)
    # the control: an ordinary unpickler does run it
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(Exploit(control))).close()
    assert control.exists()

    with pytest.raises(CheckpointError, match="safely"):
        load(path)
    assert not marker.exists()
