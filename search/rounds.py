"""The validation search's rounds (s7/studies/rounds.py): run their candidates, or apply a round's rule.

  python -m search.rounds round7 [round8 ...] --jobs 16   # every candidate x seed via search/tune.py -> runs/tuning/
  python -m search.rounds round7 --publish                # -> results/tuning/ (the published record)
  python -m search.rounds round7 --verdict                # the round's rule on runs/tuning/ (--publish: results/tuning/)
"""
from __future__ import annotations

import argparse
import sys

from s7.studies.rounds import OUT, ROUNDS, round_decision, run_rounds
from s7.studies.study_options import study_out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("rounds", nargs="+", choices=sorted(ROUNDS), metavar="ROUND",
                   help=f"one or more of {', '.join(ROUNDS)}")
    p.add_argument("--jobs", type=int, default=1, help="runs at a time (one process each)")
    p.add_argument("--out", help="folder for the runs (default: runs/tuning/; with --publish, results/tuning/)")
    p.add_argument("--publish", action="store_true", help="write the published record")
    p.add_argument("--verdict", action="store_true",
                   help="apply the round's rule to the runs where the runs go (runs/tuning/, --publish, --out)")
    args = p.parse_args(argv)
    out = study_out(args, OUT)
    if args.verdict:
        for round_name in args.rounds:
            v = round_decision(round_name, out)
            print(round_name)
            for name, r in sorted(v["rows"].items(), key=lambda kv: kv[1]["params"]):
                note = "  qualifies" if name in v["qualified"] else ""
                if not r["complete"]:
                    note = f"  ruled out after seeds {', '.join(map(str, r['seeds']))}"
                print(f"  {name:<16}{r['params']:>6,} params {r['macs']:>9,} MACs  mean {r['mean']:.3f}  "
                      f"min {r['min']:.2f}{note}")
            if v["pending"]:
                print(f"  undecided: {len(v['pending'])} candidates the rule could still prefer have not run")
            else:
                print(f"  chosen: {v['chosen']}" if v["chosen"] else f"  none qualifies; highest mean: {v['fallback']}")
        return 0
    run_rounds(args.rounds, args.jobs, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
