"""s7/core/pixels.py: every image is normalised by MNIST's training-set pixel statistics, as ToTensor and
Normalize would: a uint8 pixel p becomes (p / 255 - 0.1307) / 0.3081, in an N x 1 x 28 x 28 float tensor."""
import pytest
import torch

from s7.core.pixels import BACKGROUND, normalise


def test_a_pixel_becomes_its_share_of_white_less_the_mean_over_the_spread():
    images = torch.zeros(2, 28, 28, dtype=torch.uint8)
    images[0, 3, 4] = 255                          # white: (1 - 0.1307) / 0.3081 = 2.8215
    images[1, 10, 20] = 51                         # 51 / 255 = 0.2: (0.2 - 0.1307) / 0.3081 = 0.2249
    x = normalise(images)
    assert x.shape == (2, 1, 28, 28) and x.dtype == torch.float32
    assert x[0, 0, 3, 4].item() == pytest.approx(2.82149, abs=1e-5)
    assert x[1, 0, 10, 20].item() == pytest.approx(0.22493, abs=1e-5)
    assert x[0, 0, 0, 0].item() == pytest.approx(-0.42421, abs=1e-5)     # a blank pixel: -0.1307 / 0.3081
    assert BACKGROUND == pytest.approx(-0.42421, abs=1e-5)
