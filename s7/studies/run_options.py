"""The options of python -m scripts.run, and the combinations it refuses before anything trains."""
from __future__ import annotations

import argparse

from s7.core.data_checks import DATA_ROOT_HELP
from s7.core.places import RUNS
from s7.studies.notebooks import NOTEBOOKS
from s7.studies.recipe import VALIDATION_HOLDOUT


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"error: {message} (see --help)\n")


def parse_args(argv=None, description: str | None = None):
    """The runner's options, each combination checked before anything trains (an error names the fix)."""
    p = OneLineParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--notebook", type=int, help="the notebook to run, 1-6 (S7_Model_N.ipynb)")
    what.add_argument("--all", action="store_true", help="run notebooks 1-6 in order")
    what.add_argument("--report", action="store_true",
                      help="regenerate the README tables and plots and the notebooks' Results cells from results/")
    p.add_argument("--seed", type=int, help="override the notebook's seed")
    p.add_argument("--seeds", type=int, nargs="+", help="run once per seed into <out>/seeds/")
    p.add_argument("--epochs", type=int, help="override the notebook's number of epochs")
    p.add_argument("--quick", action="store_true", help="smoke mode: one epoch on a small subset")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", default=[],
                   help="change a parameter of the notebook's parameters cell for this run (a Python literal; "
                        "NAME.key=VALUE for one key of a dict); with --seeds, the change is judged by the one rule")
    p.add_argument("--baseline-here", action="store_true",
                   help="with --set and --seeds: also run the unchanged recipe at the same seeds on this machine "
                        "and judge the change against those runs instead of the published ones")
    p.add_argument("--validate", action="store_true",
                   help=f"hold out the last {VALIDATION_HOLDOUT} training images and evaluate on them")
    p.add_argument("--out", help=f"write the executed notebook and results here (default: {RUNS.name}/)")
    p.add_argument("--publish", action="store_true",
                   help="write results/ and the saved notebook: the published record (maintainers)")
    p.add_argument("--data-root", help=DATA_ROOT_HELP)
    p.add_argument("--silent", action="store_true", help="do not echo the notebook's output")
    args = p.parse_args(argv)
    if args.notebook is not None and args.notebook not in NOTEBOOKS:
        p.error(f"unknown notebook {args.notebook}: choose 1-6")
    for seed in ([args.seed] if args.seed is not None else []) + (args.seeds or []):
        if not 0 <= seed < 2**32:
            p.error(f"bad seed {seed}: use a whole number from 0 to 2**32 - 1")
    if args.epochs is not None and not 1 <= args.epochs <= 100:
        p.error(f"bad --epochs {args.epochs}: use 1-100")
    if args.seeds and args.seed is not None:
        p.error("give --seed or --seeds, not both")
    if args.publish and args.out:
        p.error("give --publish (results/) or --out DIR, not both")
    if args.report and (args.publish or args.out or args.quick or args.validate or args.seeds or args.seed is not None
                        or args.epochs is not None or args.set or args.baseline_here):
        p.error("--report regenerates the tables from results/ and trains nothing: give it alone")
    if args.publish and args.validate:
        p.error("validation runs are not published: drop --publish (a --validate run goes to runs/validation/)")
    if args.publish and (args.quick or args.epochs is not None or args.seed is not None):
        p.error("only the notebook's own recipe is published: drop --quick, --epochs and --seed "
                "(a seed study is --seeds)")
    if args.publish and args.set and not args.seeds:
        p.error("a change is published as its seed runs: give --seeds with --set --publish")
    if args.baseline_here and not (args.set and args.seeds):
        p.error("--baseline-here goes with --set and --seeds: it runs the unchanged recipe at the same seeds")
    if args.set and args.all:
        p.error("--set changes one notebook's parameters: give --notebook N, not --all")
    return args
