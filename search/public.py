"""Public solutions' recipes re-run here on the test set, seeded, choosing nothing (s7/studies/public.py).

  python -m search.public public4968 --seeds 1 2 3    # -> runs/public/public4968_seed<S>.json
  python -m search.public public6128 --seeds 1 2 3 4 5 6 7 8 9 10 --publish    # -> results/public/
  python -m search.public public3762 --seeds 1 2 3 4 5 6 7 8 9 10 --publish    # pip install -r search/requirements.txt
  python -m search.public step6_on_3762 --seeds 1 2 3 4 5 6 7 8 9 10 --publish

The author's own code, run from their checkout: search/author_code.py.
"""
from __future__ import annotations

import argparse
import sys

from s7.studies.public import OUT, RECIPES, train_seed
from s7.studies.study_options import add_study_arguments, seeded_runs, study_out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("recipe", choices=sorted(RECIPES))
    p.add_argument("--seeds", type=int, nargs="+", default=[1])
    add_study_arguments(p, OUT)
    args = p.parse_args(argv)
    out = study_out(args, OUT)
    seeded_runs(args.recipe, args.seeds, out,
                train=lambda seed: train_seed(args.recipe, seed, root=args.data_root, out=out, quick=args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
