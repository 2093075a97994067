"""Our presets (ff_tutorial.recipes.PRESETS) as the benchmarks build and train them.

The settings are read from the package, never copied, so the benchmarks time what
`python -m ff_tutorial train --preset ...` runs.
"""

from __future__ import annotations

from ff_tutorial import FFNetwork
from ff_tutorial import train_greedy, train_simultaneous
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


def train(net: FFNetwork, name: str, x, y, epochs: int, generator=None, batch_size=None, **kwargs):
    """Train as the preset does (its schedule, batch size, negatives); returns the History."""
    p = PRESETS[name]
    kwargs = dict(epochs=epochs, batch_size=batch_size or p.batch_size or None, negatives=p.negatives,
                  cooldown=p.cooldown, generator=generator, progress=False, **kwargs)
    if p.schedule == "greedy":
        return train_greedy(net, x, y, **kwargs)
    kwargs.setdefault("eval_every", None)
    return train_simultaneous(net, x, y, **kwargs)


def describe(name: str) -> str:
    p = PRESETS[name]
    batch = "full batch" if not p.batch_size else f"batches of {p.batch_size}"
    return f"{name} preset: {p.schedule}, {batch}, {p.embedding} label, {p.negatives} negatives"
