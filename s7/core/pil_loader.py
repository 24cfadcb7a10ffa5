"""The classic data path, for comparison: a Dataset of PIL images, torchvision transforms, a DataLoader."""
from __future__ import annotations

import torch

from s7.core.pixels import MEAN, STD

NO_AUGMENTATION = "no augmentation (AUGMENT is None): the training images are used as they are"


class NoAugmentation:
    """The transform of AUGMENT = None: each image passes unchanged; printed, it says so in one line."""

    def __call__(self, image):
        return image

    def __repr__(self):
        return NO_AUGMENTATION


def torchvision_augment(augment: dict | None, size: int = 28):
    """The torchvision transform (for PIL images) that draws from the same ranges as AUGMENT:
    RandomAffine with the same degrees, the shift as a fraction of the image side, the same scale
    range and resampling, the border filled with black, applied to a fraction p of the images
    (RandomApply). It takes its own random draws. A key it cannot express is refused. AUGMENT = None
    (no augmentation) gives the identity, which prints as one line saying so."""
    if augment is None:
        return NoAugmentation()
    from torchvision import transforms as T
    unknown = set(augment) - {"degrees", "shift", "scale", "p", "interpolation"}
    if unknown:
        raise ValueError(f"torchvision_augment cannot express AUGMENT's {sorted(unknown)}: it knows degrees, "
                         f"shift, scale, p and interpolation")
    shift, scale, p = augment.get("shift", 0.0) / size, augment.get("scale", 0.0), augment.get("p", 1.0)
    transform = T.RandomAffine(augment.get("degrees", 0.0), translate=(shift, shift),
                               scale=(1 - scale, 1 + scale) if scale else None,
                               interpolation=T.InterpolationMode(augment.get("interpolation", "bilinear")), fill=0)
    return transform if p >= 1 else T.RandomApply([transform], p=p)


def torchvision_transforms(augment: dict | None):
    """The per-image PIL pipeline: the augmentation (if any), then to a normalised tensor."""
    from torchvision import transforms as T
    return T.Compose(([torchvision_augment(augment)] if augment else []) + [T.ToTensor(), T.Normalize((MEAN,), (STD,))])


class PILDataset(torch.utils.data.Dataset):
    """uint8 tensors served one PIL image at a time, as torchvision.datasets.MNIST does."""

    def __init__(self, images, labels, transform):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        from PIL import Image
        return self.transform(Image.fromarray(self.images[i].numpy(), mode="L")), int(self.labels[i])


def dataloader(images, labels, batch_size, shuffle, augment, seed, num_workers: int = 0, **kwargs):
    """torch DataLoader over PIL images. On 2 CPU cores, worker processes are slower than none
    (scripts/benchmark.py measures both)."""
    g = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(PILDataset(images, labels, torchvision_transforms(augment)),
                                       batch_size=batch_size, shuffle=shuffle, generator=g,
                                       num_workers=num_workers, **kwargs)
