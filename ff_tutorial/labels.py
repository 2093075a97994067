"""Writing a label into an image, so that one input carries both the digit and a claim about it."""

from __future__ import annotations

import torch

from .data import IMAGE_SIZE, NUM_CLASSES

EMBEDDINGS = ("overlay", "concat", "none")  # "none": the image alone, for unsupervised FF
NEUTRAL_VALUE = 0.1  # Hinton's "neutral label": the same small value in every label slot


def check_images(x: torch.Tensor, width: int = IMAGE_SIZE) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"images must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 2 or x.shape[1] != width:
        raise ValueError(f"images must have shape (N, {width}) (flattened 28x28), got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"images must be floating point, got {x.dtype}")


def check_labels(y, n: int, device=None) -> torch.Tensor:
    """Return labels as an int64 tensor of length n; an int stands for the same label n times."""
    if isinstance(y, int):
        y = torch.full((n,), y, dtype=torch.long, device=device)
    if not isinstance(y, torch.Tensor) or y.dtype.is_floating_point or y.dtype == torch.bool:
        raise TypeError(f"labels must be an int or an integer tensor, got {getattr(y, 'dtype', type(y))}")
    if y.shape != (n,):
        raise ValueError(f"expected {n} labels (one per image), got shape {tuple(y.shape)}")
    if n and (y.min() < 0 or y.max() >= NUM_CLASSES):
        raise ValueError(f"labels must be in 0..{NUM_CLASSES - 1}, got values from {int(y.min())} "
                         f"to {int(y.max())}")
    return y.long()


def one_hot(y: torch.Tensor, value) -> torch.Tensor:
    return torch.nn.functional.one_hot(y, NUM_CLASSES).to(torch.float32) * value


def label_height(x: torch.Tensor):
    """x.max(), the brightest pixel; an empty batch has none (and needs none: nothing is written)."""
    return x.max() if x.numel() else 0.0


def overlay_label(x: torch.Tensor, y, value=None) -> torch.Tensor:
    """Hinton's embedding: the first 10 pixels, black border in MNIST, become a one-hot
    label of height `value` (by default x.max(): as loud as the brightest pixel)."""
    check_images(x)
    y = check_labels(y, len(x), x.device)
    value = label_height(x) if value is None else value
    out = x.clone()
    out[:, :NUM_CLASSES] = one_hot(y, value).to(x.dtype)
    return out


def concat_label(x: torch.Tensor, y, value=None) -> torch.Tensor:
    """The blog's embedding (`combine_x_y`): a one-hot label of height `value` appended
    (784 + 10 wide)."""
    check_images(x)
    y = check_labels(y, len(x), x.device)
    value = label_height(x) if value is None else value
    return torch.hstack([x, one_hot(y, value).to(x.dtype)])


def neutral_label(x: torch.Tensor, embedding: str = "overlay") -> torch.Tensor:
    """Write 0.1 in all 10 label slots: an input that claims no digit, for one-pass prediction."""
    check_images(x)
    if embedding == "none":
        return x
    neutral = torch.full((len(x), NUM_CLASSES), NEUTRAL_VALUE, dtype=x.dtype, device=x.device)
    if embedding == "concat":
        return torch.hstack([x, neutral])
    check_embedding(embedding)
    out = x.clone()
    out[:, :NUM_CLASSES] = neutral
    return out


def check_embedding(embedding: str) -> None:
    if embedding not in EMBEDDINGS:
        raise ValueError(f"embedding must be one of {EMBEDDINGS}, got {embedding!r}")


def embed_label(x: torch.Tensor, y, embedding: str = "overlay", value=None) -> torch.Tensor:
    """The label embedding named by `embedding`: 'overlay' (784 wide) or 'concat' (794 wide).

    'none' writes no label: the image itself, for networks trained without labels (chapter 9).
    """
    check_embedding(embedding)
    if embedding == "none":
        check_images(x)
        return x
    return (overlay_label if embedding == "overlay" else concat_label)(x, y, value)


def input_width(embedding: str) -> int:
    check_embedding(embedding)
    return IMAGE_SIZE + (NUM_CLASSES if embedding == "concat" else 0)
