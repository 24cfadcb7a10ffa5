"""README's and the notebooks' tables of the six steps: each step's figures, its seed study, the
difference from the step before, step 6's seed table and the robustness table."""
from __future__ import annotations

import json

import utils

from ..notebooks import NOTEBOOKS, step_title
from ..record_sets import fit_gaps, load_notebook, seed_means, study_records
from ..records import mean, meets_target, pct, pooled_last, summarize, trained_weights
from ..robustness import ROBUSTNESS
from ..verdict import CLEAR_GAIN, CLEAR_LOSS, NOISE, difference_words, fit_reading, points
from .differences import fit_difference, step_difference


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


FIT_WORDS = {CLEAR_GAIN: "clearly wider", CLEAR_LOSS: "clearly narrower", NOISE: NOISE}   # the rule's verdict on a gap


def fit_table() -> str:
    """Per step, over seeds 1-5: the kept weights on the clean training images, the test set at the last
    epoch, the gap between them, and the gap against the step before's by the one rule."""
    rows = ["| Step | Clean training images %, mean | Test % (last epoch), mean | Gap, points: mean (seeds' range) | Reading | "
            "Gap against the step before (95% interval): verdict |", "|---|---:|---:|---|---|---|"]
    for notebook in NOTEBOOKS:
        fitted = [r for r in study_records(notebook) if "clean_train_acc" in r]
        if not fitted:
            rows.append(f"| {notebook} | not recorded | | | | |")
            continue
        gaps = fit_gaps(notebook)
        d = fit_difference(notebook) if notebook > 1 else None
        against = f"{points(d.mean)} ({points(d.low)} to {points(d.high)}): {FIT_WORDS[d.verdict]}" if d else ""
        seeds = "" if len(fitted) == 5 else f" ({len(fitted)} seed{'s' if len(fitted) > 1 else ''})"
        clean, test = mean(r["clean_train_acc"] for r in fitted), mean(r["history"]["test_acc"][-1] for r in fitted)
        rows.append(f"| {notebook}{seeds} | {clean:.2f} | {test:.2f} | {mean(gaps.values()):.2f} "
                    f"({min(gaps.values()):.2f} to {max(gaps.values()):.2f}) | {fit_reading(clean, test)} | {against} |")
    return "\n".join(rows)


def fit_line(notebook: int) -> str | None:
    """A Results cell's line on the fit across seeds 1-5 (README's fit table)."""
    gaps = fit_gaps(notebook)
    if len(gaps) < 2:
        return None
    line = (f"The fit across {len(gaps)} seeds (README's fit table): a gap of {mean(gaps.values()):.2f} points on "
            f"average ({min(gaps.values()):.2f} to {max(gaps.values()):.2f})")
    d = fit_difference(notebook) if notebook > 1 else None
    if d:
        line += (f"; against step {notebook - 1}'s gap, {points(d.mean)} points (95% interval {points(d.low)} to "
                 f"{points(d.high)}): {FIT_WORDS[d.verdict]}")
    return line + "."


def gains() -> str:
    lines = [gain_line(notebook) for notebook in list(NOTEBOOKS)[1:]]
    lines = [f"- {line}" for line in lines if line]
    return "\n".join(lines) if lines else "*No seed study yet: `python -m scripts.run --notebook N --seeds 1 2 3 4 5`.*"


def seed_table(records: list[dict]) -> str:
    """One row per seed of a recipe's runs and a summary line (trained weights beside an average)."""
    if not records:
        return "*No seed runs yet: `python -m scripts.run --notebook 6 --seeds 1 2 3 4 5`.*"
    averaged = all("raw_test_acc" in r["history"] for r in records)
    rows = ["| Seed | Last 3 test % | Mean of last 3 | Min of last 3 | Meets target |"
            + (" Trained weights (not averaged), last 3 % |" if averaged else ""),
            "|---:|---|---:|---:|:---:|" + ("---|" if averaged else "")]
    for r in records:
        s = summarize(r)
        rows.append(f"| {r['seed']} | {pct(s['last'])} | {sum(s['last']) / 3:.2f} | "
                    f"{s['min_last']:.2f} | {'yes' if meets_target(r) else 'no'} |"
                    + (f" {pct(summarize(trained_weights(r))['last'])} |" if averaged else ""))
    lasts = pooled_last(records)
    params = sorted({r["params"] for r in records})
    rows += ["", f"{sum(map(meets_target, records))} of {len(records)} seeds "
                 f"({' or '.join(f'{p:,}' for p in params)} parameters) meet the target; over all "
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
    return "\n".join(rows) + f"\n\nTest accuracy (%) on the 10,000 test images under each perturbation, drawn with seed {data['seed']}."
