"""Run a notebook of the series headlessly, or regenerate the README from results/ (run from the repository's root).

  python -m scripts.run --notebook 1                 # execute S7_Model_1.ipynb -> runs/ (git-ignored)
  python -m scripts.run --notebook 1 --quick         # smoke mode: one epoch on 5,000 images -> runs/
  python -m scripts.run --all --quick --out DIR      # smoke-run every notebook into DIR
  python -m scripts.run --notebook 6 --seed 1234     # another seed -> runs/
  python -m scripts.run --notebook 6 --seeds 1 2 3 4 5   # a seed study -> runs/seeds/S7_Model_6_seed<S>.json
  python -m scripts.run --notebook 6 --validate      # hold out 5,000 training images -> runs/validation/
  python -m scripts.run --notebook 5 --set AUGMENT.degrees=15 --seeds 1 2 3   # your change, judged against the
                                                     # published seeds by the one rule -> runs/try_it/
  python -m scripts.run --notebook 6 --publish       # the maintainers': results/ and the saved notebook
  python -m scripts.run --report                     # README tables and plots, notebooks' Results cells

A run writes to runs/ (or --out) and then says how it compares with the published run of the same
recipe and seed; only --publish rewrites results/ and the notebook (s7/studies/runner.py).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from s7.core.data_checks import DATA_ROOT_HELP
from s7.core.places import RESULTS_DIR, RUNS
from s7.core.standing import study_means
from s7.core.verdict import seed_mean
from s7.studies.notebooks import NOTEBOOKS, NotebookError
from s7.studies.recipe import VALIDATION_HOLDOUT
from s7.studies.runner import (
    RunError,
    apply_settings,
    change_verdict,
    check_data_root,
    execute_run,
    keep_change_run,
    keep_notebook_run,
    keep_seed_run,
    keep_validation_run,
    machine_note,
    parameter_overrides,
    run_line,
)


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"error: {message} (see --help)\n")


def parse_args(argv=None):
    p = OneLineParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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


def run_notebook(notebook: int, args) -> dict:
    """Every run one notebook asks for (one seed, or each of --seeds), each kept where it belongs; a
    change (--set) at several seeds then judged by the one rule."""
    dest = RESULTS_DIR if args.publish else Path(args.out) if args.out else RUNS
    changes = apply_settings(notebook, args.set)
    if args.set and not changes:
        raise RunError(f"--set {' '.join(args.set)} changes nothing: those are the notebook's own values")
    records = []
    for seed in args.seeds or [args.seed]:
        params = {**parameter_overrides(seed, epochs=args.epochs, quick=args.quick, validate=args.validate), **changes}
        keep = (keep_change_run(notebook, args.set, seed=seed, dest=dest) if changes and args.seeds
                else keep_seed_run(notebook, seed, dest) if args.seeds
                else keep_validation_run(notebook, dest) if args.validate
                else keep_notebook_run(notebook, dest, args.publish))
        records.append(execute_run(notebook, params, echo=not args.silent, keep=keep, settings=args.set))
        print(run_line(records[-1], dest))
    if changes and args.seeds:
        print(judge_change(notebook, records, args))
    return records[-1]


def judge_change(notebook: int, records: list[dict], args) -> str:
    """The change's verdict: against the published seed study at the same seeds, or (--baseline-here)
    against the unchanged recipe run here at those seeds."""
    seeds = [r["seed"] for r in records]
    if args.quick or args.validate or args.epochs is not None:
        return "no verdict: these runs are not the published recipe with only your change (--quick, --validate or --epochs)"
    if args.baseline_here:
        baseline = {}
        for seed in seeds:
            params = parameter_overrides(seed, epochs=args.epochs, quick=args.quick, validate=args.validate)
            record = execute_run(notebook, params, echo=not args.silent, keep=keep_seed_run(notebook, seed, RUNS))
            baseline[seed] = seed_mean(record)
        return change_verdict(records, baseline, "the unchanged recipe run here at the same seeds")
    baseline = study_means(notebook, seeds)
    line = change_verdict(records, baseline, "the published seed study (results/seeds/) at the same seeds")
    note = machine_note(notebook, baseline)
    return line + (f"\n  note: {note}" if note else "")


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        if args.report:
            from s7.studies.report.regenerate import regenerate
            regenerate()
            return 0
        check_data_root(args.data_root)
        for notebook in (NOTEBOOKS if args.all else [args.notebook]):
            run_notebook(notebook, args)
    except (RunError, NotebookError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was copied into place", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
