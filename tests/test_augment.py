"""s7/core/augment.py: the batched affine augmentation keeps the background blank, moves the ink, and
scales the digit only when asked."""
import torch

from s7.core.augment import affine, random_affine
from s7.core.pixels import BACKGROUND


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
