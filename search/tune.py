#!/usr/bin/env python3
"""Try a recipe variant on the validation split (never the test set) -> results/tuning/NAME.json.

  python search/tune.py nodrop_mild --model Model4 --config \
      '{"model_kwargs": {"dropout": 0.0}, "augment": {"degrees": 5, "shift": 1}, "optimizer": {...}, ...}'

--config holds keyword arguments of scripts/recipe.py's Recipe (JSON); the last 5,000 training images are
held out and evaluated on. --model names a class of models.py or of search/candidates.py (the
architectures tried and not adopted). TUNING.md's round tables are generated from these files.
"""
import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]   # utils, models; recipe

import candidates  # noqa: E402  (search/ is on sys.path when this file runs)
import models      # noqa: E402
import utils       # noqa: E402
from recipe import Recipe  # noqa: E402

HOLDOUT = 5000


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", help="the variant's name: results/tuning/NAME.json")
    p.add_argument("--model", default="Model4", help="a class of models.py or search/candidates.py")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--config", required=True, help="JSON of Recipe keyword arguments (scripts/recipe.py)")
    p.add_argument("--out", default=str(utils.RESULTS_DIR / "tuning"))
    args = p.parse_args(argv)
    model_cls = getattr(models, args.model, None) or getattr(candidates, args.model, None)
    if not isinstance(model_cls, type):
        p.error(f"unknown model {args.model}: choose one of Model1 ... Model6, Candidate, Separable, Net")
    config = json.loads(args.config)
    with tempfile.TemporaryDirectory() as tmp:
        run = Recipe(model_cls, seed=args.seed, holdout=config.pop("holdout", HOLDOUT), **config)
        run.fit()
        run.save(tmp)          # notebook 0: a search run, not a notebook's
        Path(args.out).mkdir(parents=True, exist_ok=True)
        shutil.copy(utils.results_path(0, tmp), Path(args.out) / f"{args.name}.json")
    s = utils.summarize(run.record)
    print(f"{args.name}: params {s['params']:,}, {run.loaders.eval_split} last 3 {s['last']}")


if __name__ == "__main__":
    main()
