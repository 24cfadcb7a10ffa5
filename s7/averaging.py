"""The weight average of step 6: an exponential moving average of the weights, BatchNorm re-measured."""
from __future__ import annotations

import copy

import torch
import torch.nn as nn

from .pixels import normalise


class WeightAverage:
    """An exponential moving average of a model's weights, updated after every optimizer step.

    The average of weights is a different network from the one whose activations the BatchNorm
    layers tracked, so before it is evaluated its BatchNorm statistics are measured afresh, on the
    clean (un-augmented) training images: the images the test set resembles. Training itself is
    untouched; only what is evaluated and kept changes.
    """

    def __init__(self, model: nn.Module, decay: float):
        self.decay = decay
        self.ema = torch.optim.swa_utils.AveragedModel(
            model, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(decay))
        self.model = None   # the last model evaluation_model() built

    def update(self, model: nn.Module) -> None:
        self.ema.update_parameters(model)

    @torch.no_grad()
    def evaluation_model(self, images: torch.Tensor, batch_size: int = 1000) -> nn.Module:
        """A copy of the averaged network with BatchNorm statistics recomputed over `images`."""
        model = copy.deepcopy(self.ema.module).eval()     # dropout off: it would skew the statistics
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.reset_running_stats()
                m.momentum = None            # the mean over the batches, not a running average
                m.train()                    # only BatchNorm measures
        for start in range(0, len(images), batch_size):
            model(images[start:start + batch_size])
        self.model = model.eval()
        return self.model


def clean_images(loader, device) -> torch.Tensor:
    """The normalised, un-augmented images of a training loader (the tensor loader or a DataLoader)."""
    if hasattr(loader, "images"):
        return loader.images.to(device)
    return normalise(loader.dataset.images).to(device)
