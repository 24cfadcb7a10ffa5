"""s7/studies/robustness.py: the committed weights under perturbations of the test images: clean is plain
test accuracy, each perturbation changes the images and keeps their shape, and the draws are seeded."""
import pytest
import torch

import models
import utils
from s7.core.loaders import TensorLoader, load_mnist_tensors
from s7.core.pixels import normalise
from s7.core.places import results_path
from s7.core.records import load_model
from s7.studies.robustness import PERTURBATIONS, robustness


def test_robustness_clean_equals_plain_test_accuracy(real_root):
    model = load_model(models.Model6, results_path(6, suffix=".pt"))
    images, labels = load_mnist_tensors(False, real_root)
    images, labels = images[:1000], labels[:1000]
    scores = robustness(model, images, labels)
    plain = utils.test(model, TensorLoader(images, labels, 500), "cpu")[1]
    assert scores["clean"] == pytest.approx(plain, abs=0.01)
    assert set(scores) == set(PERTURBATIONS)
    assert scores["rotated by 15°"] < scores["clean"]
    assert scores == robustness(model, images, labels)      # seeded: the same every time


def test_perturbations_keep_shape_and_change_images():
    x = normalise(torch.randint(0, 256, (4, 28, 28), dtype=torch.uint8))
    for name, perturb in PERTURBATIONS.items():
        y = perturb(x, torch.Generator().manual_seed(0))
        assert y.shape == x.shape, name
        assert torch.equal(y, x) == (name == "clean"), name
