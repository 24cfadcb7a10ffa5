"""The check before training (utils.fit_one_batch) counts one batch as fitted only when every one of its images is right, and when it cannot fit them returns None and says so."""
import copy
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import utils


def tiny_batch(n: int = 10, contradiction: bool = False, extra: int = 2):
    """n distinct noise images with the labels 0-9 (a linear network learns them by heart in a few steps),
    then `extra` more that copy image 0 under other labels (past the first n: not part of the batch).
    With `contradiction`, image 1 is image 0 under another label: at most n - 1 of the n can be right."""
    g = torch.Generator().manual_seed(2024)
    images = torch.rand(n, 1, 28, 28, generator=g)
    labels = torch.arange(n) % 10
    if contradiction:
        images[1] = images[0]
        labels[1] = (labels[0] + 1) % 10
    images = torch.cat([images] + [images[:1]] * extra)
    labels = torch.cat([labels] + [torch.tensor([(labels[0] + 1 + k) % 10]) for k in range(extra)])
    return SimpleNamespace(images=images, labels=labels)


def linear_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))


def by_hand(model, loader, n: int, steps: int, lr: float) -> tuple[int | None, float]:
    """A copy of the network trained on the first n images by plain SGD, as the check is taught: the first
    step whose forward pass gets every image right (None: none within `steps`), and the best fraction right."""
    twin = copy.deepcopy(model).train()
    optimizer = torch.optim.SGD(twin.parameters(), lr=lr)
    x, y = loader.images[:n], loader.labels[:n]
    best = 0.0
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        out = twin(x)
        F.cross_entropy(out, y).backward()
        optimizer.step()
        right = (out.argmax(1) == y).float().mean().item()
        best = max(best, right)
        if right == 1.0:
            return step, best
    return None, best


def test_one_batch_is_fitted_when_every_image_is_right(capsys):
    model, loader = linear_model(), tiny_batch()
    expected, _ = by_hand(model, loader, n=10, steps=60, lr=0.5)
    assert expected is not None and expected > 1
    steps = utils.fit_one_batch(model, loader, "cpu", optimizer=torch.optim.SGD(model.parameters(), lr=0.5), n=10, steps=60)
    assert steps == expected
    out = capsys.readouterr().out
    assert f"one batch of 10 images fitted to 100% in {expected} steps" in out and "NOT fitted" not in out


def test_a_batch_that_cannot_be_fitted_returns_none_and_says_so(capsys):
    """Two copies of one image under different labels: 9 of the 10 right is reached (90%), all 10 never,
    so the check reports no fit after its steps."""
    model, loader = linear_model(), tiny_batch(contradiction=True)
    expected, best = by_hand(model, loader, n=10, steps=40, lr=0.5)
    assert expected is None and best == pytest.approx(0.9)        # 90% is reached; it is not enough
    before = copy.deepcopy(model.state_dict())
    steps = utils.fit_one_batch(model, loader, "cpu", optimizer=torch.optim.SGD(model.parameters(), lr=0.5), n=10, steps=40)
    assert steps is None
    out = capsys.readouterr().out
    assert "one batch of 10 images NOT fitted in 40 steps: look for a bug before training" in out
    assert "fitted to 100%" not in out
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())     # the run's network untouched
