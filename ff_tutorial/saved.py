"""The networks the book's recorded runs saved, found by name wherever the chapter runs.

A chapter run from a clone of the repository finds `models/NAME.pt` there. Installed by pip (as on
Colab) the package has no `models/`, so the file comes from the cache, or is downloaded from the
repository into the cache and checked against the SHA-256 recorded below before it is used.
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .data import DOWNLOAD_ROOT, DOWNLOAD_TIMEOUT

#: The checkout this package runs from, when it runs from a clone (an installed package has none).
CHECKOUT = Path(__file__).resolve().parent.parent
#: Where downloaded files are kept, under their path in the repository (models/seed.pt, ...).
CACHE = DOWNLOAD_ROOT
#: Set to download from elsewhere than the repository (a mirror; the tests' local server).
FILES_URL_VARIABLE = "FF_TUTORIAL_FILES_URL"


class DownloadError(RuntimeError):
    """A saved file that could not be downloaded, or that is not the file the package expects."""


@dataclass(frozen=True)
class Saved:
    sha256: str
    size: int  # bytes
    command: str  # what wrote it, run from the repository's top folder


# Path in the repository -> the file as committed. After a new run overwrites one of these files,
# the tests say which entry to change (tests/test_saved.py).
SAVED = {
    "models/seed.pt": Saved(
        "7310d36fcf1f1aad5f98241c3f4ac6b9862ef2c9cb559203c95d00719ad37270", 2_620_165,
        "python -m ff_tutorial train --preset seed --metrics results/seed.json --save models/seed.pt"),
    "results/seed.json": Saved(
        "7c16e6f5cb1c1951d8ba7b2e881f57e6241d383f3606eb404446db45c4c4354e", 793,
        "python -m ff_tutorial train --preset seed --metrics results/seed.json --save models/seed.pt"),
    "models/scaled.pt": Saved(
        "0feaa8476ffd67b7c686bacb3ed079c54cfe5b53050cd3e563b52a1997ced10c", 11_244_860,
        "python -m ff_tutorial train --preset accurate --epochs 100 --train-size 60000 --jitter 1 --no-progress "
        "--metrics results/scaled.json --save models/scaled.pt"),
    "models/scaled-seed-1.pt": Saved(
        "5be033f3553e1b22d3d497a3782b57c8455e318729d997875b181abc5a0f4ca1", 11_244_860,
        "python -m ff_tutorial train --preset accurate --epochs 100 --train-size 60000 --jitter 1 --seed 1 "
        "--no-progress --metrics results/scaled-seed-1.json --save models/scaled-seed-1.pt"),
    "models/unsupervised.pt": Saved(
        "38d33aadb3cf5b09f2ed6b319cc3fb877d72967d5b122eeeb69707170c67ae9a", 11_284_796,
        "python -m ff_tutorial train --preset unsupervised --train-size 60000 --no-progress "
        "--metrics results/unsupervised.json --save models/unsupervised.pt"),
}


def saved_network(name: str) -> Path:
    """The path of the saved network `name` ("seed": the blog's network, "scaled", ...), from the
    checkout, the cache, or a download (see saved_file)."""
    return saved_file(f"models/{name}.pt")


def saved_file(path: str) -> Path:
    """The local path of `path`, one of the repository's files in SAVED: the checkout's copy when the
    package runs from a clone, else the cached copy, else a download into the cache (checked by SHA-256)."""
    if path not in SAVED:
        raise ValueError(f"no saved file {path!r}; there are {', '.join(sorted(SAVED))}")
    in_checkout = CHECKOUT / path
    if (CHECKOUT / "pyproject.toml").is_file() and in_checkout.is_file():
        return in_checkout
    cached = CACHE / path
    if cached.is_file() and _sha256(cached) == SAVED[path].sha256:
        return cached
    return _download(path, cached)


def files_url(path: str) -> str:
    from .repository import raw_url  # not at the top: `python -m ff_tutorial.repository` must import it first
    base = os.environ.get(FILES_URL_VARIABLE)
    return f"{base.rstrip('/')}/{path}" if base else raw_url(path)


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(path: str, destination: Path) -> Path:
    """Download into a temporary name beside `destination`, check it, and only then rename it into place."""
    expected, url = SAVED[path], files_url(path)
    print(f"Downloading {path} ({expected.size / 1e6:.1f} MB) from {url} ...", flush=True)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.part")
    digest, size = hashlib.sha256(), 0
    try:
        try:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response, open(partial, "wb") as out:
                for block in iter(lambda: response.read(1 << 20), b""):
                    out.write(block)
                    digest.update(block)
                    size += len(block)
        except OSError as error:  # URLError, HTTPError, timeouts and a full disk are all OSErrors
            raise DownloadError(f"could not download {path} from {url}: {getattr(error, 'reason', error)}. "
                                f"Check the connection and run the cell again, or copy {path} from a clone "
                                f"of the repository to {destination}.") from None
        if size != expected.size or digest.hexdigest() != expected.sha256:
            raise DownloadError(f"{path} from {url} is not the file this package expects ({size:,} bytes, SHA-256 "
                                f"{digest.hexdigest()[:12]}..., expected {expected.size:,} bytes, "
                                f"{expected.sha256[:12]}...): the repository's copy has changed since this "
                                "package was installed. Install the package again (the set-up cell) and rerun.")
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination
