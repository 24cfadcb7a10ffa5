#!/usr/bin/env python3
"""Step 6's changes one at a time: from step 5's recipe, each row adds one of step 6's changes
to the row before, in the order step 6's Target lists them, and trains at seeds 1-5 on the test
set. These runs report; they choose nothing.

  python search/ablation.py                  # every row not yet run -> results/ablation/<row>_seed<S>.json
  python search/ablation.py --rows onecycle --seeds 1

Both ends are read from the notebooks' config cells (S7_Model_5.ipynb and S7_Model_6.ipynb), so the
rows cannot drift from the published recipes. The first row is step 5 itself (results/seeds/), and
the last two are step 6's own seed runs: Model6's trained weights (before the weight average) and
Model6 (the weight average).
"""
from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import models  # noqa: E402
import utils  # noqa: E402
from recipe import Recipe, add_study_arguments, save_as, seeded_runs, study_out  # noqa: E402
from run import notebook_parameters  # noqa: E402

OUT = utils.RESULTS_DIR / "ablation"
SEEDS = (1, 2, 3, 4, 5)


def recipe(params: dict) -> dict:
    """Recipe's keyword arguments from a notebook's config values."""
    schedule = params.get("LR_SCHEDULE")
    return dict(epochs=params["EPOCHS"], batch_size=params["BATCH_SIZE"],
                optimizer=dict(name="SGD", **params["OPTIMIZER"]),
                lr_schedule=dict(name="OneCycleLR", **schedule) if schedule else None,
                augment=params["AUGMENT"], ema_decay=params.get("EMA_DECAY", 0.0))


def sci(x: float) -> str:
    """1e-4 written as a person writes it (not 0.0001 or 1e-04)."""
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


ANNEAL = {"cos": "cosine", "linear": "linear"}


def rows() -> list[dict]:
    """The ladder from step 5 to step 6, one change a row. `trained`: the row is trained here
    (the others are step 5's and step 6's seed runs); `raw`: read the trained weights' accuracy.
    Each label is written from the config values its row runs with."""
    step5, step6 = notebook_parameters(5), notebook_parameters(6)
    r5, r6 = recipe(step5), recipe(step6)
    onecycle = dict(r5, lr_schedule=r6["lr_schedule"],
                    optimizer=dict(r5["optimizer"], lr=step6["LR_SCHEDULE"]["max_lr"]))
    nesterov = dict(onecycle, optimizer=r6["optimizer"])
    nodrop = dict(nesterov, model_kwargs={"dropout": 0.0})
    batch64 = dict(nodrop, batch_size=r6["batch_size"])
    widths5, widths6 = (inspect.signature(m).parameters["widths"].default for m in (models.Model5, models.Model6))
    wider = ", ".join(f"{a}→{b}" for a, b in zip(widths5, widths6) if a != b)
    schedule = step6["LR_SCHEDULE"]
    peak, anneal = schedule["max_lr"], ANNEAL[schedule.get("anneal_strategy", "cos")]
    decay = sci(step6["OPTIMIZER"]["weight_decay"])
    return [
        dict(name="step5", label="step 5", model="Model5", trained=False, files="seeds/S7_Model_5_seed{seed}.json",
             change=f"step 5 (Model5: constant rate {step5['OPTIMIZER']['lr']}, dropout, batch {step5['BATCH_SIZE']})"),
        dict(name="onecycle", label="+ OneCycle", change=f"+ OneCycle (peak {peak}, {anneal})", model="Model5",
             trained=True, recipe=onecycle),
        dict(name="nesterov_wd", label="+ Nesterov, decay", change=f"+ Nesterov momentum and weight decay {decay}",
             model="Model5", trained=True, recipe=nesterov),
        dict(name="nodropout", label="− dropout", change="− dropout", model="Model5", trained=True, recipe=nodrop),
        dict(name="batch64", label=f"+ batch {r6['batch_size']}", change=f"+ batch {r6['batch_size']}", model="Model5",
             trained=True, recipe=batch64),
        dict(name="wider", label="+ wider", change=f"+ wider fifth and sixth convolutions ({wider}): Model6's trained weights",
             model="Model6", trained=False, files="seeds/S7_Model_6_seed{seed}.json", raw=True),
        dict(name="average", label="+ average", change="+ the weight average (= Model6)", model="Model6", trained=False,
             files="seeds/S7_Model_6_seed{seed}.json"),
    ]


def row_path(row: dict, seed: int, results=utils.RESULTS_DIR) -> Path:
    if row["trained"]:
        return Path(results) / "ablation" / f"{row['name']}_seed{seed}.json"
    return Path(results) / row["files"].format(seed=seed)


def run(row: dict, seed: int, root=None, out=OUT, quick: bool = False) -> dict:
    """Train one row at one seed on the test set (the CPU, seeded); writes <out>/<row>_seed<seed>.json."""
    seeded = Recipe(getattr(models, row["model"]), seed=seed, quick=quick, data_root=root, device="cpu",
                    **row["recipe"])
    seeded.fit()
    return save_as(seeded, Path(out) / f"{row['name']}_seed{seed}.json", row=row["name"], change=row["change"])


def main(argv=None) -> int:
    trained = [r for r in rows() if r["trained"]]
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", nargs="+", choices=[r["name"] for r in trained], help="default: every trained row")
    p.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    add_study_arguments(p, OUT)
    args = p.parse_args(argv)
    out = study_out(args, OUT)
    for row in (r for r in trained if not args.rows or r["name"] in args.rows):
        seeded_runs(row["name"], args.seeds, out, lambda seed: run(row, seed, args.data_root, out, args.quick),
                    args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
