"""The test set under fixed, seeded perturbations: rotation, shift, noise, thicker and thinner strokes,
and every step's committed weights evaluated under them (results/robustness.json)."""
import json
import math

import torch
import torch.nn.functional as F

import models
from s7.core.augment import affine
from s7.core.loaders import load_mnist_tensors
from s7.core.pixels import BACKGROUND, MEAN, STD, normalise
from s7.core.places import ROBUSTNESS, results_path
from s7.core.records import load_model
from s7.studies.notebooks import NOTEBOOKS

ROBUSTNESS_SEED = 0


def _signs(n, g):
    return torch.randint(0, 2, (n,), generator=g).float() * 2 - 1


def _pixels(x):       # normalised -> [0, 1]
    return x * STD + MEAN


def _normalised(p):   # [0, 1] -> normalised
    return (p - MEAN) / STD


def _morph(x, sign):
    """2x2 dilation (sign=+1) or erosion (sign=-1) of the ink; the size is kept."""
    padded = F.pad(sign * x, (0, 1, 0, 1), value=sign * BACKGROUND)
    return sign * F.max_pool2d(padded, 2, 1)


PERTURBATIONS = {
    "clean": lambda x, g: x,
    # exactly 15° and exactly 3 px, not a range: only the direction is drawn, per image (seeded)
    "rotated by 15°": lambda x, g: affine(x, _signs(len(x), g) * math.radians(15), tx=torch.zeros(len(x)), ty=torch.zeros(len(x))),
    "shifted by 3 px": lambda x, g: affine(x, torch.zeros(len(x)), tx=_signs(len(x), g) * 3, ty=_signs(len(x), g) * 3),   # across and down or up
    "noise σ=0.3": lambda x, g: _normalised((_pixels(x) + 0.3 * torch.randn(x.shape, generator=g)).clamp(0, 1)),
    "thicker": lambda x, g: _morph(x, +1),    # strokes 1 px wider
    "thinner": lambda x, g: _morph(x, -1),    # strokes 1 px narrower
}


@torch.inference_mode()
def robustness(model, images_uint8, labels, device="cpu", seed: int = ROBUSTNESS_SEED,
               batch_size: int = 2000) -> dict:
    """Accuracy (%) of the model on the images under each perturbation (same seed, same images)."""
    model.eval().to(device)
    x = normalise(images_uint8)
    out = {}
    for name, perturb in PERTURBATIONS.items():
        g = torch.Generator().manual_seed(seed)
        xp = perturb(x, g)
        correct = sum((model(xp[i:i + batch_size].to(device)).argmax(1).cpu() == labels[i:i + batch_size]).sum().item()
                      for i in range(0, len(x), batch_size))
        out[name] = round(100.0 * correct / len(x), 2)
    return out


def evaluate_published(root=None) -> None:
    """Evaluate every step's committed weights under the fixed perturbations; results/robustness.json."""
    x, y = load_mnist_tensors(False, root)
    steps = {}
    for notebook in NOTEBOOKS:
        weights = results_path(notebook, suffix=".pt")
        if weights.exists():
            model = load_model(getattr(models, f"Model{notebook}"), weights)
            steps[f"{notebook}"] = robustness(model, x, y, device="cpu", seed=ROBUSTNESS_SEED)
    ROBUSTNESS.write_text(json.dumps({"seed": ROBUSTNESS_SEED, "steps": steps}, indent=1) + "\n")
