#!/usr/bin/env python3
"""Public solutions' recipes re-run here on the test set, seeded, choosing nothing.

  python search/public.py public4968 --seeds 1 2 3 4 5 6 7 8 9 10    # -> results/public/public4968_seed<S>.json
  python search/public.py public6128 --seeds 1 2 3 4 5

Each solution's files were read with the search tool and written again here; what this project
adds is a fixed seed (torch's RNG and the loader's order) and the test set scored after every epoch.
The epoch loop is scripts/recipe.py's, with the solution's own DataLoader (its torchvision
transforms, per image with PIL) in place of the project's loaders.

public4968: Shankarganesh127/TSAI_ERAv4_mnist_model_improved_S6, model_v3.py (its Net and
set_config_v3), train_test.py (the loop) and data_setup.py (the loaders): the 4,968-parameter network
(padded 4-8 at 28x28, pool, 10-16, pool, 1x1 to 8, 16, 1x1 to 10, a bare 3x3, 5x5 average pool);
SGD lr 0.065 momentum 0.9; OneCycleLR per batch (max 0.065, pct_start 0.1, div_factor 5,
final_div_factor 100, cosine); gradient norm clipped at 2.0; batch 64 (test 1000); 15 epochs;
RandomRotation(±5°, fill 0) then RandomAffine(0, translate 3%).

public6128: sunpau/ERA_V1_S7, model.py (its Net, "Model 6") and S7_final_model.ipynb (the
loaders and the training cell): the 6,128-parameter network (padded 8, 16, pool, 1x1 to 8, 8, 8,
16, 10, a bare 3x3, global average pool; each conv -> ReLU -> BatchNorm -> Dropout 0.1); Adam lr
0.01; StepLR step 6, gamma 0.1, per epoch; batch 64; 15 epochs; RandomRotation(±7°, fill 0).
Its test loader batches 64 and shuffles: the accuracy does not depend on either, so the test set
is scored 1,000 at a time here as for public4968.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]   # utils; recipe

import utils  # noqa: E402
from s7.pil_loader import PILDataset  # noqa: E402
from s7.pixels import MEAN, STD  # noqa: E402
from recipe import Recipe  # noqa: E402

OUT = utils.RESULTS_DIR / "public"


def unit(c_in, c_out, kernel=3, padding=1):
    """Their order: conv (no bias) -> BatchNorm -> ReLU."""
    return [nn.Conv2d(c_in, c_out, kernel, padding=padding, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


class Public4968(nn.Module):
    """model_v3.Net of the 4,968-parameter solution, layer for layer."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(*unit(1, 4), *unit(4, 8), nn.MaxPool2d(2),          # 8x14x14
                                      *unit(8, 10), *unit(10, 16), nn.MaxPool2d(2),       # 16x7x7
                                      *unit(16, 8, 1, 0), *unit(8, 16),                   # 16x7x7
                                      *unit(16, 10, 1, 0), nn.Conv2d(10, 10, 3, bias=False),   # 10x5x5
                                      nn.AvgPool2d(5))

    def forward(self, x):
        return F.log_softmax(self.features(x).flatten(1), dim=1)


class Public6128(nn.Module):
    """model.Net ("Model 6") of the 6,128-parameter solution, layer for layer."""

    def __init__(self, dropout: float = 0.1):
        super().__init__()

        def unit(c_in, c_out, padding=0, drop=True):   # its order: conv (no bias) -> ReLU -> BatchNorm -> Dropout
            return [nn.Conv2d(c_in, c_out, 3, padding=padding, bias=False), nn.ReLU(), nn.BatchNorm2d(c_out),
                    *([nn.Dropout(dropout)] if drop else [])]

        self.features = nn.Sequential(*unit(1, 8, 1), *unit(8, 16), nn.MaxPool2d(2),           # 16x13x13
                                      nn.Conv2d(16, 8, 1, bias=False),                         # 8x13x13
                                      *unit(8, 8), *unit(8, 8), *unit(8, 16), *unit(16, 10, drop=False),   # 10x5x5
                                      nn.Conv2d(10, 10, 3, bias=False), nn.AdaptiveAvgPool2d(1))

    def forward(self, x):
        return F.log_softmax(self.features(x).flatten(1), dim=1)


