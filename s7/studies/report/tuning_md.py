"""TUNING.md's generated tables: one per search round, each reading only that round's runs.

Rounds 1-6 are the files of results/tuning/ named by their prefix (no prefix: round 1); rounds
7-12 are the candidates and rules of s7/studies/rounds.py. Also each notebook on the validation
split, the test seeds of the rounds' picks and the size sweep.
"""
from __future__ import annotations

import inspect

import models
from s7.core.numbers import mean, pct, pooled_last
from s7.core.places import RESULTS_DIR, VALIDATION
from s7.core.records import trained_weights
from s7.core.target import meets_target, summarize
from s7.studies.notebooks import NOTEBOOKS
from s7.studies.record_sets import notebook_record, round_runs, size_groups, tested_picks
from s7.studies.report.seed_table import seed_table
from s7.studies.rounds import MIN_BAR, ROUNDS, recipe_change, round_decision

EARLY_ROUNDS = ("round1", "round2", "round3", "round4", "round5")
MODEL6_WIDTHS = inspect.signature(models.Model6).parameters["widths"].default


def describe(r: dict) -> tuple[str, str, str]:
    """A run's model settings, augmentation and schedule, in words."""
    sched = r["lr_schedule"] or {}
    schedule = f"{sched.get('name', 'constant')} max {sched['max_lr']}" if "max_lr" in sched else sched.get("name", "constant")
    if sched.get("anneal_strategy") == "linear":
        schedule += ", linear anneal"
    if r.get("ema_decay"):
        schedule += f", weight average {r['ema_decay']}"
    if r.get("label_smoothing"):
        schedule += f", label smoothing {r['label_smoothing']}"
    aug = r["augment"]
    augment = f"±{aug['degrees']}°, ±{aug['shift']} px" if aug else "none"
    if aug and aug.get("scale"):
        augment += f", scale ±{aug['scale']:.0%}"
    if aug and aug.get("p", 1.0) < 1:
        augment += f", p {aug['p']}"
    if aug and aug.get("interpolation", "bilinear") != "bilinear":
        augment += f", {aug['interpolation']}"
    kwargs = ", ".join(f"{k}={v}" for k, v in (r.get("model_kwargs") or {}).items()) or "defaults"
    return f"{r['model']}({kwargs})", augment, schedule


def runs_table(round_name: str) -> str:
    """Rounds 1-5: each candidate of the round (its files in results/tuning/), its seeds pooled."""
    runs = round_runs(round_name)
    if not runs:
        return f"*No runs of {round_name} in results/tuning/.*"
    rows = ["| Candidate | Model settings | Augmentation | Schedule | Batch | Seeds | Params | Val mean of last 3 % "
            "| Val min % |", "|---|---|---|---|---:|---|---:|---:|---:|"]
    for name, records in runs.items():
        model, augment, schedule = describe(records[0])
        lasts = pooled_last(records)
        rows.append(f"| {name} | {model} | {augment} | {schedule} | {records[0]['batch_size']} | "
                    f"{', '.join(str(r['seed']) for r in records)} | {records[0]['params']:,} | {mean(lasts):.3f} | "
                    f"{min(lasts):.2f} |")
    return "\n".join(rows)


def averaging_table() -> str:
    """Round 6: the weight-average runs on validation, each beside the trained weights of the same run."""
    records = [r for runs in round_runs("round6").values() for r in runs]
    if not records:
        return "*No runs of round6 in results/tuning/.*"
    rows = ["| Seed | Trained weights, val last 3 % | Weight average, val last 3 % | Mean, trained | Mean, average |",
            "|---:|---|---|---:|---:|"]
    for r in sorted(records, key=lambda r: r["seed"]):
        trained, avg = summarize(trained_weights(r))["last"], summarize(r)["last"]
        rows.append(f"| {r['seed']} | {pct(trained)} | {pct(avg)} | {mean(trained):.2f} | {mean(avg):.2f} |")
    rows.append("")
    for label, group in (("seeds 1-4", [r for r in records if r["seed"] <= 4]),
                         ("seeds 5-8", [r for r in records if r["seed"] > 4])):
        if group:
            trained, avg = pooled_last(map(trained_weights, group)), pooled_last(group)
            rows.append(f"- {label}: trained weights mean {mean(trained):.3f}%, worst {min(trained):.2f}%; "
                        f"weight average mean {mean(avg):.3f}%, worst {min(avg):.2f}%")
    return "\n".join(rows)


