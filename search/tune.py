"""Try a recipe variant on the validation split (never the test set) -> runs/tuning/NAME.json
(results/tuning/ with --publish).

  python -m search.tune nodrop_mild --model Model4 --config \
      '{"model_kwargs": {"dropout": 0.0}, "augment": {"degrees": 5, "shift": 1}, "optimizer": {...}, ...}'

--config holds keyword arguments of s7/studies/recipe.py's SeededRun (JSON); the last 5,000 training images are
held out and evaluated on. --model names a class of models.py or of s7/studies/candidates.py (the
architectures tried and not adopted). TUNING.md's round tables are generated from these files.
"""
import argparse
import json
import sys

import models
from s7.core.places import variant_path
from s7.core.target import summarize
from s7.studies import candidates
from s7.studies.recipe import VALIDATION_HOLDOUT, SeededRun, save_as
from s7.studies.rounds import OUT
from s7.studies.study_options import add_study_arguments, study_out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", help="the variant's name: <out>/NAME.json")
    p.add_argument("--model", default="Model4", help="a class of models.py or s7/studies/candidates.py")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--config", required=True, help="JSON of SeededRun keyword arguments (s7/studies/recipe.py)")
    add_study_arguments(p, OUT)
    args = p.parse_args(argv)
    model_cls = getattr(models, args.model, None) or getattr(candidates, args.model, None)
    if not isinstance(model_cls, type):
        p.error(f"unknown model {args.model}: choose one of Model1 ... Model6, Candidate, Separable, Net")
    config = json.loads(args.config)
    seeded = SeededRun(model_cls, seed=args.seed, holdout=config.pop("holdout", VALIDATION_HOLDOUT), quick=args.quick,
                    data_root=args.data_root, **config)
    seeded.train()
    record = save_as(seeded, variant_path(args.name, study_out(args, OUT)))     # notebook 0: a search run, not a notebook's
    s = summarize(record)
    print(f"{args.name}: params {s['params']:,}, {seeded.loaders.eval_split} last 3 {s['last']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