def public4968_transform():
    from torchvision import transforms as T
    return T.Compose([T.RandomRotation((-5.0, 5.0), fill=(0,)), T.RandomAffine(0, translate=(0.03, 0.03)),
                      T.ToTensor(), T.Normalize((MEAN,), (STD,))])


def public6128_transform():
    from torchvision import transforms as T
    return T.Compose([T.RandomRotation((-7.0, 7.0), fill=0), T.ToTensor(), T.Normalize((MEAN,), (STD,))])


RECIPES = {
    "public4968": dict(model=Public4968, batch_size=64, epochs=15, transform=public4968_transform,
                       optimizer=dict(name="SGD", lr=0.065, momentum=0.9),
                       lr_schedule=dict(name="OneCycleLR", max_lr=0.065, pct_start=0.1, div_factor=5,
                                        final_div_factor=100, anneal_strategy="cos"),
                       max_grad_norm=2.0,
                       source="Shankarganesh127/TSAI_ERAv4_mnist_model_improved_S6: model_v3.py, train_test.py, "
                              "data_setup.py"),
    "public6128": dict(model=Public6128, batch_size=64, epochs=15, transform=public6128_transform,
                       optimizer=dict(name="Adam", lr=0.01),
                       lr_schedule=dict(name="StepLR", step_size=6, gamma=0.1),
                       max_grad_norm=None,
                       source="sunpau/ERA_V1_S7: model.py, S7_final_model.ipynb"),
}


def build(name: str, seed: int, root=None, quick: bool = False) -> Recipe:
    """A public recipe as a seeded run: its model, its DataLoader, its optimizer and schedule."""
    r = RECIPES[name]
    train_x, train_y = utils.load_mnist_tensors(True, root)
    test_x, test_y = utils.load_mnist_tensors(False, root)
    if quick:
        train_x, train_y, test_x, test_y = train_x[:2000], train_y[:2000], test_x[:500], test_y[:500]
    loaders = utils.Loaders(
        torch.utils.data.DataLoader(PILDataset(train_x, train_y, r["transform"]()), batch_size=r["batch_size"],
                                    shuffle=True, generator=torch.Generator().manual_seed(seed)),
        utils.TensorLoader(test_x, test_y, 1000), "test")
    return Recipe(r["model"], seed=seed, epochs=r["epochs"], batch_size=r["batch_size"], optimizer=r["optimizer"],
                  lr_schedule=r["lr_schedule"], quick=quick, device="cpu", max_grad_norm=r["max_grad_norm"],
                  cuda_graph=False, loaders=loaders, data_path="dataloader (their torchvision transforms)")


def run(name: str, seed: int, root=None, out=OUT, quick: bool = False) -> dict:
    """One seeded run of a public recipe on the test set; writes <out>/<name>_seed<seed>.json."""
    r = RECIPES[name]
    seeded = build(name, seed, root, quick)
    seeded.fit()
    with tempfile.TemporaryDirectory() as tmp:
        record = seeded.save(tmp, recipe=name, source=r["source"])
        Path(out).mkdir(parents=True, exist_ok=True)
        shutil.copy(utils.results_path(0, tmp), Path(out) / f"{name}_seed{seed}.json")
    return record


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("recipe", choices=sorted(RECIPES))
    p.add_argument("--seeds", type=int, nargs="+", default=[1])
    p.add_argument("--out", default=str(OUT))
    p.add_argument("--data-root", help="folder holding MNIST/raw/ (default: $MNIST_ROOT, else ./data)")
    p.add_argument("--quick", action="store_true", help="smoke mode: one epoch on 2,000 images")
    args = p.parse_args(argv)
    for seed in args.seeds:
        if (Path(args.out) / f"{args.recipe}_seed{seed}.json").exists() and not args.quick:
            print(f"{args.recipe} seed {seed}: kept (delete the file to re-run)")
            continue
        record = run(args.recipe, seed, args.data_root, args.out, args.quick)
        s = utils.summarize(record)
        print(f"{args.recipe} seed {seed}: params {s['params']:,}, last 3 test {s['last']}, "
              f"{'meets' if utils.meets_target(record) else 'misses'} the target", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
