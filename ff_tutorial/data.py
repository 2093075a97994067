"""MNIST as four tensors, read from a checked local copy, or downloaded where there is none."""

from __future__ import annotations

import gzip
import hashlib
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .runtime import pick_device

MEAN, STD = 0.1307, 0.3081
IMAGE_SIZE = 28 * 28
NUM_CLASSES = 10

# The SHA-256 of the four original IDX files: a truncated download or an edited file fails here.
SHA256 = {
    "train-images-idx3-ubyte.gz": "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
    "train-labels-idx1-ubyte.gz": "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
    "t10k-images-idx3-ubyte.gz": "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be",
    "t10k-labels-idx1-ubyte.gz": "b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b",
}

#: The copy of MNIST that the repository carries (absent when the package is installed elsewhere).
REPO_DATA = Path(__file__).resolve().parent.parent / "data" / "mnist"
#: Where a download goes when there is no local copy.
DOWNLOAD_ROOT = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ff_tutorial"
#: Seconds a download may wait for the server at any one moment (connecting, or for the next bytes),
#: and how many times the whole download is tried before giving up. Without a timeout a stalled
#: connection would hang the download for ever: torchvision sets none.
DOWNLOAD_TIMEOUT = 30.0
DOWNLOAD_ATTEMPTS = 3


class DataError(RuntimeError):
    """MNIST files that are missing, incomplete or not the real ones."""


@dataclass
class MNIST:
    """Flattened, normalized MNIST: float32 images of shape (N, 784) and int64 labels."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    source: str = ""

    def to(self, device) -> "MNIST":
        return MNIST(*(t.to(device) for t in (self.x_train, self.y_train, self.x_test, self.y_test)),
                     source=self.source)

    def validation_split(self, size: int = 10_000) -> "MNIST":
        """The first 60,000 - size training images to train on, the last `size` as the
        test set.

        Settings are chosen on this split; the real test set is kept for the final runs.
        """
        if not 0 < size < len(self.x_train):
            raise ValueError(f"validation size must be between 1 and "
                             f"{len(self.x_train) - 1}, got {size}")
        n = len(self.x_train) - size
        source = self.source + f" (validation split: last {size} training images)"
        return MNIST(self.x_train[:n], self.y_train[:n], self.x_train[n:], self.y_train[n:],
                     source=source)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_files(folder: Path) -> None:
    """Raise DataError unless `folder` holds the four MNIST files with their published checksums."""
    fix = ("Copy the four .gz files from the repository's data/mnist/ there, or point FF_TUTORIAL_DATA "
           "at a folder that has them, or unset it to use the repository's copy or a download.")
    for name, expected in SHA256.items():
        path = folder / name
        if not path.is_file():
            raise DataError(f"MNIST file missing: {path}. {fix}")
        try:
            digest = sha256(path)
        except OSError as error:
            raise DataError(f"cannot read the MNIST file {path}: {error.strerror or error}. {fix}") from None
        if digest != expected:
            raise DataError(f"MNIST file is incomplete or corrupt (SHA-256 mismatch): {path}. "
                            f"Delete it and copy or download it again. {fix}")


def _read_idx(path: Path, magic: int) -> np.ndarray:
    data = gzip.decompress(path.read_bytes())
    found, count = int.from_bytes(data[0:4], "big"), int.from_bytes(data[4:8], "big")
    if found != magic:
        raise DataError(f"{path} is not an IDX file of the expected kind (magic {found}, wanted {magic})")
    header = 16 if magic == 2051 else 8
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(count, -1)


def _read_folder(folder: Path) -> MNIST:
    check_files(folder)

    def images(name):
        pixels = torch.from_numpy(_read_idx(folder / name, 2051).astype(np.float32) / 255.0)
        return (pixels - MEAN) / STD

    def labels(name):
        return torch.from_numpy(_read_idx(folder / name, 2049).reshape(-1).astype(np.int64))

    return MNIST(images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
                 images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"),
                 source=str(folder))


def _download(root: Path) -> Path:
    """Fetch MNIST with torchvision (as on Colab); return the folder holding the .gz files.

    Every wait on the network is bounded by DOWNLOAD_TIMEOUT, and the download is tried
    DOWNLOAD_ATTEMPTS times, saying so, before it fails with the last reason.
    """
    try:
        from torchvision.datasets import MNIST as TorchvisionMNIST
    except ImportError as error:
        raise DataError("No local copy of MNIST was found and torchvision is not installed to download "
                        "it. Install torchvision, or set FF_TUTORIAL_DATA to a folder with the four "
                        "MNIST .gz files.") from error
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT)  # torchvision's urlopen calls take their timeout from here
    try:
        for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
            try:
                # torchvision checks each file's MD5 after download; we check SHA-256 after that again.
                TorchvisionMNIST(str(root), train=True, download=True)
                TorchvisionMNIST(str(root), train=False, download=True)
                return root / "MNIST" / "raw"
            except Exception as error:  # network errors come in many types; all mean the same to a reader
                reason = f"{type(error).__name__}: {error}" if isinstance(error, TimeoutError) else str(error)
                if attempt < DOWNLOAD_ATTEMPTS:
                    print(f"Downloading MNIST failed ({reason}); trying again ({attempt + 1} of "
                          f"{DOWNLOAD_ATTEMPTS}).", flush=True)
                    time.sleep(min(2.0 ** attempt, 10.0))
    finally:
        socket.setdefaulttimeout(previous)
    raise DataError(f"Could not download MNIST into {root} after {DOWNLOAD_ATTEMPTS} tries (each wait on "
                    f"the network limited to {DOWNLOAD_TIMEOUT:g} s): {reason}. Without internet, set "
                    f"FF_TUTORIAL_DATA to a folder with the four MNIST .gz files.")


def load_mnist(root: str | os.PathLike | None = None, device="cpu",
               download: bool = True) -> MNIST:
    """Load MNIST as (N, 784) rows, normalized by its mean 0.1307 and std 0.3081.

    Looks, in order, in `root`, in the folder named by FF_TUTORIAL_DATA, in the repository's
    data/mnist/, and only then downloads with torchvision. A folder that is named (by `root` or
    the environment) must hold good files: a bad one is an error, never silently skipped.
    """
    device = pick_device(device)  # first: a missing GPU is named before any reading
    if root is not None:
        return _read_folder(Path(root)).to(device)
    if os.environ.get("FF_TUTORIAL_DATA"):
        return _read_folder(Path(os.environ["FF_TUTORIAL_DATA"])).to(device)
    if REPO_DATA.is_dir():
        return _read_folder(REPO_DATA).to(device)
    if not download:
        raise DataError(f"No MNIST found (looked in FF_TUTORIAL_DATA and {REPO_DATA}) "
                        f"and download=False.")
    return _read_folder(_download(DOWNLOAD_ROOT)).to(device)


def batches(n: int, batch_size: int | None, generator=None, device="cpu"):
    """Index sets for one epoch: all of it at once (None), or shuffled mini-batches."""
    if batch_size is None or batch_size >= n:
        yield slice(None)
        return
    order = torch.randperm(n, generator=generator).to(device)
    yield from order.split(batch_size)
