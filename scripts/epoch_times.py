"""Time one training epoch of each step back to back, in one process on this machine (s7/studies/epoch_times.py).

  python -m scripts.epoch_times                 # about 5 minutes on 2 CPU cores -> runs/epoch_times.json
  python -m scripts.epoch_times --publish       # -> results/epoch_times.json (README's s/epoch column)
  python -m scripts.epoch_times --quick         # a smoke run on a small subset

Run it on an otherwise idle machine: anything else running slows some rounds.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from s7.core.data_checks import DATA_ROOT_HELP
from s7.core.places import EPOCH_TIMES, RUNS
from s7.studies.epoch_times import machine, measure, save


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3, help="timed epochs per step, after one warm-up (default 3)")
    p.add_argument("--quick", action="store_true", help="smoke mode: a small subset, one timed round")
    p.add_argument("--out", help=f"where to write epoch_times.json (default: {RUNS.name}/)")
    p.add_argument("--publish", action="store_true", help=f"write {EPOCH_TIMES.relative_to(EPOCH_TIMES.parents[1])}")
    p.add_argument("--data-root", help=DATA_ROOT_HELP)
    args = p.parse_args(argv)
    if args.publish and (args.quick or args.out):
        p.error("--publish writes the full measurement to results/: drop --quick and --out")
    result = measure(rounds=1 if args.quick else args.rounds, quick=args.quick, data_root=args.data_root)
    path = save(result, EPOCH_TIMES if args.publish else Path(args.out or RUNS) / EPOCH_TIMES.name)
    print(f"seconds per training epoch on {machine(result)} (median of {result['rounds']}, after a warm-up):")
    for name, step in result["steps"].items():
        print(f"  step {name}: {step['median_s']:.2f} s  ({', '.join(f'{s:.2f}' for s in step['epochs_s'])})")
    print(f"-> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
