"""README's and the notebooks' tables of the six steps: each step's figures, its seed study, the
difference from the step before, step 6's seed table and the robustness table."""
from __future__ import annotations

from s7.core.numbers import mean, pct, pooled_last
from s7.core.places import STUDY_SEEDS
from s7.core.standing import published_seeds, study_means
from s7.core.target import TARGET, meets_target, summarize
from s7.core.verdict import CLEAR_GAIN, CLEAR_LOSS, NOISE, difference_words, over_fitting, points, under_fitting
from s7.studies import epoch_times
from s7.studies.notebooks import NOTEBOOKS, step_title
from s7.studies.record_sets import clean_training, fit_gaps, notebook_record, study_records
from s7.studies.report.differences import clean_difference, fit_difference, step_difference


def steps_table() -> str:
    """One row per step; its s/epoch from the back-to-back timing (results/epoch_times.json), the machine
    named below the table, or a dash before that measurement."""
    times = epoch_times.load()
    rows = ["| Step | Model | What changed | Params | Multiply-adds/img | Last 3 test % (seed 1) | 5 seeds: mean of last 3 | "
            "5 seeds: range of their means | Seeds meeting 99.40% | s/epoch |",
            "|---|---|---|---:|---:|---|---:|---|:---:|---:|"]
    for notebook in NOTEBOOKS:
        record = notebook_record(notebook)
        if record is None:
            rows.append(f"| {notebook} | Model{notebook} | {step_title(notebook)} | not run yet | | | | | | |")
            continue
        s = summarize(record)
        seeds = study_records(notebook)
        if seeds:
            means = study_means(notebook, STUDY_SEEDS).values()
            seed_cells = (f"{mean(pooled_last(seeds)):.2f} | {min(means):.2f}-{max(means):.2f} | "
                          f"{sum(map(meets_target, seeds))} of {len(seeds)}")
        else:
            seed_cells = "— | — | —"
        seconds = f"{epoch_times.seconds_per_epoch(times, notebook):.1f}" if times else "—"
        rows.append(f"| {notebook} | {record['model']} | {step_title(notebook)} | {s['params']:,} | {s['macs']:,} | {pct(s['last'])} | "
                    f"{seed_cells} | {seconds} |")
    if times:
        rows += ["", time_note(times)]
    return "\n".join(rows)


def time_note(times: dict) -> str:
    """Where the s/epoch figures come from, the machine named, and what dropout costs there."""
    steps = times["steps"]
    return (f"s/epoch: one training epoch (no evaluation), the median of {times['rounds']} timed epochs after a warm-up, "
            f"every step in turn in one process on {epoch_times.machine(times)}, torch {times['torch']} "
            f"(`python -m scripts.epoch_times --publish`, `results/epoch_times.json`). Step 4 without its dropout: "
            f"{steps[epoch_times.NO_DROPOUT]['median_s']:.1f} s, so dropout costs "
            f"{steps['4']['median_s'] - steps[epoch_times.NO_DROPOUT]['median_s']:.1f} s an epoch on this CPU.")


def headline() -> str:
    """README's first claim, from step 6's seed study (every seed of it)."""
    seeds = published_seeds(max(NOTEBOOKS))
    if not seeds:
        return "*Step 6 has no seed study yet: `python -m scripts.run --notebook 6 --seeds 1 2 3 4 5 --publish`.*"
    lasts = pooled_last(seeds)
    return (f"**The result:** step 6's CNN, {seeds[0]['params']:,} parameters, meets the target at "
            f"**{sum(map(meets_target, seeds))} of {len(seeds)} seeds** (mean of the last 3 epochs over its {len(seeds)} seeds "
            f"{mean(lasts):.2f}%, lowest single epoch {min(lasts):.2f}%). **The target:** {TARGET}.")


def compact_table() -> str:
    """README's steps at a glance: six columns."""
    times = epoch_times.load()
    rows = ["| Step | What changed | Params | Mean of last 3 test %, seeds 1-5 | Seeds meeting the target | s/epoch |",
            "|---|---|---:|---:|:---:|---:|"]
    for notebook in NOTEBOOKS:
        record, seeds = notebook_record(notebook), study_records(notebook)
        if record is None or not seeds:
            rows.append(f"| {notebook} | {step_title(notebook)} | not run yet | | | |")
            continue
        seconds = f"{epoch_times.seconds_per_epoch(times, notebook):.1f}" if times else "—"
        rows.append(f"| {notebook} | {step_title(notebook)} | {record['params']:,} | {mean(pooled_last(seeds)):.2f} | "
                    f"{sum(map(meets_target, seeds))} of {len(seeds)} | {seconds} |")
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
CLEAN_WORDS = {CLEAR_GAIN: "clearly more right", CLEAR_LOSS: "clearly fewer right", NOISE: NOISE}   # ... on clean training


