"""The training engine: K networks of one shape trained at once, each layer on its own local loss.

The networks' weights are stacked into (K, ...) tensors, so one batched matrix product serves
them all, and one fused optimizer updates them. Each network's own parameters are views of its
slice of the stack: a network always holds its current weights and can be evaluated at any point.

The host never waits for the device between steps: the losses and the signs of trouble (a loss
that is not finite, a layer whose units all gave 0) stay on the device and are read at checks,
a few per epoch at most. At each check a copy of the weights is kept, so a run that diverged is
put back to the last check that was good. On a CUDA GPU the step is captured once as a CUDA
graph and replayed, so it costs one launch instead of hundreds.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import math
import os
import sys

import torch

from .goodness import relu_goodness
from .history import TrainingDiverged
from .layer import make_optimizer, normalize

PRECISIONS = ("fp32", "tf32", "bf16")


def side_by_side(nets, generator, kind) -> tuple[list, list]:
    """The networks an engine trains together and a generator for each, checked once.

    `nets` is one network of class `kind` or a list of them of one configuration, on one device (they
    differ only in their seeds); `generator` is one generator (or None) for a lone network, a list
    of one each for several. Returns both as lists.
    """
    nets_list = [nets] if isinstance(nets, kind) else list(nets)
    if not nets_list or not all(isinstance(n, kind) for n in nets_list):
        raise TypeError(f"expected a {kind.__name__} or a list of them, got {type(nets).__name__}")
    if any(n.config != nets_list[0].config or n.device != nets_list[0].device for n in nets_list):
        raise ValueError("networks trained together must have the same configuration and device "
                         "(they differ only in their seeds)")
    several = isinstance(generator, (list, tuple))
    if generator is not None and len(nets_list) > 1 and not several:
        raise ValueError("networks trained together each need a generator of their own")
    generators = list(generator) if several else [generator] * len(nets_list)
    if len(generators) != len(nets_list):
        raise ValueError(f"give one generator per network: {len(nets_list)} networks, "
                         f"{len(generators)} generators")
    return nets_list, generators


def local_step(layers, weights, biases, means, x_unit):
    """One batch through the stack: each layer's local loss and its gradient, and which
    layers died.

    x_unit is (K, 2B, width), rows of unit length: for each of K networks, B positives, then their
    B negatives. Each layer passes on its activities detached and normalized, so no gradient
    crosses a layer, and each layer's loss is differentiated at once: its activities are freed
    before the next layer runs, and training needs the memory of one layer, not of the stack.
    Returns the losses, (layers, K), and the dead flags, on the device; the optimizer steps next.
    """
    n_pos = x_unit.shape[-2] // 2
    h_unit, losses, dead = x_unit, [], []
    for layer, weight, bias, mean in zip(layers, weights, biases, means):
        z = torch.baddbmm(bias.unsqueeze(-2), h_unit, weight)  # weight: (K, in, out)
        h, g = relu_goodness(z.float())  # float32 where the product ran in bfloat16
        pos, neg = g[..., :n_pos], g[..., n_pos:]
        loss = layer.loss(pos, neg) + layer.peer_penalty(h[..., :n_pos, :], mean)
        # The networks' losses add up, but each network has only its own weights.
        loss.sum().backward()
        losses.append(loss.detach())
        dead.append(g.amax(dim=-1) == 0)  # every unit gave 0 on the whole batch
        h_unit = normalize(h.detach())
    return torch.stack(losses), torch.stack(dead)


class Engine:
    """Trains `nets` (one configuration, any number of seeds) side by side, from their current weights.

    `precision`: 'fp32'; 'tf32' (matrix products in TensorFloat-32 on a CUDA GPU); 'bf16' (matrix
    products in bfloat16; normalization, goodness, losses and the optimizer stay float32).
    `capture`: replay each step as a CUDA graph (default: on a CUDA GPU, for the all-layer step).
    """

    def __init__(self, nets, precision: str = "fp32", capture: bool | None = None):
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        self.nets, self.layers = nets, nets[0].layers  # the loss settings are the same in every net
        self.device = nets[0].device
        self.precision = precision
        self.capture = self.device.type == "cuda" if capture is None else capture
        if self.device.type == "cpu":
            keep_freed_memory()

        def stacked(get):
            return [torch.stack([get(net.layers[k]).detach() for net in nets]) for k in range(len(self.layers))]

        # Stored as (K, in, out): x @ w needs no transpose, and its gradient is made in that layout.
        self.weights = [w.mT.contiguous().requires_grad_() for w in stacked(lambda layer: layer.linear.weight)]
        self.biases = [b.requires_grad_() for b in stacked(lambda layer: layer.linear.bias)]
        self.means = stacked(lambda layer: layer.mean_activity)
        # A local layer's connections, (in, out) like the weights; one for every network (one config).
        self.connections = [None if layer.connections is None else layer.connections.T.to(w.dtype)
                            for layer, w in zip(self.layers, self.weights)]
        for k, net in enumerate(nets):
            for layer, weight, bias, mean in zip(net.layers, self.weights, self.biases, self.means):
                layer.linear.weight.data, layer.linear.bias.data = weight.data[k].T, bias.data[k]
                layer.mean_activity.data = mean[k]
        self.start()

    def start(self) -> None:
        """With the stacked weights and biases in place: their optimizer, and the record of the checks."""
        config = self.nets[0].config
        fast = {}
        if config.optimizer == "adam" and self.device.type in ("cpu", "cuda"):
            fast = dict(fused=True)  # one kernel for all the parameters instead of a loop over them
            if self.capture:  # the step count and the learning rate stay on the device
                fast.update(capturable=True)
        lr = torch.tensor(config.lr, device=self.device) if self.capture else config.lr
        decay = config.weight_decay
        self.optimizer = make_optimizer(self.weights + self.biases, config.optimizer, lr, decay, **fast)
        self.graphs = {}
        self.saved = self.snapshot()
        self.log = []
        self.dead = torch.zeros(len(self.layers), len(self.nets), dtype=torch.bool, device=self.device)

    def set_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            if isinstance(group["lr"], torch.Tensor):
                group["lr"].fill_(lr)  # in place: a captured step reads it from where it is
            else:
                group["lr"] = lr

    def precision_context(self):
        if self.precision == "bf16":
            # No cache of bfloat16 copies of the weights: a captured step must cast them anew each time.
            return torch.autocast(self.device.type, dtype=torch.bfloat16, cache_enabled=False)
        if self.precision == "tf32" and self.device.type == "cuda":
            return tf32()
        return contextlib.nullcontext()

    def eager_step(self, first: int, last: int, x, zero_grad: bool = True):
        """Layers first..last take one local step; returns their losses and dead flags, on the device.

        A captured step leaves out zero_grad: its backward overwrites the gradients it made at capture.
        """
        if zero_grad:
            self.optimizer.zero_grad(set_to_none=True)
        with self.precision_context():
            losses, dead = local_step(self.layers[first:last + 1], self.within_fields(first, last),
                                      self.biases[first:last + 1], self.means[first:last + 1], x)
        self.optimizer.step()
        return losses, dead

    def within_fields(self, first: int, last: int) -> list:
        """Layers first..last's stacked weights, each local one times its connections.

        The product is in the step, so its gradient is the weights' gradient times the connections:
        exactly 0 outside the fields, where Adam's moments and so its updates stay exactly 0 (as do
        SGD's), and the weights stay at the 0 they were drawn as. Nothing is written into the
        weights after a step, so a captured CUDA graph holds nothing more, and the (K, in, out)
        stack of K networks is masked by one (in, out) tensor, broadcast.
        """
        layers = slice(first, last + 1)
        return [w if c is None else w * c
                for w, c in zip(self.weights[layers], self.connections[layers])]

    def step(self, first: int, last: int, x) -> None:
        """One step of layers first..last on a (K, 2B, width) batch of unit-length rows, positives
        first; nothing is read back."""
        graph = self.graphs.get((first, last, x.shape))
        if graph is None and self.capture and first == 0 and last == len(self.layers) - 1:
            graph = self.graphs[first, last, x.shape] = CapturedStep(
                self, lambda x, zero_grad=True: self.eager_step(first, last, x, zero_grad), x)
        losses, dead = graph(x) if graph else self.eager_step(first, last, x)
        self.log.append((first, losses.clone() if graph else losses))
        self.dead[first:last + 1] |= dead

    def check(self, histories: list) -> None:
        """Read what the steps since the last check left on the device, in one transfer.

        Losses go into each network's History; a layer that died is warned about; a loss that is
        not finite puts every network back to the last check and raises TrainingDiverged.
        """
        if not self.log:
            return
        read = torch.cat([losses.flatten() for _, losses in self.log] + [self.dead.flatten().float()])
        values = iter(read.tolist())  # the check's one host read
        diverged = None
        for first, step_losses in self.log:
            rows, seeds = step_losses.shape
            for layer in range(first, first + rows):
                for k in range(seeds):
                    value, losses = next(values), histories[k].layer_losses[layer]
                    if diverged is None and not math.isfinite(value):
                        diverged = k, layer, len(losses), value
                    losses.append(value)
        dead = [[next(values) > 0 for _ in self.nets] for _ in self.layers]
        steps, self.log = len(self.log), []
        self.dead.zero_()
        if diverged:
            k, layer, step, value = diverged
            self.restore(self.saved)
            which = f" (network {k} of {len(histories)})" if len(histories) > 1 else ""
            raise TrainingDiverged(
                f"training diverged in layer {layer}{which} at its step {step}: loss is {value}. "
                f"The weights are those of the last check, {steps} steps before this one. Try a smaller "
                f"learning rate (now {self.nets[0].config.lr:g}).", histories[k].finish())
        for layer, seeds in enumerate(dead):
            for k, is_dead in enumerate(seeds):
                if is_dead:
                    histories[k].warn(f"layer {layer} is dead: every unit gave 0 on a whole batch; "
                                      f"lower the learning rate")
        self.saved = self.snapshot()

    def snapshot(self) -> list:
        """Copies of everything a step changes: weights, running means, the optimizer's state."""
        tensors = self.weights + self.biases + self.means
        state = [t for s in self.optimizer.state.values() for t in s.values() if isinstance(t, torch.Tensor)]
        return [t.detach().clone() for t in tensors + state]

    @torch.no_grad()
    def restore(self, saved: list) -> None:
        """Put the copies back in place (a captured step keeps pointing at the same tensors)."""
        tensors = self.weights + self.biases + self.means
        state = [t for s in self.optimizer.state.values() for t in s.values() if isinstance(t, torch.Tensor)]
        for t, copy in zip(tensors + state, saved):
            t.copy_(copy)
        for t in state[len(saved) - len(tensors):]:  # state made after the copy: as if never made
            t.zero_()

    def release(self) -> None:
        """Give each network weights of its own again, so that it saves without its neighbours'."""
        for net in self.nets:
            for layer in net.layers:
                layer.linear.weight.data = layer.linear.weight.data.contiguous()
                layer.linear.bias.data = layer.linear.bias.data.clone()
                layer.mean_activity.data = layer.mean_activity.data.clone()


