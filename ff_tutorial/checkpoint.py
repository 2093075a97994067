"""Saving a trained network and loading it back, safely."""

from __future__ import annotations

import io
from pathlib import Path

import torch

from .network import FFNetwork
from .outputs import describe, write_atomically

FORMAT_VERSION = 1


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be loaded: wrong format, version or shape, or not a checkpoint."""


def checkpoint_bytes(net: FFNetwork) -> bytes:
    """The checkpoint of `net`, whole, in memory: written to disk in one go, a full disk is a plain
    OSError (torch's own writer reports it as an internal error, halfway through the file)."""
    if not isinstance(net, FFNetwork):
        raise TypeError(f"save writes an FFNetwork, got {type(net).__name__}")
    state = {"format": "ff_tutorial.FFNetwork", "version": FORMAT_VERSION, "config": net.config.to_dict(),
             "state_dict": {k: v.detach().cpu() for k, v in net.state_dict().items()}}
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def save(net: FFNetwork, path) -> Path:
    """Write the weights and the configuration that rebuilds `net`; returns the path written.

    The file is written beside its final name and renamed into place, so a crash mid-write never
    leaves a half-written file under that name (`outputs.write_atomically`). Only a regular file
    is ever replaced; a link is followed.
    """
    return write_atomically(path, checkpoint_bytes(net))


def load(path, device="cpu") -> FFNetwork:
    """Rebuild a network saved by `save`. Never unpickles arbitrary objects (weights_only=True)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CheckpointError(f"cannot read {path}: {describe(error)}") from None
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as error:
        raise CheckpointError(f"{path} is not a checkpoint this package can read safely "
                              f"(only tensors and plain values are allowed): {error}") from None
    if not isinstance(state, dict) or state.get("format") != "ff_tutorial.FFNetwork":
        raise CheckpointError(f"{path} is not an ff_tutorial FFNetwork checkpoint")
    if state.get("version") != FORMAT_VERSION:
        raise CheckpointError(f"{path} has checkpoint format version {state.get('version')}, but this "
                              f"version of ff_tutorial reads version {FORMAT_VERSION}; upgrade ff_tutorial "
                              f"or re-save the network with the version that made it")
    try:
        net = FFNetwork(**state["config"], device=device)
    except (KeyError, TypeError, ValueError) as error:  # a configuration edited by hand, or by another tool
        raise CheckpointError(f"{path} holds a network configuration this package cannot build: "
                              f"{error!r}") from None
    weights = state.get("state_dict")
    if isinstance(weights, dict):
        broken = [name for name, t in weights.items()
                  if isinstance(t, torch.Tensor) and t.is_floating_point() and not torch.isfinite(t).all()]
        if broken:  # such a network answers something for every image, and every answer is noise
            raise CheckpointError(f"{path} holds weights that are not finite (NaN or inf) in "
                                  f"{', '.join(broken)}: the network it saves is broken")
    try:
        net.load_state_dict(state["state_dict"])
    except (KeyError, RuntimeError) as error:
        raise CheckpointError(f"{path}: its weights do not fit the network its configuration "
                              f"describes ({state['config']['dims']}): {error}") from None
    return net
