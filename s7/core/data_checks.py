"""Where the MNIST files are, and checks that they are whole before anything reads them."""
from __future__ import annotations

import math
import os
from pathlib import Path

DEFAULT_ROOT = "./data"             # where torchvision downloads on a connected machine
ROOT_ENV = "MNIST_ROOT"
DATA_ROOT_HELP = f"folder holding MNIST/raw/ (default: ${ROOT_ENV}, else {DEFAULT_ROOT})"   # every command's --data-root

# name -> (IDX magic number, shape of one item); the four files torchvision expects
MNIST_FILES = {
    "train-images-idx3-ubyte": (2051, (28, 28)),
    "train-labels-idx1-ubyte": (2049, ()),
    "t10k-images-idx3-ubyte": (2051, (28, 28)),
    "t10k-labels-idx1-ubyte": (2049, ()),
}


class MNISTDataError(RuntimeError):
    """The MNIST files are missing, truncated or corrupt; the message says what to do."""


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The data root: the argument, else $MNIST_ROOT, else ./data."""
    return Path(root or os.environ.get(ROOT_ENV) or DEFAULT_ROOT).expanduser()


def check_idx_file(path: Path, magic: int, item_shape: tuple[int, ...] | None = None) -> tuple[int, ...]:
    """Validate an uncompressed IDX file's header and size; return its shape. Never modifies it."""
    fix = (f"Delete {path} and run again to re-download it, or point {ROOT_ENV} "
           f"(or the data_root argument) at a good copy of MNIST.")
    size = path.stat().st_size
    with open(path, "rb") as f:
        header = f.read(4)
        if len(header) < 4 or int.from_bytes(header, "big") != magic:
            raise MNISTDataError(f"{path} is not an MNIST IDX file (bad magic number). {fix}")
        ndim = header[3]
        dims_raw = f.read(4 * ndim)
    if len(dims_raw) < 4 * ndim:
        raise MNISTDataError(f"{path} is truncated (header cut short). {fix}")
    dims = tuple(int.from_bytes(dims_raw[4 * i:4 * i + 4], "big") for i in range(ndim))
    expected = 4 + 4 * ndim + math.prod(dims)
    if size != expected:
        raise MNISTDataError(f"{path} is truncated or corrupt: {size} bytes, expected {expected}. {fix}")
    if item_shape is not None and dims[1:] != item_shape:
        raise MNISTDataError(f"{path} holds items of shape {dims[1:]}, expected {item_shape}. {fix}")
    return dims


def ensure_mnist(root=None, download: bool = True) -> Path:
    """Make sure the four MNIST files are under <root>/MNIST/raw and valid; return the root.

    Downloads (through torchvision) only when files are absent and download is True.
    Existing files are checked, never deleted or overwritten.
    """
    root = data_root(root)
    raw = root / "MNIST" / "raw"
    missing = [name for name in MNIST_FILES if not (raw / name).exists()]
    if missing and not download:
        raise MNISTDataError(
            f"MNIST not found: {', '.join(missing)} missing in {raw}. Set {ROOT_ENV} "
            f"(or pass data_root) to the folder that holds MNIST/raw/, or allow the download.")
    if missing:
        from torchvision.datasets import MNIST
        try:
            MNIST(str(root), train=True, download=True)
            MNIST(str(root), train=False, download=True)
        except Exception as err:  # no network, no write permission, server down
            raise MNISTDataError(
                f"Could not download MNIST into {root} ({type(err).__name__}: {err}). "
                f"Check the network and that the folder is writable, or set {ROOT_ENV} to a "
                f"folder that already holds MNIST/raw/.") from err
    counts = {name: check_idx_file(raw / name, magic, item)[0] for name, (magic, item) in MNIST_FILES.items()}
    for split in ("train", "t10k"):
        images, labels = counts[f"{split}-images-idx3-ubyte"], counts[f"{split}-labels-idx1-ubyte"]
        if images != labels:
            raise MNISTDataError(f"{raw}: {split} has {images} images but {labels} labels; the files do not "
                                 f"belong together. Replace them with a matching pair of MNIST files.")
    return root
