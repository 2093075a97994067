"""On a CUDA device only: faster arithmetic and fewer steps, and what they do to the error.

- Precision: strict float32 (TF32 off), TF32 matrix products (10-bit mantissa inputs, float32
  sums), and bfloat16 matrix products for training (normalization, goodness, losses, weights
  and the optimizer stay float32): the engine's `precision` setting. The error of each on the
  validation split (`data` is `MNIST.validation_split()`) is compared with strict float32's at
  the same batch size.
- Batch size: on a GPU a mini-batch of 100 leaves most of the card idle, and the time goes into
  launching small kernels; larger batches cut the number of steps per epoch.

Everything else is the fast preset's. Errors after a few epochs at a large batch are higher
than at 100 because the network took fewer steps; the table shows the trade.
"""

from __future__ import annotations

from ff_tutorial import seed_everything
from ff_tutorial.recipes import PRESETS

from . import presets
from .machine import timed

PRESET = "fast"
PRECISIONS = ("fp32", "tf32", "bf16")  # the engine's (ff_tutorial.PRECISIONS)
# A precision "keeps accuracy" if its validation error is at most this much above strict float32's
# at the same batch size (0.2 percentage points: well under the gaps between our presets).
TOLERANCE = 0.002


def one_run(data, device, name, batch_size, epochs, images, width):
    p = PRESETS[PRESET]
    x, y = data.x_train[:images].to(device), data.y_train[:images].to(device)
    generator = seed_everything(p.seed)  # the same data order in every variant: only the numerics differ
    net = presets.build(PRESET, presets.dims_of(PRESET, width), device)
    _, seconds = timed(lambda: presets.train(net, PRESET, x, y, epochs, generator, batch_size=batch_size,
                                             precision=name), device)
    # Evaluated in float32: what we ask is whether training in lower precision keeps the accuracy.
    # data.x_test is the validation split's held-out part, never the test set.
    error = net.error_rate(data.x_test.to(device), data.y_test.to(device))
    return dict(precision=name, batch_size=batch_size, images=len(x), epochs=epochs, seconds=seconds,
                seconds_per_epoch=seconds / epochs, validation_error=error)


def run(data, device, batch_sizes, epochs=None, images=None, width=None, log=print) -> dict:
    p = PRESETS[PRESET]
    epochs, images = epochs or p.epochs, images or p.train_size
    one_run(data, device, "fp32", batch_sizes[0], 1, 1000, width)  # CUDA context, cuBLAS handles, kernels
    rows = []
    for batch_size in batch_sizes:
        for name in PRECISIONS:
            rows.append(one_run(data, device, name, batch_size, epochs, images, width))
            log(f"  batch {batch_size}, {name}: {rows[-1]['seconds_per_epoch']:.3f} s/epoch, "
                f"validation error {rows[-1]['validation_error']:.4f}")
    for row in rows:
        strict = next(r for r in rows if r["batch_size"] == row["batch_size"] and r["precision"] == "fp32")
        row["error_minus_fp32"] = row["validation_error"] - strict["validation_error"]
        row["keeps_accuracy"] = row["error_minus_fp32"] <= TOLERANCE
        row["speed_over_preset_fp32"] = rows[0]["seconds_per_epoch"] / row["seconds_per_epoch"]
    return dict(preset=PRESET, description=presets.describe(PRESET), tolerance=TOLERANCE, rows=rows)
