"""What each change buys, one change at a time, each row at seeds 1-5 on the test set. These runs
report; they choose nothing. Three ladders:

- step6: from step 5's recipe, each row adds one of step 6's changes to the row before, in the
  order step 6's Target lists them. The first row is step 5 itself (results/seeds/), the last two
  are step 6's own seed runs: Model6's trained weights (before the weight average) and Model6.
- step6_without: Model6's recipe with exactly one of its changes undone per row; the order of the
  cumulative ladder decides which change gets the credit there, and this one asks what the finished
  recipe still needs. The first row is Model6 itself, the last Model6's trained weights (no average).
- step4: from step 3's recipe, each row adds one of step 4's changes in the order its Target lists
  them (global average pooling with a 1x1 head in place of the 6x6 classifier; wider layers; a 1x1
  transition after the pool; dropout). The intermediate networks are the classes below, not
  models.py's. The first row is step 3 itself, the last step 4's seed runs.

Each ladder is data: its rows, each with the recipe it trains (search/ablation.py trains them) or
the files of the seed studies it reads.

Every recipe is read from the notebooks' parameters cells (S7_Model_3.ipynb ... S7_Model_6.ipynb), so the
rows cannot drift from the published recipes; every label is written from the values its row runs.
"""
from __future__ import annotations

import inspect
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

import models
from models import conv
from s7.core.places import ABLATION, RESULTS_DIR, seed_path, study_path
from s7.studies.notebooks import notebook_parameters
from s7.studies.recipe import SeededRun, notebook_recipe, save_as

OUT = RESULTS_DIR / ABLATION
LADDERS = ("step6", "step6_without", "step4")


class GapHead(nn.Module):
    """Step 4's first change on step 3's network: global average pooling and a 1x1 convolution in
    place of the 6x6 classifier; no transition, no dropout. `widths`: the five convolutions' channels
    (step 3's by default; step 4's wider ones for the next row)."""

    def __init__(self, widths=(8, 8, 12, 12, 10)):
        super().__init__()
        c1, c2, c3, c4, c5 = widths
        self.block1 = nn.Sequential(conv(1, c1, bn=True), conv(c1, c2, bn=True))           # c2 x 24x24, RF 5
        self.pool = nn.MaxPool2d(2)                                                         # c2 x 12x12, RF 6
        self.block2 = nn.Sequential(conv(c2, c3, bn=True), conv(c3, c4, bn=True),
                                    conv(c4, c5, bn=True))                                  # c5 x 6x6,   RF 18
        self.gap = nn.AdaptiveAvgPool2d(1)                                                  # c5 x 1x1,   RF 28
        self.classifier = nn.Conv2d(c5, 10, 1)

    def forward(self, x):
        x = self.block2(self.pool(self.block1(x)))
        return F.log_softmax(self.classifier(self.gap(x)).flatten(1), dim=1)


STUDY_MODELS = {"GapHead": GapHead}


def model_class(name: str):
    """A row's network: models.py's, or one of this study's intermediate networks."""
    return STUDY_MODELS.get(name) or getattr(models, name)


def sci(x: float) -> str:
    """1e-4 written as a person writes it (not 0.0001 or 1e-04)."""
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


ANNEAL = {"cos": "cosine", "linear": "linear"}


def rows(ladder: str = "step6") -> list[dict]:
    """A ladder's rows, one change a row. `runs_here`: the row is trained here (the others are a
    step's seed runs); `trained_weights`: read the trained weights' accuracy of a weight-average run. Each label
    is written from the config values its row runs with."""
    return {"step6": step6_rows, "step6_without": step6_without_rows, "step4": step4_rows}[ladder]()


def step6_rows() -> list[dict]:
    step5, step6 = notebook_parameters(5), notebook_parameters(6)
    r5, r6 = notebook_recipe(step5), notebook_recipe(step6)
    onecycle = dict(r5, lr_schedule=r6["lr_schedule"],
                    optimizer=dict(r5["optimizer"], lr=step6["LR_SCHEDULE"]["max_lr"]))
    nesterov = dict(onecycle, optimizer=r6["optimizer"])
    nodrop = dict(nesterov, model_kwargs={"dropout": 0.0})
    batch64 = dict(nodrop, batch_size=r6["batch_size"])
    widths5, widths6 = (default(m, "widths") for m in (models.Model5, models.Model6))
    wider = ", ".join(f"{a}→{b}" for a, b in zip(widths5, widths6) if a != b)
    schedule = step6["LR_SCHEDULE"]
    peak, anneal = schedule["max_lr"], ANNEAL[schedule.get("anneal_strategy", "cos")]
    decay = sci(step6["OPTIMIZER"]["weight_decay"])
    return [
        dict(name="step5", label="step 5", model="Model5", runs_here=False, study=5,
             change=f"step 5 (Model5: constant rate {step5['OPTIMIZER']['lr']}, dropout, batch {step5['BATCH_SIZE']})"),
        dict(name="onecycle", label="+ OneCycle", change=f"+ OneCycle (peak {peak}, {anneal})", model="Model5",
             runs_here=True, recipe=onecycle),
        dict(name="nesterov_wd", label="+ Nesterov, decay", change=f"+ Nesterov momentum and weight decay {decay}",
             model="Model5", runs_here=True, recipe=nesterov),
        dict(name="nodropout", label="− dropout", change="− dropout", model="Model5", runs_here=True, recipe=nodrop),
        dict(name="batch64", label=f"+ batch {r6['batch_size']}", change=f"+ batch {r6['batch_size']}", model="Model5",
             runs_here=True, recipe=batch64),
        dict(name="wider", label="+ wider", change=f"+ wider fifth and sixth convolutions ({wider}): Model6's trained weights",
             model="Model6", runs_here=False, study=6, trained_weights=True),
        dict(name="average", label="+ average", change="+ the weight average (= Model6)", model="Model6", runs_here=False,
             study=6),
    ]


