import pytest
import torch

import models
from s7.core.model_size import count_params, receptive_field_table

MODELS = [getattr(models, f"Model{n}") for n in range(1, 7)]


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_forward_gives_10_log_probabilities(cls):
    out = cls().eval()(torch.randn(5, 1, 28, 28))
    assert out.shape == (5, 10)
    assert torch.allclose(out.exp().sum(1), torch.ones(5), atol=1e-5)


@pytest.mark.parametrize("cls", MODELS[1:], ids=lambda c: c.__name__)
def test_steps_2_to_6_under_8000_parameters(cls):
    assert count_params(cls()) < 8000


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_every_model_sees_the_whole_digit(cls):
    assert receptive_field_table(cls())[-1]["rf"] >= 28