@functools.cache
def keep_freed_memory() -> None:
    """Let glibc reuse freed blocks of up to 1 GiB instead of giving them back to the system.

    Each step frees and makes again gradients and activities of a few MB; by default glibc maps
    such blocks fresh from the system every time, and touching new pages costs about a third of
    a CPU step at the book's batch size. (The memory stays with the process until it ends.)
    Settings given in the environment (MALLOC_MMAP_THRESHOLD_, as the memory measurements of
    chapter 10 give it) are left as they are.
    """
    if sys.platform.startswith("linux") and "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        try:
            libc = ctypes.CDLL("libc.so.6")
            libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD: blocks below it come from the heap
            libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD: keep up to this much free at the heap's top
        except (OSError, AttributeError):  # another C library: leave it as it is
            pass


def flush_denormals() -> bool:
    """From now on, this thread and the threads it starts take float32 numbers below the normal
    range (under 1.2e-38) as 0 on the CPU. Returns whether the CPU can.

    The symmetric loss with alpha 100 gives a pair it separates well a gradient like e^-100, below
    that range, and Adam's first moments carry such gradients: after two epochs of the local
    `accurate` network, half of the moments of its upper layers were such numbers. A CPU takes a
    slow path (a microcode assist, about a hundred cycles) for each operation on one; steps from
    those moments took twice as long on a 2-core Xeon (experiments/denormals.py). Taken as 0, they
    change no weight: next to a weight, float32 cannot hold a change so small (tests/test_engine.py
    trains with and without). A thread keeps the mode it had when it started, so ff_tutorial sets
    it when imported, before torch starts its worker threads; a thread started earlier (a session
    that ran torch before importing ff_tutorial) keeps computing with such numbers, only slower.
    """
    return torch.set_flush_denormal(True)


