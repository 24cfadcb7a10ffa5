"""s7/core/schedules.py: the learning-rate schedules train() steps after every batch (OneCycleLR, CyclicLR,
or one that says so) told from the per-epoch ones, which train() refuses."""
import pytest
import torch

from s7.core.schedules import check_per_batch, is_per_batch


def optimizer():
    return torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1, momentum=0.9)


class SaysSo:
    per_batch = True


def test_the_per_batch_schedules_are_told_from_the_per_epoch_ones_and_only_they_pass():
    one_cycle = torch.optim.lr_scheduler.OneCycleLR(optimizer(), max_lr=0.1, total_steps=10)
    cyclic = torch.optim.lr_scheduler.CyclicLR(optimizer(), base_lr=0.01, max_lr=0.1)
    step = torch.optim.lr_scheduler.StepLR(optimizer(), step_size=1)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer())
    assert is_per_batch(one_cycle) and is_per_batch(cyclic) and is_per_batch(SaysSo())
    assert not is_per_batch(step) and not is_per_batch(plateau) and not is_per_batch(None)
    for fine in (None, one_cycle, cyclic, SaysSo()):
        check_per_batch(fine)
    for per_epoch in (step, plateau):
        with pytest.raises(TypeError, match=f"step a {type(per_epoch).__name__} once per epoch"):
            check_per_batch(per_epoch)
