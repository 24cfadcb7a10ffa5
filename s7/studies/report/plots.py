"""The README's plots, from results/: test accuracy per epoch of every notebook, the per-seed differences of
each change, the one-at-a-time ladders, and the size frontier."""
from __future__ import annotations

from pathlib import Path

from s7.core.numbers import mean, pooled_last
from s7.core.places import RESULTS_DIR
from s7.core.target import TARGET_ACC, summarize
from s7.core.verdict import (CLEAR_GAIN, CLEAR_LOSS, FITS_TRAINING, NOISE, OVER_FITTING_GAP, SOME_OVER_FITTING_GAP,
                             seeds_words)
from s7.studies.fidelity import fidelity
from s7.studies.notebooks import NOTEBOOKS
from s7.studies.record_sets import (STEP6_ON_PUBLIC, ablation_records, notebook_record, public_reruns, public_solutions,
                                    round_label, size_groups, study_records, tested_picks)
from s7.studies.report.differences import ladder_differences, step_differences

ACCURACY_PLOT = RESULTS_DIR / "test_accuracy.png"
FRONTIER_PLOT = RESULTS_DIR / "size_frontier.png"
ABLATION_PLOT = RESULTS_DIR / "ablation.png"
FIT_MAP = RESULTS_DIR / "fit_map.png"


def pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


DIFFERENCE_PLOTS = {"steps": (RESULTS_DIR / "differences_steps.png", "Each step against the step before"),
                    "step6": (RESULTS_DIR / "differences_step6.png", "Step 6's changes, one at a time: each row against the row above"),
                    "step6_without": (RESULTS_DIR / "differences_step6_without.png", "Model6 with one change taken away: each row against Model6"),
                    "step4": (RESULTS_DIR / "differences_step4.png", "Step 4's changes, one at a time: each row against the row above")}
VERDICT_COLOURS = {CLEAR_GAIN: "tab:green", CLEAR_LOSS: "tab:red", NOISE: "tab:grey"}


def plot_differences(name: str, path=None) -> Path | None:
    """The one rule, drawn: for each change, each seed's difference (after minus before, the mean of its last
    3 test accuracies) as a point, their mean with its 95% interval as a bar, and the zero line; the bar's
    colour is the verdict."""
    comparisons = step_differences() if name == "steps" else ladder_differences(name)
    if not comparisons:
        return None
    default_path, title = DIFFERENCE_PLOTS[name]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for x, (label, d) in enumerate(comparisons):
        offsets = [0.06 * (i - (len(d.diffs) - 1) / 2) for i in range(len(d.diffs))]
        ax.plot([x - 0.22 + o for o in offsets], d.diffs, "o", color="C0", ms=4, alpha=0.8,
                label="each seed's difference" if x == 0 else None)
        ax.errorbar(x + 0.12, d.mean, yerr=d.half_width, fmt="s", color=VERDICT_COLOURS[d.verdict], capsize=5, ms=6)
    for verdict, colour in VERDICT_COLOURS.items():        # the legend names every verdict once
        ax.errorbar([], [], yerr=[], fmt="s", color=colour, capsize=5, label=f"mean and 95% interval: {verdict}")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(range(len(comparisons)), [label for label, _ in comparisons], rotation=20)
    seeds = sorted({s for _, d in comparisons for s in d.seeds})
    ax.set(ylabel="difference in the mean of the last 3\ntest accuracies (points)", title=f"{title} ({seeds_words(seeds)}, paired by number)")
    return save_with_legend_below(fig, ax, path or default_path, ncol=2, bottom=0.1)


def save_with_legend_below(fig, ax, path, ncol: int, bottom: float) -> Path:
    """A row-by-row figure saved: a small title, a grid, the legend below the axes, where it hides no point."""
    ax.title.set_fontsize(10)
    ax.grid(alpha=0.3)
    fig.legend(fontsize=7, loc="lower center", ncol=ncol)
    fig.tight_layout(rect=(0, bottom, 1, 1))
    fig.savefig(path, dpi=110)
    pyplot().close(fig)
    return path


