"""Saving a trained network and loading it back, safely."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from .network import FFNetwork

FORMAT_VERSION = 1


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be loaded: wrong format, version or shape, or not a checkpoint."""


def save(net: FFNetwork, path) -> Path:
    """Write the weights and the configuration that rebuilds `net`.

    The file is written beside its final name and renamed into place, so a crash mid-write never
    leaves a half-written file under that name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"format": "ff_tutorial.FFNetwork", "version": FORMAT_VERSION, "config": net.config.to_dict(),
             "state_dict": {k: v.detach().cpu() for k, v in net.state_dict().items()}}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes the file private; a saved network is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load(path, device="cpu") -> FFNetwork:
    """Rebuild a network saved by `save`. Never unpickles arbitrary objects (weights_only=True)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
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
    try:
        net.load_state_dict(state["state_dict"])
    except (KeyError, RuntimeError) as error:
        raise CheckpointError(f"{path}: its weights do not fit the network its configuration "
                              f"describes ({state['config']['dims']}): {error}") from None
    return net
