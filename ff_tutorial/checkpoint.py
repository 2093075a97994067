"""Saving a trained network and loading it back, safely."""

from __future__ import annotations

import io
from pathlib import Path

import torch

from .ledger import fingerprint
from .network import FFNetwork
from .recurrent import RecurrentFFNetwork
from .outputs import describe, write_atomically

FORMAT_VERSION = 1
#: How a checkpoint may store its weights: as trained, or rounded to 16 bits, which halves the file
#: (the book's saved networks: their re-measured test errors are unchanged, tests/test_saved.py).
#: Loaded, the weights are 32-bit again; a reader of an older version loads either.
STORED_AS = ("float32", "float16")
# The class each format names: a checkpoint says what it holds, and only these are ever built.
NETWORKS = {"ff_tutorial.FFNetwork": FFNetwork, "ff_tutorial.RecurrentFFNetwork": RecurrentFFNetwork}


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be loaded: wrong format, version or shape, or not a checkpoint."""


def checkpoint_bytes(net: FFNetwork | RecurrentFFNetwork, stored_as: str = "float32") -> bytes:
    """The checkpoint of `net`, whole, in memory: written to disk in one go, a full disk is a plain
    OSError (torch's own writer reports it as an internal error, halfway through the file)."""
    if not isinstance(net, (FFNetwork, RecurrentFFNetwork)):
        raise TypeError(f"save writes an FFNetwork or a RecurrentFFNetwork, got {type(net).__name__}")
    if stored_as not in STORED_AS:
        raise ValueError(f"stored_as must be one of {STORED_AS}, got {stored_as!r}")
    weights = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    state = {"format": f"ff_tutorial.{type(net).__name__}", "version": FORMAT_VERSION,
             "config": net.config.to_dict(), "state_dict": weights}
    if stored_as == "float16":
        state["state_dict"] = {k: v.half() if v.is_floating_point() else v for k, v in weights.items()}
        too_large = [k for k, v in state["state_dict"].items() if v.is_floating_point() and not torch.isfinite(v).all()]
        if too_large:
            raise ValueError(f"weights too large for 16 bits (over 65504) in {', '.join(too_large)}: save in float32")
        # the ledger of test-set looks knows a network by its weights; the rounded copy is the same
        # network, so it carries the fingerprint of the weights as trained (see load)
        state["trained_fingerprint"] = fingerprint(net)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def save(net: FFNetwork | RecurrentFFNetwork, path, stored_as: str = "float32") -> Path:
    """Write the weights and the configuration that rebuilds `net`; returns the path written.
    With stored_as="float16" the weights are rounded to 16 bits: half the file.

    The file is written beside its final name and renamed into place, so a crash mid-write never
    leaves a half-written file under that name (`outputs.write_atomically`). Only a regular file
    is ever replaced; a link is followed.
    """
    return write_atomically(path, checkpoint_bytes(net, stored_as))


def load(path, device="cpu") -> FFNetwork | RecurrentFFNetwork:
    """Rebuild a network saved by `save`, of the class its file names. Never unpickles arbitrary
    objects (weights_only=True)."""
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
    if not isinstance(state, dict) or state.get("format") not in NETWORKS:
        raise CheckpointError(f"{path} is not an ff_tutorial FFNetwork checkpoint "
                              f"(nor a RecurrentFFNetwork one)")
    if state.get("version") != FORMAT_VERSION:
        raise CheckpointError(f"{path} has checkpoint format version {state.get('version')}, but this "
                              f"version of ff_tutorial reads version {FORMAT_VERSION}; upgrade ff_tutorial "
                              f"or re-save the network with the version that made it")
    try:
        net = NETWORKS[state["format"]](**state["config"], device=device)
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
        widths = state["config"].get("dims", state["config"].get("hidden"))
        raise CheckpointError(f"{path}: its weights do not fit the network its configuration "
                              f"describes ({widths}): {error}") from None
    if isinstance(state.get("trained_fingerprint"), str):  # rounded to 16 bits: see ledger.fingerprint
        net.rounded_from = (fingerprint(net), state["trained_fingerprint"])
    return net
