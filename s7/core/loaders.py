"""The notebooks' data path: a split as one normalised tensor on the device, cut into batches and
augmented as a batch (utils.get_loaders builds two of these)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from s7.core.augment import draw_affine, random_affine
from s7.core.data_checks import ensure_mnist
from s7.core.gpu import GraphedAugment
from s7.core.pixels import normalise

QUICK_TRAIN, QUICK_EVAL = 5000, 1000        # smoke mode (--quick): the first this many training / evaluation images
EVAL_BATCH = 2000                           # images per evaluation batch (no gradients: large)


def load_mnist_tensors(train: bool, root=None, download: bool = True):
    """The raw split as (uint8 images N x 28 x 28, int64 labels N), its files checked first."""
    from torchvision.datasets import MNIST
    dataset = MNIST(str(ensure_mnist(root, download)), train=train, download=False)
    return dataset.data, dataset.targets.long()


class TensorLoader:
    """The data path: the whole split as one normalised tensor on the device.

    Each pass reshuffles with its own seeded generator, cuts batches by slicing and augments the
    batch in one tensor op (s7/core/augment.py; on CUDA a replayed graph of it). Iterates
    (images, labels) like a DataLoader, without its per-image Python work.
    """

    def __init__(self, images_uint8, labels, batch_size: int, shuffle: bool = False,
                 augment: dict | None = None, device="cpu", seed: int = 0):
        self.images = normalise(images_uint8).to(device)
        self.labels = labels.to(device)
        self.batch_size, self.shuffle, self.augment = batch_size, shuffle, augment
        self.device = torch.device(device)
        self.seed, self.epoch = seed, 0
        self.graphed_augment = GraphedAugment(augment) if augment and self.device.type == "cuda" else None

    def __len__(self):
        return math.ceil(len(self.labels) / self.batch_size)

    def __iter__(self):
        gen_device = "cuda" if self.device.type == "cuda" else "cpu"
        g = torch.Generator(device=gen_device).manual_seed(self.seed * 10_007 + self.epoch)
        self.epoch += 1
        n = len(self.labels)
        order = torch.randperm(n, generator=g, device=gen_device).to(self.device) if self.shuffle else None
        for start in range(0, n, self.batch_size):
            idx = order[start:start + self.batch_size] if order is not None else slice(start, start + self.batch_size)
            x, y = self.images[idx], self.labels[idx]
            if self.graphed_augment is not None:
                x = self.graphed_augment(x, draw_affine(len(x), g, x.device, p=self.augment.get("p", 1.0),
                                                        scale=self.augment.get("scale", 0.0)))
            elif self.augment:
                x = random_affine(x, generator=g, **self.augment)
            yield x, y


@dataclass
class Loaders:
    train: object
    eval: object
    eval_split: str   # "test", or "val" when a validation split is held out of the training set
