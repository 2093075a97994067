"""Peak memory of one piece of work: extra bytes it needed at its worst, over what was there before.

On a GPU, torch's allocator counts every byte it hands out, so its own statistics are exact.
On a CPU there is no such counter; the operating system's peak resident set size (RSS) is the
honest measure, and it is only meaningful in a process that has done nothing bigger before. The
work therefore runs in a fresh process, and we subtract the RSS it had just before the work
began, after its imports and its data. `in_fresh_process` starts such a process (the benchmarks'
worker too).
"""

from __future__ import annotations

import gc
import json
import os
import resource
import subprocess
import sys

import torch


def _status_kib(field: str) -> int | None:
    """A field of /proc/self/status in KiB (Linux), or None where there is no such file."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _max_rss_bytes() -> int:
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _reset_peak_rss() -> bool:
    """Set the process's peak RSS back to its current RSS (Linux 4.0+); False where not possible.

    Even in a fresh process the imports and the loading of the data can leave a peak above what
    the work itself reaches; resetting it makes the measured peak the work's own.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class PeakMemory:
    """`with PeakMemory(device) as peak: work()`; then `peak.bytes`, `peak.method`."""

    def __init__(self, device: torch.device):
        self.device = device
        self.bytes = None
        self.method = None

    def __enter__(self):
        gc.collect()
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._before = torch.cuda.memory_allocated(self.device)
            self.method = "torch.cuda.max_memory_allocated minus allocated before"
        else:
            rss_kib = _status_kib("VmRSS")
            self._before = rss_kib * 1024 if rss_kib is not None else _max_rss_bytes()
            self._reset = _reset_peak_rss()
            self.method = ("peak RSS (VmHWM, reset just before) minus RSS before"
                           if self._reset
                           else "peak RSS of the process (ru_maxrss) minus RSS before")
        return self

    def __exit__(self, *exc):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            peak = torch.cuda.max_memory_allocated(self.device)
        else:
            hwm_kib = _status_kib("VmHWM") if self._reset else None
            peak = hwm_kib * 1024 if hwm_kib is not None else _max_rss_bytes()
        self.bytes = max(0, peak - self._before)
        return False


# ----- chapter 10: the memory one training step needs, FF against backprop -----

def training_step_peak(method: str, dims, batch_size: int, steps: int = 3,
                       device="cpu") -> dict:
    """Peak extra memory of `steps` training steps on one batch: 'ff' or 'backprop'.

    The model, its optimizer and the batch exist before the measurement starts, so what is
    measured is what the steps themselves need: activations kept for the backward pass,
    gradients, the optimizer's state (created by the first step), and temporaries. Call it
    in a fresh process on a CPU (see `peak_in_fresh_process`).
    """
    from .backprop import MLP
    from .engine import Engine
    from .layer import normalize
    from .network import FFNetwork
    from .runtime import pick_device

    device = pick_device(device)
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(batch_size, dims[0], generator=generator).to(device)
    y = torch.randint(0, 10, (batch_size,), generator=generator).to(device)
    if method == "ff":
        net = FFNetwork(list(dims), loss="symba", device=device)
        engine = Engine([net], capture=False)
        both = normalize(torch.cat([net.embed(x, y), net.embed(x, (y + 1) % 10)]))
    elif method == "backprop":
        net = MLP(list(dims), device=device)
    else:
        raise ValueError(f"method must be 'ff' or 'backprop', got {method!r}")

    def step():
        if method == "ff":
            # What train_simultaneous does with one batch: each layer a local step.
            engine.step(0, len(net.layers) - 1, both.unsqueeze(0))
        else:
            loss = torch.nn.functional.cross_entropy(net(x), y)
            net.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            net.optimizer.step()

    with PeakMemory(device) as peak:
        for _ in range(steps):
            step()
    return dict(method=method, dims=list(dims), batch_size=batch_size,
                peak_bytes=peak.bytes, memory_method=peak.method, device=str(device))


def in_fresh_process(module: str, *args: str, marker: str = "", cwd=None, env=None, what="the measuring process"):
    """Run `python -m MODULE ARGS` in a new Python process and return the JSON it printed last (on the
    last line of its output that starts with `marker`). A process that fails, or prints no such line,
    raises RuntimeError with the end of its error output, introduced by `what`.

    Every measurement here and in the benchmarks that needs a process of its own starts it this way.
    """
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith(marker)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{what} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len(marker):])


def peak_in_fresh_process(method: str, dims, batch_size: int, device="cpu") -> dict:
    """`training_step_peak` in a new Python process, whose peak memory is the steps' alone.

    A process that has already trained something keeps some freed memory, which would hide part
    of the next measurement; a fresh one has nothing bigger behind it than its imports.
    """
    # glibc keeps freed blocks of up to 32 MiB for reuse once it has seen one freed, so the RSS
    # would stay up after a temporary is gone; a fixed threshold returns every large block at once.
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072")
    return in_fresh_process("ff_tutorial.memory", method, ",".join(map(str, dims)), str(batch_size), str(device),
                            env=env)


if __name__ == "__main__":  # python -m ff_tutorial.memory ff 784,1000,1000 10000 cpu
    torch.set_num_threads(min(2, torch.get_num_threads()))  # the peak, not the speed, is measured
    method, dims, batch_size, device = sys.argv[1:5]
    print(json.dumps(training_step_peak(method, [int(d) for d in dims.split(",")], int(batch_size),
                                        device=device)))
