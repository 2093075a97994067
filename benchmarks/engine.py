"""The training engine: what each of its choices buys on this device, and how close it comes to the limit.

- Runs of the `fast` preset's recipe, all on the same images from the same seeds: the step taken
  eagerly or replayed as a captured CUDA graph (CUDA only); one network, or K seeds at once
  (K networks for the price of how many?); float32, TF32 (CUDA only) and bfloat16 matrix
  products (on a CPU too: one with bfloat16 arithmetic, AMX or AVX512-BF16, may gain, one
  without emulates it and loses; the row says which this one is), each with the error it gives
  on the validation split (`data` is `MNIST.validation_split()`: the test set is kept for the
  recipes' final runs).
- The `accurate` preset's step (3x1000 units, 50 positives and 50 negatives): its time, the
  matrix-product FLOPs it needs, and their share of this machine's peak for products of the
  same shapes, measured here as in the `flops` section.
"""

from __future__ import annotations

import torch

from ff_tutorial import recipes, seed_everything
from ff_tutorial.engine import Engine
from ff_tutorial.layer import normalize
from ff_tutorial.recipes import PRESETS

from .flops import product_seconds
from .machine import sync, timed


def one_run(data, device, images, epochs, seeds, precision, capture, dims=None) -> dict:
    p = PRESETS["fast"]
    recipe = p.replace(epochs=epochs, readout_epochs=0, precision=precision, dims=tuple(dims or p.dims))
    x, y = data.x_train[:images].to(device), data.y_train[:images].to(device)
    (nets, _), seconds = timed(lambda: recipes.train(recipe, x, y, seeds=list(range(seeds)), capture=capture,
                                                     progress=False), device)
    # data.x_test is the validation split's held-out part (see `run`), never the test set.
    errors = torch.tensor([net.error_rate(data.x_test.to(device), data.y_test.to(device)) for net in nets])
    return dict(precision=precision, seeds=seeds, captured=bool(capture), images=len(x), epochs=epochs,
                seconds=seconds, seconds_per_network=seconds / seeds, validation_error=errors.mean().item(),
                validation_error_std=errors.std().item() if seeds > 1 else 0.0)


def step_share(device, dims, batch_size: int, steps: int, repeats: int, capture: bool,
               precision: str = "fp32") -> dict:
    """Seconds per training step of a network of widths `dims`, against the float32 peak for its products."""
    seed_everything(0)
    net = PRESETS["accurate"].build(device, dims)
    engine = Engine([net], precision=precision, capture=capture)
    batch = normalize(torch.randn(1, 2 * batch_size, dims[0], device=device))
    last = len(dims) - 2
    for _ in range(3):  # warm-up (and the capture, where there is one)
        engine.step(0, last, batch)
    sync(device)

    def steps_run():
        for _ in range(steps):
            engine.step(0, last, batch)
        engine.log.clear()  # nothing read back: this times the steps alone

    seconds = min(timed(steps_run, device)[1] for _ in range(repeats)) / steps
    # Each layer's two products at this batch: forward and weight gradient (no input gradient).
    limit = sum(f + g for f, g in (product_seconds(batch_size, i, o, device, repeats)
                                   for i, o in zip(dims[:-1], dims[1:])))
    flops = sum(2 * 2 * (2 * batch_size) * i * o for i, o in zip(dims[:-1], dims[1:]))
    return dict(dims=list(dims), batch_size=batch_size, captured=bool(capture), precision=precision,
                step_seconds=seconds,
                flops_per_step=flops, flops_per_second=flops / seconds, peak_flops_per_second=flops / limit,
                share_of_peak=limit / seconds)


def run(data, device, images=None, epochs=1, many_seeds=None, step_steps=200, repeats=3, dims=None,
        log=print) -> dict:
    cuda = device.type == "cuda"
    images = images or PRESETS["fast"].train_size
    many_seeds = many_seeds or (8 if cuda else 5)
    one_run(data, device, min(images, 1000), 1, 1, "fp32", False, dims)  # imports, kernels, allocations
    plan = [("fp32", 1, False), ("bf16", 1, False), ("fp32", many_seeds, False), ("bf16", many_seeds, False)]
    if cuda:
        plan = [("fp32", 1, False), ("fp32", 1, True), ("tf32", 1, True), ("bf16", 1, True),
                ("fp32", many_seeds, True), ("bf16", many_seeds, True)]
    rows = []
    for precision, seeds, capture in plan:
        rows.append(one_run(data, device, images, epochs, seeds, precision, capture, dims))
        r = rows[-1]
        log(f"  {precision}, {seeds} seed(s), {'captured' if capture else 'eager'}: {r['seconds']:.2f} s, "
            f"validation error {r['validation_error']:.4f}")
    base = rows[0]["seconds_per_network"]
    for r in rows:
        r["speed_per_network"] = base / r["seconds_per_network"]
    accurate = tuple(dims or PRESETS["accurate"].dims)
    steps = [step_share(device, accurate, PRESETS["accurate"].batch_size, step_steps, repeats, capture, precision)
             for capture, precision in ([(False, "fp32"), (True, "fp32")] if cuda else
                                        [(False, "fp32"), (False, "bf16")])]
    for s in steps:
        log(f"  accurate step ({s['precision']}, {'captured' if s['captured'] else 'eager'}): "
            f"{1e3 * s['step_seconds']:.2f} ms, {100 * s['share_of_peak']:.0f}% of the float32 products' peak")
    return dict(preset="fast", many_seeds=many_seeds, rows=rows, steps=steps)
