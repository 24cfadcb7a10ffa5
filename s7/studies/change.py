"""What python -m scripts.run does for one notebook: every run it asks for, each kept where it belongs,
and a change (--set) at several seeds judged by the one rule."""
from __future__ import annotations

from pathlib import Path

from s7.core.places import RESULTS_DIR, RUNS
from s7.core.standing import study_means
from s7.core.verdict import seed_mean
from s7.studies.runner import (
    RunError,
    apply_settings,
    change_verdict,
    execute_run,
    keep_change_run,
    keep_notebook_run,
    keep_seed_run,
    keep_validation_run,
    machine_note,
    parameter_overrides,
    run_line,
)


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
    if args.baseline_here:                     # the unchanged recipe: --out DIR/seeds/ (default runs/seeds/), never results/
        out = Path(args.out) if args.out else RUNS
        baseline = {}
        for seed in seeds:
            params = parameter_overrides(seed, epochs=args.epochs, quick=args.quick, validate=args.validate)
            record = execute_run(notebook, params, echo=not args.silent, keep=keep_seed_run(notebook, seed, out))
            baseline[seed] = seed_mean(record)
        return change_verdict(records, baseline, "the unchanged recipe run here at the same seeds")
    baseline = study_means(notebook, seeds)
    line = change_verdict(records, baseline, "the published seed study (results/seeds/) at the same seeds")
    note = machine_note(notebook, baseline)
    return line + (f"\n  note: {note}" if note else "")
