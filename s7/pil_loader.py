"""The classic data path, for comparison: a Dataset of PIL images, torchvision transforms, a DataLoader."""
from __future__ import annotations

import torch

from .pixels import MEAN, STD


def torchvision_transforms(augment: dict | None):
    """The per-image PIL pipeline equivalent to the tensor augmentation's settings."""
    from torchvision import transforms as T
    steps = []
    if augment:
        shift = augment.get("shift", 0.0) / 28
        mode = T.InterpolationMode(augment.get("interpolation", "bilinear"))
        scale = augment.get("scale", 0.0)
        steps.append(T.RandomApply([T.RandomAffine(augment.get("degrees", 0.0), translate=(shift, shift),
                                                   scale=(1 - scale, 1 + scale) if scale else None,
                                                   interpolation=mode, fill=0)], p=augment.get("p", 1.0)))
    return T.Compose(steps + [T.ToTensor(), T.Normalize((MEAN,), (STD,))])


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