def validation_table() -> str:
    """Each notebook's recipe on the validation split (results/validation/), beside its test figures."""
    rows = ["| Step | Validation: best % | Validation: last 3 % | Test: last 3 % (seed 1) |", "|---|---:|---|---|"]
    for notebook in NOTEBOOKS:
        val, record = notebook_record(notebook, RESULTS_DIR / VALIDATION), notebook_record(notebook)
        if val and record:
            v = summarize(val)
            rows.append(f"| {notebook} | {v['best_eval']:.2f} | {pct(v['last'])} | {pct(summarize(record)['last'])} |")
    return "\n".join(rows)


def round_table(round_name: str) -> str:
    """Rounds 7-12: each candidate's figures and what the round's rule decided."""
    v = round_decision(round_name)
    ran = set(round_runs(round_name))
    rows = ["| Candidate | Layout (`candidates.Net`) | Recipe change | Params | MACs/img | Seeds | Val mean of last 3 % "
            "| Val min % | Qualifies |", "|---|---|---|---:|---:|---|---:|---:|:---:|"]
    for name, c in ROUNDS[round_name]["candidates"].items():
        kw = c["config"]["model_kwargs"]
        start = f"| {name} | `{kw['spec']}`, head {kw['head']} | {recipe_change(c['config'])} |"
        if name in v["rows"]:
            r = v["rows"][name]
            seeds = (f"{min(r['seeds'])}-{max(r['seeds'])}" if r["complete"]
                     else f"{', '.join(map(str, r['seeds']))} (ruled out: a last-3 accuracy under {MIN_BAR:.2f})")
            rows.append(f"{start} {r['params']:,} | {r['macs']:,} | {seeds} | {r['mean']:.3f} | "
                        f"{r['min']:.2f} | {'yes' if name in v['qualified'] else 'no'} |")
        else:
            rows.append(f"{start} | | {'incomplete' if name in ran else 'not run'} | | | |")
    if v["pending"]:
        decided = (f"undecided: {len(v['pending'])} of the candidates the rule could still prefer have not run "
                   f"({', '.join(v['pending'])}).")
    else:
        decided = (f"{v['chosen'] or 'no candidate qualifies'}"
                   + (f" (the highest mean: {v['fallback']})." if v["fallback"] else "."))
    rows += ["", f"Rule, written before the runs: {v['rule']}", "", f"Verdict: {decided}"]
    return "\n".join(rows)


def sizes_table(notebook: int = 6) -> str:
    """How far down the final recipe holds: Model6 at smaller widths, 5 seeds each, on the test set."""
    groups = size_groups(notebook)
    if len(groups) < 2:
        return "*No size sweep yet (see `search/tune.py` with `--out results/sizes`).*"
    rows = ["| Params | MACs/img | Widths | Seeds | Seeds meeting the target | Mean of last 3 % | Min of last 3 % |",
            "|---:|---:|---|---|:---:|---:|---:|"]
    for params, records in groups.items():
        widths = (records[0].get("model_kwargs") or {}).get("widths") or f"{list(MODEL6_WIDTHS)} (Model6)"
        lasts = pooled_last(records)
        seeds = ", ".join(str(r["seed"]) for r in sorted(records, key=lambda r: r["seed"]))
        rows.append(f"| {params:,} | {records[0]['macs']:,} | {widths} | {seeds} | "
                    f"{sum(map(meets_target, records))} of {len(records)} | {mean(lasts):.2f} | {min(lasts):.2f} |")
    return "\n".join(rows)


def tuning_blocks() -> dict:
    return {**{name: runs_table(name) for name in EARLY_ROUNDS}, "averaging": averaging_table(),
            "validation": validation_table(), **{name: round_table(name) for name in ROUNDS},
            **{f"{name}_test": seed_table(records) for name, records in tested_picks().items()},
            "sizes": sizes_table()}
