"""What each change buys, one change at a time: train the rows of the ladders in s7/studies/ladders.py, each
at seeds 1-5 on the test set. These runs report; they choose nothing.

  python -m search.ablation --publish                       # every row not yet run -> results/ablation/
  python -m search.ablation --ladder step4 --publish        # one ladder
  python -m search.ablation --rows onecycle --seeds 1       # -> runs/ablation/ (not published)
"""
from __future__ import annotations

import argparse
import sys

from s7.core.places import STUDY_SEEDS
from s7.studies.ladders import LADDERS, OUT, rows, train_seed
from s7.studies.study_options import add_study_arguments, seeded_runs, study_out


def main(argv=None) -> int:
    trained = {ladder: [r for r in rows(ladder) if r["runs_here"]] for ladder in LADDERS}
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ladder", nargs="+", choices=LADDERS, default=list(LADDERS), help="default: every ladder")
    p.add_argument("--rows", nargs="+", choices=[r["name"] for rs in trained.values() for r in rs],
                   help="default: every trained row of the ladders")
    p.add_argument("--seeds", type=int, nargs="+", default=list(STUDY_SEEDS))
    add_study_arguments(p, OUT)
    args = p.parse_args(argv)
    out = study_out(args, OUT)
    for row in (r for ladder in args.ladder for r in trained[ladder] if not args.rows or r["name"] in args.rows):
        seeded_runs(row["name"], args.seeds, out,
                    train=lambda seed, row=row: train_seed(row, seed, root=args.data_root, out=out, quick=args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
