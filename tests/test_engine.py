"""The engine: what it reads back from the device, several seeds at once, and the captured step."""

import subprocess
import sys

import pytest
import torch
from torch.overrides import TorchFunctionMode

import ff_tutorial as ff
from ff_tutorial import FFNetwork, train_simultaneous, train_unsupervised
from ff_tutorial.engine import Engine
from ff_tutorial.recipes import Recipe, train
from ff_tutorial.schedules import Run, simultaneous

from conftest import ROOT

# Every way a tensor's value reaches Python: each one makes the host wait for the device.
HOST_READS = {"item", "tolist", "__bool__", "__float__", "__int__", "__index__", "numpy", "cpu"}


class CountHostReads(TorchFunctionMode):
    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in HOST_READS:
            self.count += 1
        return func(*args, **(kwargs or {}))


def data(n=400, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 784, generator=g), torch.randint(0, 10, (n,), generator=g)


def host_reads(batch_size, epochs=2, **kwargs):
    torch.manual_seed(0)
    net = FFNetwork([784, 30, 30], loss="symba")
    x, y = data()
    with CountHostReads() as counter:
        history = train_simultaneous(net, x, y, epochs=epochs, batch_size=batch_size, progress=False,
                                     generator=torch.Generator().manual_seed(0), **kwargs)
    return counter.count, sum(len(losses) for losses in history.layer_losses)


def test_host_reads_do_not_grow_with_the_number_of_steps():
    reads_few, losses_few = host_reads(batch_size=100)  # 4 steps an epoch
    reads_many, losses_many = host_reads(batch_size=10)  # 40 steps an epoch
    assert losses_many == 10 * losses_few  # every step's loss is still recorded...
    assert reads_many == reads_few  # ...with no more reads back from the device
    one_epoch, _ = host_reads(batch_size=100, epochs=1)
    four_epochs, _ = host_reads(batch_size=100, epochs=4)
    assert four_epochs - reads_few == 2 * (reads_few - one_epoch)  # a fixed number per epoch


def test_more_checks_per_epoch_read_more_often_and_record_the_same_losses():
    once, _ = host_reads(batch_size=10)
    four_times, _ = host_reads(batch_size=10, checks_per_epoch=4)
    assert four_times == once + 2 * 3  # 2 epochs, 3 more checks each, one read per check


def test_the_counter_sees_the_reads_the_old_step_made():
    """The control: a step that calls .item() on its loss is counted once per step."""
    x = torch.randn(10, 4)
    with CountHostReads() as counter:
        for _ in range(7):
            x.sum().item()
    assert counter.count == 7


@pytest.mark.parametrize("schedule", ["simultaneous", "greedy", "unsupervised"])
def test_several_seeds_at_once_are_each_the_network_that_seed_trains_alone(schedule):
    x, y = data(300)
    unsupervised = schedule == "unsupervised"
    recipe = Recipe(dims=(784, 24, 16), schedule="greedy" if schedule == "greedy" else "simultaneous",
                    epochs=2, batch_size=50, loss="symba", symba_alpha=10.0, cooldown=True,
                    negatives="hybrid" if unsupervised else "wrong", embedding="none" if unsupervised else "overlay",
                    jitter=0 if schedule == "greedy" else 1, readout_epochs=2)
    together, histories = train(recipe, x, y, seeds=[3, 0, 5], progress=False)
    for seed, net, history in zip([3, 0, 5], together, histories):
        alone, alone_history = train(recipe.replace(seed=seed), x, y, generator=ff.seed_everything(seed),
                                     net=(ff.seed_everything(seed), recipe.build())[1], progress=False)
        for (name, a), b in zip(net.state_dict().items(), alone.state_dict().values()):
            assert torch.allclose(a, b, rtol=1e-4, atol=1e-5), (seed, name)
        for losses, alone_losses in zip(history.layer_losses, alone_history.layer_losses):
            assert losses == pytest.approx(alone_losses, rel=1e-4)
    assert not torch.equal(together[0].layers[0].linear.weight, together[1].layers[0].linear.weight)


