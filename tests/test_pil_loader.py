"""s7/core/pil_loader.py: the torchvision transform notebook 5 names draws from AUGMENT's ranges, says what
it cannot express, and with no augmentation says so in one line."""
import pytest
import torch

import utils
from s7.core.loaders import TensorLoader
from s7.core.pil_loader import NO_AUGMENTATION, torchvision_augment


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