@contextlib.contextmanager
def tf32():
    previous = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = True
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = previous


class CapturedStep:
    """One training step recorded once as a CUDA graph and replayed with new data.

    `eager_step(*inputs, zero_grad=True)` takes the step and returns what it reports, on the
    device. The graph reads its inputs from fixed buffers, so each step copies its batch in and
    replays. Recording needs a few warm-up steps first; they are undone, so the run is the eager
    one. Off CUDA (in tests) the same buffers are used but the step runs eagerly.
    """

    def __init__(self, engine: Engine, eager_step, *inputs, warmup: int = 3):
        self.engine, self.eager_step = engine, eager_step
        self.inputs = [t.clone() for t in inputs]
        before = engine.snapshot()
        cuda = engine.device.type == "cuda"
        side = torch.cuda.Stream() if cuda else None
        if cuda:
            side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side) if cuda else contextlib.nullcontext():
            for _ in range(warmup):
                eager_step(*self.inputs)
        if cuda:
            torch.cuda.current_stream().wait_stream(side)
        engine.restore(before)
        self.graph = None
        if cuda:
            self.graph = torch.cuda.CUDAGraph()
            engine.optimizer.zero_grad(set_to_none=True)
            with torch.cuda.graph(self.graph):
                self.outputs = eager_step(*self.inputs, zero_grad=False)

    def __call__(self, *inputs):
        for buffer, t in zip(self.inputs, inputs):
            buffer.copy_(t)
        if self.graph is None:
            return self.eager_step(*self.inputs)
        self.graph.replay()
        return self.outputs
