"""MNIST: the numbers everyone knows about it, and clear errors for files that are not it."""

import gzip
import os
import stat

import pytest
import torch

import ff_tutorial.data as data
from ff_tutorial import MNIST, DataError, load_mnist
from conftest import MNIST_FILES, copy_mnist

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_shapes_and_dtypes(mnist):
    assert mnist.x_train.shape == (60000, 784) and mnist.x_test.shape == (10000, 784)
    assert mnist.y_train.shape == (60000,) and mnist.y_test.shape == (10000,)
    assert mnist.x_train.dtype == mnist.x_test.dtype == torch.float32
    assert mnist.y_train.dtype == mnist.y_test.dtype == torch.int64
    assert mnist.source.endswith(os.path.join("data", "mnist"))


def test_label_counts_are_mnists(mnist):
    assert torch.bincount(mnist.y_train).tolist() == TRAIN_COUNTS
    assert torch.bincount(mnist.y_test).tolist() == TEST_COUNTS


def test_normalized_with_mnists_mean_and_std(mnist):
    assert abs(mnist.x_train.mean().item()) < 0.01
    assert mnist.x_train.std().item() == pytest.approx(1.0, abs=0.01)
    # a black pixel is (0 - 0.1307) / 0.3081 and a white one (1 - 0.1307) / 0.3081
    assert mnist.x_train.min().item() == pytest.approx(-0.1307 / 0.3081, abs=1e-6)
    assert mnist.x_train.max().item() == pytest.approx(0.8693 / 0.3081, abs=1e-6)


def test_the_first_ten_pixels_are_black_border(mnist):
    # overlay_label may overwrite them: they must carry nothing in any image
    black = -0.1307 / 0.3081
    assert torch.allclose(mnist.x_train[:, :10], torch.full((60000, 10), black))


def test_validation_split_holds_out_the_last_training_images(mnist):
    split = mnist.validation_split(10_000)
    assert isinstance(split, MNIST)
    assert split.x_train.shape == (50000, 784) and split.x_test.shape == (10000, 784)
    assert torch.equal(split.x_test, mnist.x_train[50000:])
    assert torch.equal(split.y_test, mnist.y_train[50000:])
    assert torch.equal(split.x_train, mnist.x_train[:50000])
    assert "validation" in split.source
    assert len(mnist.validation_split(1).x_test) == 1
    for size in (0, 60000, -5):
        with pytest.raises(ValueError, match="validation size"):
            mnist.validation_split(size)


def test_an_empty_folder_named_by_the_environment_is_an_error_naming_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("FF_TUTORIAL_DATA", str(tmp_path))
    with pytest.raises(DataError) as error:
        load_mnist()
    message = str(error.value)
    assert str(tmp_path / "train-images-idx3-ubyte.gz") in message
    assert "missing" in message and "FF_TUTORIAL_DATA" in message


def test_a_folder_that_does_not_exist_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("FF_TUTORIAL_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="nowhere"):
        load_mnist()


@pytest.mark.parametrize("name", MNIST_FILES)
def test_a_truncated_file_is_caught_and_named(linked_copy, monkeypatch, name):
    target = linked_copy / name
    content = target.read_bytes()
    target.unlink()
    target.write_bytes(content[: len(content) // 2])  # an interrupted download
    monkeypatch.setenv("FF_TUTORIAL_DATA", str(linked_copy))
    with pytest.raises(DataError, match="incomplete or corrupt") as error:
        load_mnist()
    assert str(target) in str(error.value)


def test_a_tampered_file_of_the_right_size_is_caught_and_named(linked_copy, monkeypatch):
    name = "t10k-labels-idx1-ubyte.gz"
    target = linked_copy / name
    raw = bytearray(gzip.decompress(target.read_bytes()))
    raw[8] = (raw[8] + 1) % 10  # relabel the first test image: still a valid gzip of a valid IDX file
    target.unlink()
    target.write_bytes(gzip.compress(bytes(raw)))
    monkeypatch.setenv("FF_TUTORIAL_DATA", str(linked_copy))
    with pytest.raises(DataError, match="SHA-256") as error:
        load_mnist()
    assert str(target) in str(error.value)
    # and one byte flipped in place, same length
    content = bytearray((data.REPO_DATA / name).read_bytes())
    content[len(content) // 2] ^= 0xFF
    target.write_bytes(bytes(content))
    with pytest.raises(DataError, match=name):
        load_mnist()


def test_root_comes_before_the_environment(linked_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("FF_TUTORIAL_DATA", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError):
        load_mnist()
    assert torch.bincount(load_mnist(root=linked_copy).y_test).tolist() == TEST_COUNTS


def test_no_data_and_no_download_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("FF_TUTORIAL_DATA", raising=False)
    monkeypatch.setattr(data, "REPO_DATA", tmp_path / "no-repo-copy")
    with pytest.raises(DataError, match="download=False"):
        load_mnist(download=False)


def test_a_read_only_data_folder_works_and_is_left_as_it_was(tmp_path, monkeypatch, mnist):
    folder = copy_mnist(tmp_path / "mnist")
    before = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}
    for p in folder.iterdir():
        p.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    try:
        monkeypatch.setenv("FF_TUTORIAL_DATA", str(folder))
        loaded = load_mnist()
        after = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}
    finally:
        folder.chmod(0o755)
    assert after == before  # nothing written there (root ignores the mode bits, so check directly)
    assert torch.equal(loaded.x_test, mnist.x_test) and torch.equal(loaded.y_train, mnist.y_train)
