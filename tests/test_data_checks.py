"""s7/core/data_checks.py: where the data is looked for, and a missing, damaged or mismatched MNIST
refused with a clear error that leaves the files alone."""
import hashlib
from pathlib import Path

import pytest
import torch

import utils
from s7.core.data_checks import MNISTDataError, data_root, ensure_mnist


def digest(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_data_root_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_ROOT", raising=False)
    assert data_root() == Path("./data")
    monkeypatch.setenv("MNIST_ROOT", str(tmp_path))
    assert data_root() == tmp_path
    assert data_root("elsewhere") == Path("elsewhere")


@pytest.mark.parametrize("damage", ["truncate", "bad_magic"])
def test_corrupt_idx_gives_clear_error_and_is_left_alone(fake_root, damage):
    path = fake_root / "MNIST" / "raw" / "train-images-idx3-ubyte"
    data = path.read_bytes()
    path.write_bytes(data[:-100] if damage == "truncate" else b"\x00\x00\x09\x99" + data[4:])
    before = digest(path)
    with pytest.raises(MNISTDataError, match="train-images-idx3-ubyte") as err:
        utils.get_loaders(root=fake_root)
    assert "Delete" in str(err.value) and "MNIST_ROOT" in str(err.value)
    assert path.exists() and digest(path) == before


def test_mismatched_images_and_labels(fake_root):
    from conftest import write_idx
    write_idx(fake_root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte", torch.zeros(5, dtype=torch.uint8))
    with pytest.raises(MNISTDataError, match="32 images but 5 labels"):
        ensure_mnist(fake_root, download=False)


def test_missing_root_without_download(tmp_path):
    with pytest.raises(MNISTDataError, match="MNIST_ROOT") as err:
        ensure_mnist(tmp_path / "nowhere", download=False)
    assert "train-images-idx3-ubyte" in str(err.value)
    assert not (tmp_path / "nowhere").exists()            # nothing created


def test_failed_download_gives_clear_error(tmp_path, monkeypatch):
    import torchvision.datasets

    def offline(self, *a, **k):
        raise OSError("no network")
    monkeypatch.setattr(torchvision.datasets.MNIST, "download", offline)
    with pytest.raises(MNISTDataError, match="Could not download MNIST"):
        ensure_mnist(tmp_path / "empty", download=True)