def test_weight_decay_reaches_the_engine_and_keeps_the_weights_smaller():
    x, y = data(300)
    recipe = Recipe(dims=(784, 24, 16), schedule="simultaneous", epochs=2, batch_size=50, loss="symba",
                    symba_alpha=10.0)
    (plain,), _ = train(recipe, x, y, seeds=[0], progress=False)
    (decayed,), _ = train(recipe.replace(weight_decay=5.0), x, y, seeds=[0], progress=False)
    assert decayed.config.weight_decay == 5.0
    # 12 steps each shrinking every weight by lr * 5 = 15% (0.85 ** 12 is 0.14), against Adam's steps
    for a, b in zip(decayed.layers, plain.layers):
        assert a.linear.weight.norm() < 0.5 * b.linear.weight.norm()


def test_networks_trained_together_save_only_their_own_weights(tmp_path):
    x, y = data(100)
    nets, _ = train(Recipe(dims=(784, 20), schedule="simultaneous", epochs=1, batch_size=50), x, y,
                    seeds=[0, 1], progress=False)
    for net in nets:
        weight = net.layers[0].linear.weight
        assert weight.is_contiguous() and weight.untyped_storage().nbytes() == weight.numel() * 4
    ff.save(nets[1], tmp_path / "one.pt")
    assert torch.equal(ff.load(tmp_path / "one.pt").layers[0].linear.weight, nets[1].layers[0].linear.weight)


def captured_and_eager(x, y):
    runs = []
    for capture in (False, True):
        torch.manual_seed(0)
        net = FFNetwork([784, 20, 20], loss="symba", peer_norm=0.03)
        history = train_simultaneous(net, x, y, epochs=2, batch_size=50, capture=capture, progress=False,
                                     generator=torch.Generator().manual_seed(0))
        runs.append((net.layers.state_dict(), sum(history.layer_losses, [])))
    return runs


def test_the_captured_step_gives_the_eager_run(monkeypatch):
    """Off CUDA the captured step runs eagerly through its fixed buffers, after warm-up steps that
    it must undo (weights, running means and the optimizer's state). The optimizer keeps its step
    count on the device there, so the two agree to float rounding, not bit for bit."""
    x, y = data(200)
    (eager, eager_losses), (captured, captured_losses) = captured_and_eager(x, y)
    assert all(torch.allclose(eager[k], captured[k], rtol=1e-4, atol=1e-5) for k in eager)
    assert captured_losses == pytest.approx(eager_losses, rel=1e-5)
    # The control: warm-up steps left in place make another run, far beyond rounding.
    monkeypatch.setattr(Engine, "restore", lambda engine, saved: None)
    (eager, _), (captured, _) = captured_and_eager(x, y)
    assert not torch.allclose(eager["0.linear.weight"], captured["0.linear.weight"], rtol=1e-2, atol=1e-3)


def test_unsupervised_seeds_need_a_generator_each():
    x, _ = data(100)
    nets = [FFNetwork([784, 10], embedding="none") for _ in range(2)]
    with pytest.raises(ValueError, match="generator of their own"):
        train_unsupervised(nets, x, epochs=1, generator=torch.Generator(), progress=False)
    with pytest.raises(ValueError, match="same configuration"):
        train_unsupervised([nets[0], FFNetwork([784, 11], embedding="none")], x, epochs=1,
                           generator=[None, None], progress=False)


@pytest.mark.parametrize("precision", ["bf16", "tf32"])
def test_lower_precision_learns_and_keeps_float32_weights(precision):
    x, y = data(200)
    torch.manual_seed(0)
    net = FFNetwork([784, 30], loss="symba", symba_alpha=10.0)
    history = train_simultaneous(net, x, y, epochs=3, batch_size=50, precision=precision, progress=False,
                                 generator=torch.Generator().manual_seed(0))
    losses = history.layer_losses[0]
    assert sum(losses[-4:]) < sum(losses[:4])
    assert net.layers[0].linear.weight.dtype == torch.float32


def test_an_unknown_precision_is_refused():
    x, y = data(50)
    with pytest.raises(ValueError, match="precision must be one of"):
        train_simultaneous(FFNetwork([784, 10]), x, y, epochs=1, precision="fp8", progress=False)


cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@cuda
def test_on_the_gpu_the_captured_step_gives_the_eager_run():
    x, y = data(400)
    x, y = x.cuda(), y.cuda()
    runs = []
    for capture in (False, True):
        torch.manual_seed(0)
        net = FFNetwork([784, 64, 64], loss="symba", peer_norm=0.03, device="cuda")
        history = train_simultaneous(net, x, y, epochs=3, batch_size=50, capture=capture, progress=False,
                                     generator=torch.Generator().manual_seed(0))
        runs.append((net.layers.state_dict(), sum(history.layer_losses, [])))
    (eager, eager_losses), (captured, captured_losses) = runs
    assert all(torch.allclose(eager[k], captured[k], rtol=1e-3, atol=1e-5) for k in eager)
    assert captured_losses == pytest.approx(eager_losses, rel=1e-4)


@cuda
def test_on_the_gpu_several_seeds_at_once_are_each_the_network_of_that_seed():
    x, y = data(400)
    x, y = x.cuda(), y.cuda()
    recipe = Recipe(dims=(784, 64, 64), schedule="simultaneous", epochs=2, batch_size=50, loss="symba")
    together, _ = train(recipe, x, y, seeds=[0, 1], progress=False)
    for seed, net in zip([0, 1], together):
        alone, _ = train(recipe, x, y, generator=ff.seed_everything(seed),
                         net=(ff.seed_everything(seed), recipe.build("cuda"))[1], progress=False)
        for a, b in zip(net.layers.state_dict().values(), alone.layers.state_dict().values()):
            assert torch.allclose(a, b, rtol=1e-3, atol=1e-4)


# ----- numbers below float32's normal range -----


def test_importing_ff_tutorial_flushes_denormals_on_every_thread():
    # 1e-39 times 1 is 1e-39 by IEEE arithmetic; 0 where denormals are flushed. A fresh interpreter,
    # with two threads, each multiplying half of the tensor: a thread keeps the mode it started with.
    if not torch.set_flush_denormal(True):
        pytest.skip("this CPU cannot flush denormal numbers")
    code = ("import ff_tutorial, torch; torch.set_num_threads(2); "
            "print(bool(torch.full((1 << 22,), 1e-39).mul(1.0).eq(0).all()))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "True", done.stderr


def test_flushing_denormals_changes_no_weight():
    # Where long training leaves Adam's first moments: a weight whose input has not fired for some
    # hundred steps has a moment decayed by 0.9 a step down to the smallest denormal numbers, and
    # stuck there (0.9 times a few units of the last place rounds back to them). Half the moments
    # start so here, on the trained `scaled` network.
    data = ff.load_mnist()
    x, y = data.x_train[:1000], data.y_train[:1000]
    tiny = torch.finfo(torch.float32).tiny

    def trained_on(flush: bool):
        torch.set_flush_denormal(flush)  # the tests compute on this one thread (conftest)
        try:
            net = ff.load(ROOT / "models" / "scaled.pt")
            run = Run(net, ff.seed_everything(0), x, y, None, None, 1, 50, False, None, "fp32", None, 1, False)
            for w in run.engine.weights + run.engine.biases:
                stuck = torch.rand(w.shape, generator=torch.Generator().manual_seed(0)) < 0.5
                run.engine.optimizer.state[w] = {"step": torch.tensor(1000.0),
                                                 "exp_avg": stuck * 3 * 2.0 ** -149,
                                                 "exp_avg_sq": torch.full_like(w, 1e-10)}
            run(lambda: simultaneous(run, "wrong", 1, 0.0, 50))
            moments = [state["exp_avg"] for state in run.engine.optimizer.state.values()]
            # counted before flushing is on again: flushed, a denormal number compares equal to 0
            return net, sum(int(((m != 0) & (m.abs() < tiny)).sum()) for m in moments)
        finally:
            torch.set_flush_denormal(True)

    (kept, denormals_kept), (flushed, denormals_flushed) = trained_on(False), trained_on(True)
    assert denormals_kept > 100_000 and denormals_flushed == 0
    assert all(torch.equal(a, b) for a, b in zip(kept.state_dict().values(), flushed.state_dict().values()))
