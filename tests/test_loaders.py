"""s7/core/loaders.py: the notebooks' tensor loaders read the IDX files normalised, as the classic
DataLoader does, and reshuffle each epoch reproducibly."""
import pytest
import torch

import utils
from s7.core.loaders import Loaders, TensorLoader, load_mnist_tensors


@pytest.mark.parametrize("path", ["tensor", "dataloader"])
def test_loader_reads_idx_normalised(fake_root, path):
    """The notebooks' tensor loaders and the classic DataLoader of PIL images (the benchmark's) read the same."""
    loaders = utils.get_loaders(batch_size=16, root=fake_root)
    if path == "dataloader":
        from s7.core.pil_loader import dataloader
        train_x, train_y = load_mnist_tensors(True, fake_root)
        eval_x, eval_y = load_mnist_tensors(False, fake_root)
        loaders = Loaders(dataloader(train_x, train_y, 16, True, None, seed=1),
                                dataloader(eval_x, eval_y, 2000, False, None, seed=1), "test")
    x, y = next(iter(loaders.eval))
    assert x.shape == (32, 1, 28, 28) and x.dtype == torch.float32
    assert y.dtype == torch.int64
    images, labels = load_mnist_tensors(False, fake_root)
    assert y.tolist() == labels.tolist()
    assert torch.allclose(x, (images.float() / 255 - 0.1307).unsqueeze(1) / 0.3081, atol=1e-5)
    xb, yb = next(iter(loaders.train))
    assert xb.shape == (16, 1, 28, 28) and len(yb) == 16
    assert len(loaders.train) == 4 and loaders.eval_split == "test"


def test_fast_path_reshuffles_each_epoch_reproducibly(fake_root):
    images, labels = load_mnist_tensors(True, fake_root)
    a = TensorLoader(images, labels, 64, shuffle=True, seed=3)
    b = TensorLoader(images, labels, 64, shuffle=True, seed=3)
    first, second = next(iter(a))[1], next(iter(a))[1]
    assert not torch.equal(first, second)                # a new order each epoch
    assert torch.equal(first, next(iter(b))[1])           # the same order for the same seed
    assert sorted(first.tolist()) == sorted(labels.tolist())


def test_a_loader_counts_the_batches_it_yields_the_last_short_one_too():
    """OneCycleLR sizes its schedule from len(loader): it must equal the batches an epoch yields."""
    loader = TensorLoader(torch.zeros(70, 28, 28, dtype=torch.uint8), torch.zeros(70, dtype=torch.long), 16, shuffle=True)
    sizes = [len(y) for _, y in loader]
    assert sizes == [16, 16, 16, 16, 6] and len(loader) == 5