def step6_without_rows() -> list[dict]:
    """Model6's recipe with one change undone per row, each undone to step 5's value."""
    step5, step6 = notebook_parameters(5), notebook_parameters(6)
    r5, r6 = notebook_recipe(step5), notebook_recipe(step6)
    optimizer5, widths5 = r5["optimizer"], default(models.Model5, "widths")
    cycle = {k: default(torch.optim.lr_scheduler.OneCycleLR, k) for k in ("base_momentum", "max_momentum")}
    rate = optimizer5["lr"]
    dropout5 = default(models.Model5, "dropout")
    return [
        dict(name="model6", label="Model6", change="Model6 (step 6's recipe, every change in)", model="Model6",
             runs_here=False, study=6),
        dict(name="without_onecycle", label="− OneCycle", change=f"− OneCycle: a constant rate {rate}", model="Model6",
             runs_here=True, recipe=dict(r6, lr_schedule=None, optimizer=dict(r6["optimizer"], lr=rate))),
        dict(name="without_nesterov_wd", label="− Nesterov, decay",
             change="− Nesterov momentum and weight decay: plain momentum, which OneCycle cycles "
                    f"{cycle['max_momentum']}-{cycle['base_momentum']}",
             model="Model6", runs_here=True, recipe=dict(r6, optimizer=dict(r6["optimizer"], nesterov=False, weight_decay=0.0))),
        dict(name="without_nodropout", label="+ dropout", change=f"dropout back ({dropout5})", model="Model6", runs_here=True,
             recipe=dict(r6, model_kwargs={"dropout": dropout5})),
        dict(name="without_batch64", label=f"batch {r5['batch_size']}", change=f"batch {r5['batch_size']} in place of "
             f"{r6['batch_size']}", model="Model6", runs_here=True, recipe=dict(r6, batch_size=r5["batch_size"])),
        dict(name="without_wider", label="step 5's widths", change="step 5's widths (" + ", ".join(map(str, widths5[-2:]))
             + " in the last two convolutions)", model="Model6", runs_here=True,
             recipe=dict(r6, model_kwargs={"widths": list(widths5)})),
        dict(name="without_average", label="− average", change="− the weight average: Model6's trained weights",
             model="Model6", runs_here=False, study=6, trained_weights=True),
    ]


def step4_rows() -> list[dict]:
    """From step 3's recipe (which step 4 keeps), step 4's model changes one at a time."""
    r3 = notebook_recipe(notebook_parameters(3))
    widths4 = default(models.Model4, "widths")           # c1, c2, transition, c3, c4, c5
    wide = (widths4[0], widths4[1], widths4[3], widths4[4], widths4[5])
    dropout4 = default(models.Model4, "dropout")
    return [
        dict(name="step3", label="step 3", change="step 3 (Model3: a 6x6 convolution as classifier)", model="Model3",
             runs_here=False, study=3),
        dict(name="step4_gap", label="+ GAP head", change="+ global average pooling and a 1x1 head in place of the 6x6 "
             "classifier", model="GapHead", runs_here=True, recipe=r3),
        dict(name="step4_wider", label="+ wider", change="+ wider: " + ", ".join(map(str, wide)) + " channels",
             model="GapHead", runs_here=True, recipe=dict(r3, model_kwargs={"widths": list(wide)})),
        dict(name="step4_transition", label="+ 1x1 transition", change=f"+ a 1x1 transition to {widths4[2]} channels "
             "after the pool", model="Model4", runs_here=True, recipe=dict(r3, model_kwargs={"dropout": 0.0})),
        dict(name="step4", label="+ dropout (= Model4)", change=f"+ dropout {dropout4} after every block (= Model4)",
             model="Model4", runs_here=False, study=4),
    ]


def default(model_cls, name: str):
    return inspect.signature(model_cls).parameters[name].default


def row_path(row: dict, seed: int, results=RESULTS_DIR) -> Path:
    """Where a row's run at a seed is: its own file under ablation/, or that seed of its step's seed study."""
    if row["runs_here"]:
        return study_path(row["name"], seed, Path(results) / ABLATION)
    return seed_path(row["study"], seed, results)


def train_seed(row: dict, seed: int, root=None, out=OUT, quick: bool = False) -> dict:
    """Train one row at one seed on the test set (the CPU, seeded); writes <out>/<row>_seed<seed>.json."""
    seeded = SeededRun(model_class(row["model"]), seed=seed, quick=quick, data_root=root, device="cpu",
                    **row["recipe"])
    seeded.train()
    return save_as(seeded, study_path(row["name"], seed, out), row=row["name"], change=row["change"])