def fit_table() -> str:
    """Per step, over seeds 1-5, the fit on its two axes: the kept weights on the clean training images
    (under-fitting) and the gap to the test set at the last epoch (over-fitting), each read by
    s7/core/verdict.py's lines and each against the step before by the one rule."""
    rows = ["| Step | Clean training images %: mean (seeds' range) | Under-fitting? | Against the step before | "
            "Gap, points: mean (seeds' range) | Over-fitting? | Against the step before |",
            "|---|---|---|---|---|---|---|"]
    for notebook in NOTEBOOKS:
        fitted = [r for r in study_records(notebook) if "clean_train_acc" in r]
        if not fitted:
            rows.append(f"| {notebook} | not recorded | | | | | |")
            continue
        gaps, clean = fit_gaps(notebook), clean_training(notebook)
        d_gap, d_clean = (fit_difference(notebook), clean_difference(notebook)) if notebook > 1 else (None, None)
        seeds = "" if len(fitted) == 5 else f" ({len(fitted)} seed{'s' if len(fitted) > 1 else ''})"
        rows.append(f"| {notebook}{seeds} | {mean(clean.values()):.2f} ({min(clean.values()):.2f} to {max(clean.values()):.2f}) | "
                    f"{under_fitting(mean(clean.values()))} | {against(d_clean, CLEAN_WORDS)} | "
                    f"{mean(gaps.values()):.2f} ({min(gaps.values()):.2f} to {max(gaps.values()):.2f}) | "
                    f"{over_fitting(mean(clean.values()), mean(clean.values()) - mean(gaps.values()))} | {against(d_gap, FIT_WORDS)} |")
    return "\n".join(rows)


def against(d, words: dict) -> str:
    """A fit table cell: a difference from the step before, its interval and the verdict in the axis' words."""
    return f"{points(d.mean)} ({points(d.low)} to {points(d.high)}): {words[d.verdict]}" if d else ""


def fit_line(notebook: int) -> str | None:
    """A Results cell's line on the fit across seeds 1-5, on both axes (README's fit table and fit map)."""
    gaps, clean = fit_gaps(notebook), clean_training(notebook)
    if len(gaps) < 2:
        return None
    c, g = mean(clean.values()), mean(gaps.values())
    line = (f"The fit across {len(gaps)} seeds (README's fit table and fit map): {c:.2f}% of the clean training images "
            f"right on average ({min(clean.values()):.2f} to {max(clean.values()):.2f}), **{under_fitting(c)}**; a gap "
            f"of {g:.2f} points ({min(gaps.values()):.2f} to {max(gaps.values()):.2f}), **{over_fitting(c, c - g)}**")
    if notebook > 1:
        line += (f". Against step {notebook - 1}: clean training {against(clean_difference(notebook), CLEAN_WORDS)}; "
                 f"the gap {against(fit_difference(notebook), FIT_WORDS)}")
        line += label_note(notebook)
    return line + "."


def label_note(notebook: int) -> str:
    """Where a reading's label differs from the step before's while the one rule finds no change on that
    axis, the line says the label moved with the noise, not the network."""
    notes = []
    for axis, reading, d in (("clean training", lambda n: under_fitting(mean(clean_training(n).values())),
                              clean_difference(notebook)),
                             ("gap", lambda n: over_fitting(mean(clean_training(n).values()),
                                                            mean(clean_training(n).values()) - mean(fit_gaps(n).values())),
                              fit_difference(notebook))):
        if d is not None and d.verdict == NOISE and reading(notebook) != reading(notebook - 1):
            notes.append(f"the {axis}'s label differs from step {notebook - 1}'s ({reading(notebook - 1)}) only "
                         f"by the noise: the interval holds zero, so no change on that axis is shown")
    return "; " + "; ".join(notes) if notes else ""


def gains() -> str:
    lines = [gain_line(notebook) for notebook in list(NOTEBOOKS)[1:]]
    lines = [f"- {line}" for line in lines if line]
    return "\n".join(lines) if lines else "*No seed study yet: `python -m scripts.run --notebook N --seeds 1 2 3 4 5`.*"


