"""What python -m scripts.run does for one notebook: every run it asks for, each kept where it belongs,
and a change (--set) at several seeds judged by the one rule."""
from __future__ import annotations

import shutil
from pathlib import Path

from s7.core.places import RESULTS_DIR, RUNS, VALIDATION, change_path, seed_path
from s7.core.records import cpu_name, load_results
from s7.core.standing import device_kind, study_means
from s7.core.target import meets_target
from s7.core.verdict import difference_words, paired_difference, seed_mean
from s7.studies.runner import (execute_run, keep_notebook_run, keep_seed_run, keep_validation_run, parameter_overrides,
                               run_line)
from s7.studies.settings import RunError, apply_settings


def run_notebook(notebook: int, args) -> dict:
    """Every run one notebook asks for (one seed, or each of --seeds), each kept where it belongs; a
    change (--set) at several seeds then judged by the one rule."""
    dest = RESULTS_DIR if args.publish else Path(args.out) if args.out else RUNS
    changes = apply_settings(notebook, args.set)
    if args.set and not changes:
        raise RunError(f"--set {' '.join(args.set)} changes nothing: those are the notebook's own values")
    records = []
    # validation runs at several seeds keep to <out>/validation/: never beside the test-set runs of the same names
    runs_dest = dest / VALIDATION if args.validate else dest
    for seed in args.seeds or [args.seed]:
        params = {**parameter_overrides(seed, epochs=args.epochs, quick=args.quick, validate=args.validate), **changes}
        keep = (keep_change_run(notebook, args.set, seed=seed, dest=runs_dest) if changes and args.seeds
                else keep_seed_run(notebook, seed, runs_dest) if args.seeds
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
    note = machine_note(notebook, baseline, device_kind(records[0]))
    return line + (f"\n  note: {note}" if note else "")


def keep_change_run(notebook: int, settings: list[str], seed: int, dest: Path):
    """One seed of a change: <dest>/try_it/<change>_seed<S>.json."""
    def keep(nb, produced):
        path = change_path(notebook, settings, seed, dest)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(produced, path)
    return keep


def change_verdict(records: list[dict], baseline: dict[int, float], where: str) -> str:
    """A change at several seeds against the unchanged recipe at the same seeds, by the one rule."""
    changed = {r["seed"]: seed_mean(r) for r in records}
    d = paired_difference(baseline, changed)
    meeting = sum(map(meets_target, records))
    head = f"against {where}: "
    if d is None:
        return head + "fewer than 2 seeds in common, so no verdict (the rule pairs seeds by number)"
    return head + f"{difference_words(d)}; {meeting} of {len(records)} seeds meet the target"


def machine_note(notebook: int, seeds, device: str = "cpu") -> str | None:
    """Said when the published runs came from another kind of machine (another processor, or another kind
    of device than `device`, the changed runs' 'cpu' or 'cuda'): then a difference may be the machine's."""
    def machine(cpu: str, kind: str) -> str:
        return cpu if kind == "cpu" else f"{cpu} with {kind}"
    published = [load_results(seed_path(notebook, s)) for s in seeds if seed_path(notebook, s).exists()]
    kinds = {machine(r.get("cpu", "not recorded"), device_kind(r)) for r in published}
    here = machine(cpu_name(), device)
    if kinds <= {here}:
        return None
    return (f"the published runs came from another kind of machine ({', '.join(sorted(kinds))}; this one: {here}), "
            f"which rounds differently: add --baseline-here to run the unchanged recipe at the same seeds here and "
            f"compare with that")
