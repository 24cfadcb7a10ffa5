"""Public solutions' recipes re-run here on the test set, seeded, choosing nothing.

search/public.py trains them.

Each solution's files were read with the search tool and written again here; what this project
adds is a fixed seed (torch's RNG and the loader's order) and the test set scored after every epoch.
The epoch loop is s7/studies/recipe.py's, with the solution's own DataLoader (its torchvision
transforms, per image with PIL) in place of the project's loaders.

public4968: Shankarganesh127/TSAI_ERAv4_mnist_model_improved_S6 at 6d807a8, the commit of its
published log (logs/training.log): model_v3.py (its Net and set_config_v3), train_test.py (the loop)
and data_setup.py (the loaders; unchanged there since d6ca424): the 4,968-parameter network (padded
4-8 at 28x28, pool, padded 10-16, pool, 1x1 to 8, padded 16, 1x1 to 10, a bare 3x3, 5x5 average pool);
SGD lr 0.065 momentum 0.9; OneCycleLR per batch (max 0.065, pct_start 0.1, div_factor 5,
final_div_factor 100, cosine); gradient norm clipped at 2.0; batch 64 (test 1000); 15 epochs;
RandomRotation(±15°, fill 0) then RandomAffine(0, translate 10%): data_setup.py's
get_train_transforms(), which builds its training set. model_v3.py also passes ±5° / 3% transforms;
they are stored and logged, never used.

public3762: adilsammar/woolly-of-cv at 7ade209, the commit its notebook was added with (the package
changed later: at 36202af `train` is a factory and the rate table lost a point), files
assets/mnist/mnist/{model,backpropagation,scheduler,transform,dataset,utils,training}.py (its Net,
initialize_weights, train and test, get_sgd_optimizer, one_cycle_lr_pt, one_cycle_lr_custom,
get_a_train_transform, MnistDataset) and assets/mnist/MNIST_ALBUMENTATION_3762_99.52.ipynb (what it
calls): the 3,762-parameter network (three blocks of three padded 3x3 conv -> BatchNorm -> ReLU, 4,
8 and 8 channels, max-pools after blocks 1 and 2, dropout 0.01 after each of them, global average
pool, a 1x1 conv to 10 classes; convolutions with biases; Xavier-uniform initialisation); SGD lr
0.05 with momentum 0 asked for, but momentum 0.95 trained with: the notebook builds a torch
OneCycleLR (max_lr 0.1, linear) it never steps, and building one sets the momentum (see
EpochTableLR); its rate table, np.interp over epochs [0, 2, 8, 12, 15] of [0.05, 0.1, 0.01, 0.005,
0], set per batch by its own counter; batch 32; 15 epochs; albumentations ShiftScaleRotate(0.09,
0.09, 7, p=0.5), RandomBrightnessContrast(p=0.5), run here with albumentations 1.0.0
(search/requirements.txt; the notebook names no version). Its published log: the same notebook's output.
search/author_code.py runs the author's own code from a checkout, to compare with this re-implementation.

step6_on_3762: the same layout, exactly as published, trained with step 6's recipe (notebook 6's
parameters cell: OneCycle peak 0.1 cosine, SGD with Nesterov momentum and weight decay 1e-4, batch 64,
±8° and ±2 px on the project's tensor loader, the weight average with BatchNorm re-measured) and
torch's default initialisation (step 6's). Declared here before its runs; nothing in it is tuned on
them. A point on the size frontier, not a candidate for Model6.

public6128: sunpau/ERA_V1_S7, model.py (its Net, "Model 6") and S7_final_model.ipynb (the
loaders and the training cell): the 6,128-parameter network (padded 8, 16, pool, 1x1 to 8, 8, 8,
16, 10, a bare 3x3, global average pool; each conv -> ReLU -> BatchNorm -> Dropout 0.1); Adam lr
0.01; StepLR step 6, gamma 0.1, per epoch; batch 64; 15 epochs; RandomRotation(±7°, fill 0).
Its test loader batches 64 and shuffles: the accuracy does not depend on either, so the test set
is scored 1,000 at a time here as for public4968.
"""
from __future__ import annotations

import importlib.metadata

import torch
import torch.nn as nn
import torch.nn.functional as F

from s7.core.loaders import QUICK_EVAL, QUICK_TRAIN, Loaders, TensorLoader, load_mnist_tensors
from s7.core.pil_loader import PILDataset
from s7.core.pixels import MEAN, STD
from s7.core.places import PUBLIC, RESULTS_DIR, study_path
from s7.studies.notebooks import notebook_parameters
from s7.studies.recipe import SCHEDULERS, SeededRun, notebook_recipe, save_as

OUT = RESULTS_DIR / PUBLIC


