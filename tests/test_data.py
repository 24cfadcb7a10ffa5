import hashlib
from pathlib import Path

import pytest
import torch

import utils
from s7.core.augment import affine, random_affine
from s7.core.data_checks import MNISTDataError, data_root, ensure_mnist
from s7.core.loaders import Loaders, TensorLoader, load_mnist_tensors
from s7.core.pil_loader import NO_AUGMENTATION, torchvision_augment
from s7.core.pixels import BACKGROUND


def digest(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_data_root_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_ROOT", raising=False)
    assert data_root() == Path("./data")
    monkeypatch.setenv("MNIST_ROOT", str(tmp_path))
    assert data_root() == tmp_path
    assert data_root("elsewhere") == Path("elsewhere")


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


def test_quick_loaders_take_the_first_images(fake_root, monkeypatch):
    monkeypatch.setattr(utils, "QUICK_TRAIN", 40)
    monkeypatch.setattr(utils, "QUICK_EVAL", 10)
    loaders = utils.get_loaders(batch_size=16, root=fake_root, quick=True)
    images, labels = load_mnist_tensors(True, fake_root)
    assert len(loaders.train.labels) == 40 and len(loaders.eval.labels) == 10
    assert sorted(loaders.train.labels.tolist()) == sorted(labels[:40].tolist())


def test_holdout_evaluates_on_end_of_training_set(fake_root):
    loaders = utils.get_loaders(batch_size=8, holdout=10, root=fake_root)
    train_images, train_labels = load_mnist_tensors(True, fake_root)
    assert loaders.eval_split == "val"
    assert loaders.eval.labels.tolist() == train_labels[-10:].tolist()
    assert len(loaders.train.labels) == 54


def test_fast_path_reshuffles_each_epoch_reproducibly(fake_root):
    images, labels = load_mnist_tensors(True, fake_root)
    a = TensorLoader(images, labels, 64, shuffle=True, seed=3)
    b = TensorLoader(images, labels, 64, shuffle=True, seed=3)
    first, second = next(iter(a))[1], next(iter(a))[1]
    assert not torch.equal(first, second)                # a new order each epoch
    assert torch.equal(first, next(iter(b))[1])           # the same order for the same seed
    assert sorted(first.tolist()) == sorted(labels.tolist())


def test_augmentation_keeps_background_and_moves_ink():
    x = torch.full((4, 1, 28, 28), BACKGROUND)
    x[:, :, 10:18, 12:16] = 2.8
    g = torch.Generator().manual_seed(0)
    y = random_affine(x, degrees=15, shift=3, generator=g)
    assert y.shape == x.shape
    assert torch.allclose(y[:, :, 0, :], torch.tensor(BACKGROUND))   # border stays blank
    assert not torch.allclose(y, x)
    same = random_affine(x, degrees=0, shift=0, generator=g)
    assert torch.allclose(same, x, atol=1e-5)


def test_scale_augmentation_grows_and_shrinks_the_digit():
    x = torch.full((2, 1, 28, 28), BACKGROUND)
    x[:, :, 10:18, 10:18] = 2.8
    zero = torch.zeros(2)
    y = affine(x, zero, zero, zero, scale=torch.tensor([0.5, 2.0]))
    ink = (y > 0).sum((1, 2, 3))
    assert ink[0] < (x[0] > 0).sum() < ink[1]
    g = torch.Generator().manual_seed(0)
    assert torch.allclose(random_affine(x, 0, 0, g, scale=0.0), x, atol=1e-5)   # off by default
    assert not torch.allclose(random_affine(x, 0, 0, g, scale=0.2), x)


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


def test_the_torchvision_transform_named_in_notebook_5_draws_from_the_same_ranges():
    """AUGMENT's batched op and torchvision's RandomAffine: the same rotation range in degrees and the
    same shift range in pixels (torchvision rounds its shift to whole pixels)."""
    from s7.core.augment import draw_affine
    augment = {"degrees": 8, "shift": 2}
    transform = torchvision_augment(augment)
    assert transform.degrees == [-8.0, 8.0]
    torch.manual_seed(0)
    angles, shifts = zip(*[(a, t) for a, t, _, _ in (transform.get_params(transform.degrees, transform.translate,
                                                                         None, None, [28, 28]) for _ in range(4000))])
    ours = draw_affine(4000, torch.Generator().manual_seed(0), "cpu")[0] * 2 - 1     # u in [-1, 1]
    our_angles, our_shifts = ours[0] * augment["degrees"], ours[1:] * augment["shift"]
    assert -8 <= min(angles) < -7.9 and 7.9 < max(angles) <= 8
    assert -8 <= our_angles.min() < -7.9 and 7.9 < our_angles.max() <= 8
    assert {s for pair in shifts for s in pair} == {-2, -1, 0, 1, 2}
    assert -2 <= our_shifts.min() < -1.99 and 1.99 < our_shifts.max() <= 2


def test_the_torchvision_transform_says_what_it_cannot_express():
    """AUGMENT's scale and p are mapped (RandomAffine's scale range, RandomApply's p), never dropped;
    a key it cannot express is refused."""
    from torchvision.transforms import RandomAffine, RandomApply
    plain = torchvision_augment({"degrees": 8, "shift": 2})
    assert isinstance(plain, RandomAffine) and plain.scale is None
    scaled = torchvision_augment({"degrees": 8, "shift": 2, "scale": 0.1, "p": 0.5})
    assert isinstance(scaled, RandomApply) and scaled.p == 0.5
    inner, = scaled.transforms
    assert inner.scale == pytest.approx((0.9, 1.1)) and inner.degrees == [-8.0, 8.0]
    assert inner.translate == pytest.approx((2 / 28, 2 / 28))
    with pytest.raises(ValueError, match="cannot express"):
        torchvision_augment({"degrees": 8, "shift": 2, "shear": 5})


def test_without_augmentation_notebook_5s_cells_say_so_and_skip():
    """AUGMENT = None (notebook 5's Try it): the torchvision transform is the identity and prints as one
    line saying so; the clean-and-augmented figure shows the clean digits alone under a title saying so."""
    transform = torchvision_augment(None)
    image = object()
    assert transform(image) is image
    assert str(transform) == NO_AUGMENTATION and "\n" not in str(transform) and "AUGMENT is None" in str(transform)
    images = torch.randint(0, 255, (16, 28, 28), dtype=torch.uint8)
    fig = utils.show_augmented(TensorLoader(images, torch.arange(16) % 10, 8, augment=None))
    assert fig._suptitle.get_text() == NO_AUGMENTATION
    assert sum(bool(ax.images) for ax in fig.axes) == 8                      # one row: the clean digits
    augmented = utils.show_augmented(TensorLoader(images, torch.arange(16) % 10, 8, augment={"degrees": 8, "shift": 2}))
    assert sum(bool(ax.images) for ax in augmented.axes) == 24 and "augmented" in augmented._suptitle.get_text()
