"""Shared fixtures: the real MNIST, loaded once, and small pieces of it."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import ff_tutorial as ff
import ff_tutorial.cli as cli
from ff_tutorial.data import REPO_DATA, SHA256

# The tests use small tensors; one thread avoids oversubscribing a busy machine, which made
# the same tests several times slower with two threads than with one.
torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent
MNIST_FILES = tuple(SHA256)


@pytest.fixture(autouse=True)
def no_ledger(monkeypatch):
    """Tests measure on the test set all the time: none of it goes into the repository's ledger
    of test-set looks (the ledger's own tests name a file of their own)."""
    monkeypatch.setenv("FF_TUTORIAL_LEDGER", "")


@pytest.fixture(scope="session")
def mnist():
    """The repository's copy of MNIST, as load_mnist() finds it with no FF_TUTORIAL_DATA set."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("FF_TUTORIAL_DATA", raising=False)
        return ff.load_mnist()


@pytest.fixture
def mnist_piece(mnist):
    """A piece of the session's MNIST, for an experiment's command: 11,000 training images (the
    validation split keeps 1,000 of them to train on and measures on 10,000) and the first
    `test_images` test images, so that measuring takes little time."""
    def piece(test_images: int = 100):
        return ff.MNIST(mnist.x_train[:11_000], mnist.y_train[:11_000], mnist.x_test[:test_images],
                        mnist.y_test[:test_images], source="a piece of MNIST")
    return piece


@pytest.fixture
def fast_data(monkeypatch, mnist):
    """The command line's load_mnist, answered from the session's copy (the real loading is tested
    in test_data); the list it returns shows whether, and with what folder, it was called."""
    calls = []

    def load_mnist(root=None, device="cpu"):
        calls.append(root)
        return mnist

    monkeypatch.setattr(cli, "load_mnist", load_mnist)
    return calls


@pytest.fixture(scope="session")
def small(mnist):
    """3000 training and 2000 test images: enough to learn something in seconds."""
    return mnist.x_train[:3000], mnist.y_train[:3000], mnist.x_test[:2000], mnist.y_test[:2000]


@pytest.fixture
def linked_copy(tmp_path):
    """A folder with the four MNIST files as symbolic links to the repository's copy (cheap to make);
    a test replaces one of them to damage it."""
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in MNIST_FILES:
        (folder / name).symlink_to(REPO_DATA / name)
    return folder


def run_module(*args, env=None, timeout=120):
    """Run `python -m ff_tutorial ...` in a fresh interpreter, from the repository root."""
    full_env = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
    full_env.pop("FF_TUTORIAL_DATA", None)
    return subprocess.run([sys.executable, "-m", "ff_tutorial", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def copy_mnist(dest: Path) -> Path:
    shutil.copytree(REPO_DATA, dest)
    return dest