def conv_bn_relu(c_in, c_out, kernel=3, padding=1):
    """Their order: conv (no bias) -> BatchNorm -> ReLU."""
    return [nn.Conv2d(c_in, c_out, kernel, padding=padding, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


class Public4968(nn.Module):
    """model_v3.Net of the 4,968-parameter solution, layer for layer."""

    def __init__(self):
        super().__init__()
        unit = conv_bn_relu
        self.features = nn.Sequential(*unit(1, 4), *unit(4, 8), nn.MaxPool2d(2),          # 8x14x14
                                      *unit(8, 10), *unit(10, 16), nn.MaxPool2d(2),       # 16x7x7
                                      *unit(16, 8, kernel=1, padding=0), *unit(8, 16),                   # 16x7x7
                                      *unit(16, 10, kernel=1, padding=0), nn.Conv2d(10, 10, 3, bias=False),   # 10x5x5
                                      nn.AvgPool2d(5))

    def forward(self, x):
        return F.log_softmax(self.features(x).flatten(1), dim=1)


class Public6128(nn.Module):
    """model.Net ("Model 6") of the 6,128-parameter solution, layer for layer."""

    def __init__(self, dropout: float = 0.1):
        super().__init__()

        def conv_relu_bn_dropout(c_in, c_out, padding=0, drop=True):   # its order: conv (no bias) -> ReLU -> BatchNorm -> Dropout
            return [nn.Conv2d(c_in, c_out, 3, padding=padding, bias=False), nn.ReLU(), nn.BatchNorm2d(c_out),
                    *([nn.Dropout(dropout)] if drop else [])]

        unit = conv_relu_bn_dropout
        self.features = nn.Sequential(*unit(1, 8, 1), *unit(8, 16), nn.MaxPool2d(2),           # 16x13x13
                                      nn.Conv2d(16, 8, 1, bias=False),                         # 8x13x13
                                      *unit(8, 8), *unit(8, 8), *unit(8, 16), *unit(16, 10, drop=False),   # 10x5x5
                                      nn.Conv2d(10, 10, 3, bias=False), nn.AdaptiveAvgPool2d(1))

    def forward(self, x):
        return F.log_softmax(self.features(x).flatten(1), dim=1)


class Block3(nn.Module):
    """Their Block: three padded 3x3 conv (with bias) -> BatchNorm -> ReLU, then a max-pool if asked."""

    def __init__(self, c_in, c_out, pool=True):
        super().__init__()
        layers = []
        for i in range(3):
            layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU()]
        self.layers = nn.Sequential(*layers, *([nn.MaxPool2d(2, 2)] if pool else []))

    def forward(self, x):
        return self.layers(x)


class Public3762(nn.Module):
    """Net(norm='bn') of the 3,762-parameter solution, layer for layer; xavier=True applies its
    initialize_weights (Xavier-uniform conv weights, zero biases, BatchNorm 1 and 0)."""

    def __init__(self, dropout: float = 0.01, xavier: bool = True):
        super().__init__()
        self.block1, self.dropout1 = Block3(1, 4), nn.Dropout(dropout)      # 4x14x14
        self.block2, self.dropout2 = Block3(4, 8), nn.Dropout(dropout)      # 8x7x7
        self.block3 = Block3(8, 8, pool=False)                               # 8x7x7
        self.gap, self.classifier = nn.AdaptiveAvgPool2d(1), nn.Conv2d(8, 10, 1)
        if xavier:
            self.apply(xavier_init)

    def forward(self, x):
        x = self.dropout2(self.block2(self.dropout1(self.block1(x))))
        return F.log_softmax(self.classifier(self.gap(self.block3(x))).flatten(1), dim=1)


def xavier_init(m):
    if isinstance(m, nn.Conv2d):
        nn.init.xavier_uniform_(m.weight)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


class EpochTableLR:
    """Their CustomOneCycleLR: a rate per epoch from np.interp over EPOCHS of RATES, set after every
    batch from its own counter. The counter restarts at 1, so after the first epoch the rate moves
    every steps_per_epoch - 1 batches: epoch k + 1's rate begins k - 1 batches early, as theirs does.

    `unstepped`: the keyword arguments of the torch OneCycleLR their notebook builds first and never
    steps. Building it is not inert: with cycle_momentum (its default) OneCycleLR sets the SGD group's
    momentum to max_momentum, 0.95, and this table only ever writes 'lr'. So their published run
    trained with momentum 0.95, not the 0 their optimizer asks for; it is built here, the same way,
    so that the momentum comes from the same code path."""
    per_batch = True            # utils.train steps it after every batch

    def __init__(self, optimizer, steps_per_epoch: int, epochs: int, points=(0, 2, 8, 12, 15),
                 rates=(0.05, 0.1, 0.01, 0.005, 0.0), unstepped: dict | None = None):
        import numpy as np
        if unstepped is not None:
            torch.optim.lr_scheduler.OneCycleLR(optimizer, steps_per_epoch=steps_per_epoch, epochs=epochs, **unstepped)
        self.optimizer, self.steps_per_epoch = optimizer, steps_per_epoch
        self.table = [float(r) for r in np.interp(np.arange(epochs + 1), points, rates)]
        self.epoch = self.steps = 0
        optimizer.param_groups[0]["lr"] = self.table[0]

    def step(self):
        self.steps += 1
        if self.steps % self.steps_per_epoch == 0:
            self.steps = 1
            self.epoch += 1
        self.optimizer.param_groups[0]["lr"] = self.table[self.epoch]


SCHEDULERS["EpochTableLR"] = EpochTableLR     # SeededRun builds lr_schedule={"name": "EpochTableLR", ...}


def public3762_transform():
    """get_a_train_transform(), called on the uint8 image as a numpy array, with albumentations 1.0.0
    (search/requirements.txt). 1.x draws from Python's `random`, which the run seeds."""
    import albumentations as A
    from albumentations.pytorch import ToTensorV2
    return A.Compose([A.ShiftScaleRotate(shift_limit=0.09, scale_limit=0.09, rotate_limit=7, p=0.5),
                      A.RandomBrightnessContrast(p=0.5),
                      A.Normalize(mean=(MEAN,), std=(STD,)), ToTensorV2()])


class ArrayDataset(torch.utils.data.Dataset):
    """Their MnistDataset: each uint8 image as a numpy array through an albumentations pipeline."""

    def __init__(self, images, labels, transform):
        self.images, self.labels, self.transform = images.numpy(), labels, transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.transform(image=self.images[i])["image"], int(self.labels[i])


def public4968_transform():
    """data_setup.py's get_train_transforms(), the method its training set is built with (model_v3.py
    passes ±5° / 3% transforms too, which are stored and logged but never used)."""
    from torchvision import transforms as T
    return T.Compose([T.RandomRotation((-15.0, 15.0), fill=(0,)), T.RandomAffine(0, translate=(0.1, 0.1)),
                      T.ToTensor(), T.Normalize((MEAN,), (STD,))])


def public6128_transform():
    from torchvision import transforms as T
    return T.Compose([T.RandomRotation((-7.0, 7.0), fill=0), T.ToTensor(), T.Normalize((MEAN,), (STD,))])


RECIPES = {
    "public3762": dict(model=Public3762, batch_size=32, epochs=15, transform=public3762_transform,
                       optimizer=dict(name="SGD", lr=0.05),
                       lr_schedule=dict(name="EpochTableLR", points=[0, 2, 8, 12, 15],
                                        rates=[0.05, 0.1, 0.01, 0.005, 0.0],
                                        unstepped=dict(max_lr=0.1, anneal_strategy="linear")),
                       max_grad_norm=None,
                       source="adilsammar/woolly-of-cv at 7ade209 (the commit its notebook was added with): "
                              "assets/mnist/mnist/*.py, assets/mnist/MNIST_ALBUMENTATION_3762_99.52.ipynb",
                       packages=["albumentations"],     # beyond torch: its version goes in each results file
                       deviations=dict(
                           device="the CPU (theirs: a GPU)",
                           loader="the training set loaded in the main process (theirs: 4 worker processes, pinned memory)",
                           test="the test set scored 1,000 at a time, in order (theirs: 32, shuffled; the accuracy "
                                "depends on neither)",
                           seeding="torch's RNG, the loader's order and Python's random (the augmentation's draws) "
                                   "seeded with the run's seed (theirs: torch.manual_seed(1))",
                           versions="albumentations 1.0.0 (the notebook names no version and its kernel, Python 3.6.9, "
                                    "shows no install); torch as recorded (theirs: not printed)")),
    "step6_on_3762": dict(model=Public3762, model_kwargs={"xavier": False}, **notebook_recipe(notebook_parameters(6)),
                          max_grad_norm=None,
                          source="the layout of adilsammar/woolly-of-cv's 3,762-parameter Net, step 6's recipe",
                          deviations=dict(
                              layout="none: the layout as published",
                              training="step 6's recipe, with torch's default initialisation (step 6's) in place of its "
                                       "Xavier-uniform one")),
    "public4968": dict(model=Public4968, batch_size=64, epochs=15, transform=public4968_transform,
                       optimizer=dict(name="SGD", lr=0.065, momentum=0.9),
                       lr_schedule=dict(name="OneCycleLR", max_lr=0.065, pct_start=0.1, div_factor=5,
                                        final_div_factor=100, anneal_strategy="cos"),
                       max_grad_norm=2.0,
                       source="Shankarganesh127/TSAI_ERAv4_mnist_model_improved_S6 at 6d807a8 (the commit of its "
                              "log): model_v3.py, train_test.py, data_setup.py (unchanged there since d6ca424)",
                       deviations=dict(
                           device="the CPU, as theirs",
                           loader="the training set loaded in the main process (theirs: 2 worker processes)",
                           test="the test set scored 1,000 at a time, in order, as theirs",
                           seeding="torch's RNG and the loader's order seeded with the run's seed (theirs: none)",
                           versions="torch as recorded (theirs: not logged)")),
    "public6128": dict(model=Public6128, batch_size=64, epochs=15, transform=public6128_transform,
                       optimizer=dict(name="Adam", lr=0.01),
                       lr_schedule=dict(name="StepLR", step_size=6, gamma=0.1),
                       max_grad_norm=None,
                       source="sunpau/ERA_V1_S7 at ec920c2: model.py, S7_final_model.ipynb",
                       deviations=dict(
                           device="the CPU, as theirs",
                           loader="the training set loaded in the main process (theirs: 2 worker processes, pinned memory)",
                           test="the test set scored 1,000 at a time, in order (theirs: 64, shuffled; the accuracy "
                                "depends on neither)",
                           seeding="torch's RNG and the loader's order seeded with the run's seed (theirs: "
                                   "torch.manual_seed(1))",
                           versions="torch as recorded (theirs: Colab's, not printed)")),
}


def build(name: str, seed: int, root=None, quick: bool = False) -> SeededRun:
    """A public recipe as a seeded run: its model, its DataLoader (or, with step 6's recipe, the
    project's loaders), its optimizer and schedule."""
    r = RECIPES[name]
    common = dict(seed=seed, epochs=r["epochs"], batch_size=r["batch_size"], optimizer=r["optimizer"],
                  lr_schedule=r["lr_schedule"], quick=quick, device="cpu", max_grad_norm=r["max_grad_norm"],
                  cuda_graph=False, model_kwargs=r.get("model_kwargs"))
    if "transform" not in r:               # step 6's recipe: the notebooks' loaders and weight average
        return SeededRun(r["model"], augment=r["augment"], ema_decay=r["ema_decay"], data_root=root, **common)
    train_x, train_y = load_mnist_tensors(True, root)
    test_x, test_y = load_mnist_tensors(False, root)
    if quick:
        train_x, train_y, test_x, test_y = train_x[:QUICK_TRAIN], train_y[:QUICK_TRAIN], test_x[:QUICK_EVAL], test_y[:QUICK_EVAL]
    if name == "public3762":
        data, path = ArrayDataset(train_x, train_y, r["transform"]()), "dataloader (their albumentations)"
    else:
        data, path = PILDataset(train_x, train_y, r["transform"]()), "dataloader (their torchvision transforms)"
    loaders = Loaders(
        torch.utils.data.DataLoader(data, batch_size=r["batch_size"], shuffle=True,
                                    generator=torch.Generator().manual_seed(seed)),
        TensorLoader(test_x, test_y, batch_size=1000), "test")
    return SeededRun(r["model"], loaders=loaders, data_path=path, **common)


def train_seed(name: str, seed: int, root=None, out=OUT, quick: bool = False) -> dict:
    """One seeded run of a public recipe on the test set; writes <out>/<name>_seed<seed>.json."""
    seeded = build(name, seed, root=root, quick=quick)
    seeded.train()
    versions = {package: importlib.metadata.version(package) for package in RECIPES[name].get("packages", [])}
    # the optimizer's momentum at the end, read back from it: what public3762 trained with throughout (an
    # unstepped OneCycleLR set it); under a stepped OneCycleLR (public4968) it is only the last batch's
    momentum = seeded.optimizer.param_groups[0].get("momentum", seeded.optimizer.param_groups[0].get("betas"))
    if isinstance(momentum, tuple):          # Adam's betas: recorded as the list its JSON file reads back
        momentum = list(momentum)
    return save_as(seeded, study_path(name, seed, out), **recorded_fields(name), trained_momentum=momentum, **versions)


def deviation_words(deviations: dict) -> str:
    """A recipe's deviations from its author's run, in one line: 'device: ...; loader: ...; ...'."""
    return "; ".join(f"{what}: {how}" for what, how in deviations.items())


def recorded_fields(name: str) -> dict:
    """What a public re-run's results file records of where its recipe came from and how it deviates:
    the recipe's name, its source, its deviations and its training transforms (where it has its own)."""
    r = RECIPES[name]
    fields = dict(recipe=name, source=r["source"], deviations=deviation_words(r["deviations"]))
    if "transform" in r:
        fields["transforms"] = repr(r["transform"]())
    return fields