LADDER_PLOTS = {"step6": (ABLATION_PLOT, "From step 5 to step 6, one change at a time"),
                "step6_without": (RESULTS_DIR / "ablation_without.png", "Model6 with one of step 6's changes taken away"),
                "step4": (RESULTS_DIR / "ablation_step4.png", "From step 3 to step 4, one change at a time")}


def plot_ablation(ladder: str = "step6", path=None) -> Path | None:
    """A one-change-at-a-time ladder: each seed's mean of its last 3 epochs as a point, the mean of
    those over the seeds as a bar (the same statistic), the 99.40% line."""
    rows = [(row, records) for row, records in ablation_records(ladder) if records]
    if not rows or (ladder != "step6" and not any(row["runs_here"] for row, _ in rows)):
        return None
    default_path, title = LADDER_PLOTS[ladder]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for x, (row, records) in enumerate(rows):
        means = [mean(summarize(r)["last"]) for r in records]
        ax.plot([x + 0.08 * (i - (len(means) - 1) / 2) for i in range(len(means))], means, "o", color="C0", ms=4,
                alpha=0.8, label="each seed's mean of its last 3 epochs" if x == 0 else None)
        ax.plot(x, mean(means), "_", color="C3", ms=22, mew=2.5,
                label="their mean over the seeds" if x == 0 else None)
    ax.axhline(TARGET_ACC, color="grey", ls=":", lw=0.8, label=f"{TARGET_ACC}% target")
    ax.set_xticks(range(len(rows)), [row["label"] for row, _ in rows], rotation=20)
    ax.set(ylabel="mean of the last 3 test accuracies (%)", title=f"{title} (seeds 1-5)")
    return save_with_legend_below(fig, ax, path or default_path, ncol=3, bottom=0.06)


def plot_fit_map(path=FIT_MAP) -> Path | None:
    """The fit on its two axes, one point per seed of each step: across, how much of its own training set
    the network gets wrong (clean, eval mode: 100 minus the clean training accuracy), under-fitting to the
    right of the line; up, how much more it gets wrong on the test set at the last epoch (the gap), with
    the two over-fitting lines. Each step's mean is its number."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    drawn = False
    for notebook in NOTEBOOKS:
        runs = [r for r in study_records(notebook) if "clean_train_acc" in r]
        if not runs:
            continue
        errors = [100 - r["clean_train_acc"] for r in runs]
        gaps = [r["clean_train_acc"] - r["history"]["test_acc"][-1] for r in runs]
        dots = ax.plot(errors, gaps, "o", ms=5, alpha=0.6, label=f"step {notebook} ({len(runs)} seeds)")
        ax.annotate(str(notebook), (mean(errors), mean(gaps)), color=dots[0].get_color(), fontsize=13,
                    fontweight="bold", ha="center", va="center")
        drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.axvline(100 - FITS_TRAINING, color="black", lw=0.9, ls="--")
    for gap in (SOME_OVER_FITTING_GAP, OVER_FITTING_GAP):
        ax.axhline(gap, color="black", lw=0.9, ls=":")
    ax.axhline(0, color="grey", lw=0.6)
    x_text = ax.get_xlim()[1]
    ax.text(100 - FITS_TRAINING, ax.get_ylim()[1], f" under-fitting: under {FITS_TRAINING}% of its own\n training images right  →",
            fontsize=8, va="top")
    ax.text(x_text, OVER_FITTING_GAP, f"over-fitting: gap ≥ {OVER_FITTING_GAP} ", fontsize=8, ha="right", va="bottom")
    ax.text(x_text, SOME_OVER_FITTING_GAP, f"some over-fitting: gap ≥ {SOME_OVER_FITTING_GAP} ", fontsize=8, ha="right", va="bottom")
    ax.text(x_text, 0, "no over-fitting ", fontsize=8, ha="right", va="bottom")
    ax.set(xlabel="clean training error (%): 100 minus the kept weights' accuracy on the training images",
           ylabel="gap (points): clean training\naccuracy minus test accuracy",
           title="The fit map: one point per seed, the step's number at its mean")
    return save_with_legend_below(fig, ax, path, ncol=6, bottom=0.08)


def plot_frontier(path=FRONTIER_PLOT, notebook: int = 6) -> Path | None:
    """Parameters against the mean and the minimum of the last-3 test accuracy, public points marked."""
    groups = size_groups(notebook)
    if len(groups) < 2:
        return None
    plt = pyplot()
    sizes = sorted(groups)
    public = public_solutions()
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    ax.plot(sizes, [mean(pooled_last(groups[s])) for s in sizes], "o-", label="this recipe: mean of last 3 over seeds")
    ax.plot(sizes, [min(pooled_last(groups[s])) for s in sizes], "s--", label="this recipe: worst of last 3 over seeds")
    ax.scatter([p["params"] for p in public], [min(p["shown"]) for p in public], marker="*", s=120, color="C3",
               label="public solutions: worst epoch shown (1 run each)", zorder=3)
    for p in public:
        reruns = public_reruns(p["rerun"]) if p.get("rerun") else []
        check = fidelity(p, reruns)
        if reruns and (check is None or check["faithful"]):       # an unfaithful re-run is no result
            lasts = pooled_last(reruns)
            ax.plot([p["params"]] * 2, [mean(lasts), min(lasts)], "v", color="C3", mfc="none", ms=9,
                    label=f"public {p['params']:,}, re-run here: mean and worst ({len(reruns)} seeds)")
    layout = public_reruns(STEP6_ON_PUBLIC)
    if layout:
        lasts = pooled_last(layout)
        ax.plot([layout[0]["params"]] * 2, [mean(lasts), min(lasts)], "P", color="C1", ms=9,
                label=f"this recipe on the public {layout[0]['params']:,} layout: mean and worst ({len(layout)} seeds)")
    for (round_name, other), color in zip(tested_picks().items(), ("C2", "C4", "C5")):
        lasts = pooled_last(other)
        ax.plot([other[0]["params"]] * 2, [mean(lasts), min(lasts)], "D", color=color,
                label=f"{round_label(round_name)}'s pick: mean and worst ({len(other)} seeds)")
    ax.axhline(TARGET_ACC, color="grey", ls=":", lw=0.8, label=f"{TARGET_ACC}% target")
    ax.set(xlabel="parameters", ylabel="test accuracy (%)", title="How far down the recipe holds")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2)   # below: it hides no point
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_accuracy(path=ACCURACY_PLOT) -> Path | None:
    """Each notebook's test accuracy per epoch: the mean over its seeds with a band from the lowest to
    the highest seed (a single line where a notebook has one run)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    any_run = False
    for notebook in NOTEBOOKS:
        record = notebook_record(notebook)
        if not record:
            continue
        curves = [r["history"]["test_acc"] for r in study_records(notebook)] or [record["history"]["test_acc"]]
        epochs = range(1, len(curves[0]) + 1)
        by_epoch = list(zip(*curves))
        label = f"step {notebook}: {record['model']} ({record['params']:,} params" + (
            f", {len(curves)} seeds)" if len(curves) > 1 else ")")
        line, = ax.plot(epochs, [mean(e) for e in by_epoch], "o-", ms=3, label=label)
        if len(curves) > 1:
            ax.fill_between(epochs, [min(e) for e in by_epoch], [max(e) for e in by_epoch], color=line.get_color(), alpha=0.18)
        any_run = True
    if not any_run:
        plt.close(fig)
        return None
    ax.axhline(TARGET_ACC, color="grey", ls="--", lw=0.8, label=f"{TARGET_ACC}% target")
    ax.set(xlabel="epoch", ylabel="test accuracy (%)", ylim=(98.0, 99.8),
           title="Test accuracy per epoch: mean over seeds, band from the lowest to the highest")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
