"""README's and the notebooks' tables of the six steps: each step's figures, its seed study, the
difference from the step before, step 6's seed table and the robustness table."""
from __future__ import annotations

import json

import utils

from ..notebooks import NOTEBOOKS, step_title
from ..record_sets import load_notebook, seed_means, study_records
from ..records import mean, meets_target, pct, pooled_last, summarize, trained_weights
from ..robustness import ROBUSTNESS
from ..verdict import difference_words, points
from .differences import step_difference


def steps_table() -> str:
    rows = ["| Step | Model | What changed | Params | MACs/img | Last 3 test % (seed 1) | 5 seeds: mean of last 3 | "
            "5 seeds: range of their means | Seeds meeting 99.40% | s/epoch |",
            "|---|---|---|---:|---:|---|---:|---|:---:|---:|"]
    for notebook in NOTEBOOKS:
        record = load_notebook(notebook)
        if record is None:
            rows.append(f"| {notebook} | Model{notebook} | {step_title(notebook)} | not run yet | | | | | | |")
            continue
        s = utils.summarize(record)
        seeds = study_records(notebook)
        if seeds:
            means = seed_means(notebook).values()
            seed_cells = (f"{mean(pooled_last(seeds)):.2f} | {min(means):.2f}-{max(means):.2f} | "
                          f"{sum(map(utils.meets_target, seeds))} of {len(seeds)}")
        else:
            seed_cells = "— | — | —"
        rows.append(f"| {notebook} | {record['model']} | {step_title(notebook)} | {s['params']:,} | {s['macs']:,} | {pct(s['last'])} | "
                    f"{seed_cells} | {s['sec_per_epoch']:.1f} |")
    return "\n".join(rows)


def gain_line(notebook: int) -> str | None:
    """A step against the step before by the one rule: the mean of the per-seed differences, its 95%
    interval and the verdict, then the differences themselves."""
    d = step_difference(notebook)
    if d is None:
        return None
    return (f"Step {notebook} vs {notebook - 1}: {difference_words(d)}; per seed "
            f"{', '.join(points(x) for x in d.diffs)}.")


def gains() -> str:
    lines = [gain_line(notebook) for notebook in list(NOTEBOOKS)[1:]]
    lines = [f"- {line}" for line in lines if line]
    return "\n".join(lines) if lines else "*No seed study yet: `python -m scripts.run --notebook N --seeds 1 2 3 4 5`.*"


def seed_table(records: list[dict]) -> str:
    """One row per seed of a recipe's runs and a summary line (trained weights beside an average)."""
    if not records:
        return "*No seed runs yet: `python -m scripts.run --notebook 6 --seeds 1 2 3 4 5`.*"
    averaged = all("raw_test_acc" in r["history"] for r in records)
    rows = ["| Seed | Params | Last 3 test % | Mean of last 3 | Min of last 3 | Meets target |"
            + (" Trained weights (not averaged), last 3 % |" if averaged else ""),
            "|---:|---:|---|---:|---:|:---:|" + ("---|" if averaged else "")]
    for r in records:
        s = summarize(r)
        rows.append(f"| {r['seed']} | {s['params']:,} | {pct(s['last'])} | {sum(s['last']) / 3:.2f} | "
                    f"{s['min_last']:.2f} | {'yes' if meets_target(r) else 'no'} |"
                    + (f" {pct(summarize(trained_weights(r))['last'])} |" if averaged else ""))
    lasts = pooled_last(records)
    rows += ["", f"{sum(map(meets_target, records))} of {len(records)} seeds meet the target; over all "
                 f"{len(lasts)} last-3 epochs: mean {mean(lasts):.2f}%, minimum {min(lasts):.2f}%."]
    if averaged:
        trained = [trained_weights(r) for r in records]
        raw = pooled_last(trained)
        rows[-1] += (f" The trained weights alone: {sum(map(meets_target, trained))} of {len(records)}, "
                     f"mean {mean(raw):.2f}%, minimum {min(raw):.2f}%.")
    return "\n".join(rows)


def robustness_table() -> str:
    if not ROBUSTNESS.exists():
        return "*Not computed yet: `python -m scripts.run --report` computes it from the committed weights.*"
    data = json.loads(ROBUSTNESS.read_text())
    names = list(next(iter(data["steps"].values())).keys())
    rows = ["| Step | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for notebook, accs in data["steps"].items():
        rows.append(f"| {notebook} | " + " | ".join(f"{accs[n]:.2f}" for n in names) + " |")
    return "\n".join(rows) + f"\n\nTest accuracy (%) on the 10,000 test images under each perturbation (seed {data['seed']})."
