"""Our presets (ff_tutorial.recipes.PRESETS) as the benchmarks build and train them.

The settings are read from the package, never copied, so the benchmarks time what
`python -m ff_tutorial train --preset ...` runs.
"""

from __future__ import annotations

from ff_tutorial import FFNetwork, recipes
from ff_tutorial.recipes import PRESETS


def dims_of(name: str, width: int | None = None, depth: int | None = None) -> list:
    """The preset's layer widths, or its input with `depth` layers of `width` units."""
    dims = list(PRESETS[name].dims)
    width = width or dims[1]
    depth = depth or len(dims) - 1
    return [dims[0]] + [width] * depth


def build(name: str, dims=None, device="cpu", cls=FFNetwork) -> FFNetwork:
    """A fresh network with the preset's settings (`cls`: FFNetwork or a subclass of it)."""
    return PRESETS[name].build(device, dims, cls=cls)


def train(net: FFNetwork, name: str, x, y, epochs: int, generator=None, x_eval=None, y_eval=None,
          eval_every=None, **changes):
    """Train as `python -m ff_tutorial train --preset NAME` does (`recipes.train`), for `epochs`
    epochs, with no read-out and any other recipe `changes`; returns the History."""
    recipe = PRESETS[name].replace(epochs=epochs, readout_epochs=0, **changes)
    return recipes.train(recipe, x, y, net=net, x_eval=x_eval, y_eval=y_eval, eval_every=eval_every,
                         generator=generator, progress=False)[1]


def describe(name: str) -> str:
    p = PRESETS[name]
    batch = "full batch" if not p.batch_size else f"batches of {p.batch_size}"
    return f"{name} preset: {p.schedule}, {batch}, {p.embedding} label, {p.negatives} negatives"
