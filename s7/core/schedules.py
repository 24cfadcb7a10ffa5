"""Which learning-rate schedules train() steps after every batch (the rest are stepped once an epoch,
in the notebook's epoch loop)."""
from __future__ import annotations

import torch

PER_BATCH_SCHEDULERS = (torch.optim.lr_scheduler.OneCycleLR, torch.optim.lr_scheduler.CyclicLR)


def is_per_batch(scheduler) -> bool:
    """Whether a scheduler is stepped after every batch (OneCycleLR, CyclicLR, or one that says so)."""
    return isinstance(scheduler, PER_BATCH_SCHEDULERS) or getattr(scheduler, "per_batch", False)


def check_per_batch(scheduler) -> None:
    """train()'s guard: it steps its scheduler after every batch, so a per-epoch one is refused."""
    if scheduler is not None and not is_per_batch(scheduler):
        raise TypeError(f"train() steps its scheduler after every batch: step a {type(scheduler).__name__} "
                        f"once per epoch in the epoch loop instead")
