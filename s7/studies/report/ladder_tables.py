"""The tables of the one-change-at-a-time ladders (s7/studies/ladders.py), for README, RESULTS.md and the
Results cells of notebooks 4 and 6."""
from __future__ import annotations

from s7.core.numbers import mean, pooled_last
from s7.core.places import ROOT
from s7.core.target import meets_target
from s7.core.verdict import points, seed_mean
from s7.studies.record_sets import ablation_records, ladder_trained
from s7.studies.report.differences import ladder_rows
from s7.studies.report.plots import DIFFERENCE_PLOTS, LADDER_PLOTS

LADDER_TITLES = {
    "step6": ("Step 6's changes, one at a time", "each row adds one change to the row above"),
    "step6_without": ("Step 6's changes, taken away one at a time", "each row undoes one of Model6's changes"),
    "step4": ("Step 4's changes, one at a time", "each row adds one change to the row above, from step 3's recipe"),
}


def ladder_lines(ladder: str) -> list[str]:
    """A Results cell's table of a one-change-at-a-time ladder and its plot (once it has runs)."""
    if ladder != "step6" and not ladder_trained(ladder):
        return []
    title, how = LADDER_TITLES[ladder]
    plot = LADDER_PLOTS[ladder][0].relative_to(ROOT)      # where plots.plot_ablation writes it
    differences = DIFFERENCE_PLOTS[ladder][0].relative_to(ROOT)
    return ["", f"**{title}** ({how}; seeds 1-5 on the test set; `search/ablation.py`, `results/ablation/`):", "",
            ablation_table(ladder), "", f"![{title}]({plot})", "",
            f"![{title}: each seed's difference, the mean and its 95% interval]({differences})"]


def ladder_block(ladder: str) -> str:
    """README's and RESULTS.md's part for a ladder beyond step 6's cumulative one: its table and plot
    once it has runs, else nothing; for the take-away ladder, said plainly when step 6's recipe holds
    on every seed without the widening."""
    lines = ladder_lines(ladder)
    return "\n".join(lines[1:] + narrower_holds()) if lines else ""


def narrower_holds() -> list[str]:
    """The sentence the take-away table owes its reader when the row without the widening meets the
    target at every one of its seeds: a smaller network holds, still to be confirmed on more seeds."""
    found = dict((row["name"], records) for row, records in ablation_records("step6_without"))
    records = found.get("without_wider") or []
    if len(records) < 5 or not all(map(meets_target, records)):
        return []
    return ["", f"Without the widening, step 6's recipe meets the target on {len(records)} of {len(records)} seeds at "
                f"{records[0]['params']:,} parameters: the smallest network known to hold here, on these seeds. "
                f"Nothing is claimed for it before seeds 6-10 have run."]


def takeaway_line() -> str:
    """README's line on the take-away ladder (its table is in RESULTS.md): each change taken away from
    Model6, with the one rule's verdict."""
    found = [(row, d) for row, _, d in ladder_rows("step6_without") if d is not None]
    if not found:
        return ""
    words = "; ".join(f"{row['label']}: {points(d.mean)} ({points(d.low)} to {points(d.high)}), {d.verdict_words}"
                      for row, d in found)
    return (f"What the finished recipe still needs, each change taken away from Model6 at seeds 1-5 "
            f"([RESULTS.md](RESULTS.md#what-each-change-buys-one-at-a-time)): {words}.")


def step4_line() -> str:
    """README's one line on step 4's changes one at a time (the table is in RESULTS.md)."""
    if not ladder_trained("step4"):
        return ""
    return ("Step 4's four changes, one at a time from step 3's recipe (parameters and multiply-adds beside the "
            "accuracy): [RESULTS.md](RESULTS.md#what-each-change-buys-one-at-a-time).")


def ablation_table(ladder: str = "step6") -> str:
    """A ladder of changes one at a time (search/ablation.py), each row at seeds 1-5 on the test set:
    step6 and step4 compare each row with the row above, step6_without with Model6, by the one rule
    (the per-seed differences' mean, its 95% interval, the verdict); step4 also shows each network's
    multiply-adds."""
    against_first = ladder == "step6_without"
    costs = ladder == "step4"
    head = "Change (each row undoes one of Model6's)" if against_first else "Change (each row adds one to the row above)"
    against = "Model6" if against_first else "the row above"
    rows = [f"| {head} | Params | " + ("MACs/img | " if costs else "") + "Mean of last 3, seeds 1-5 | "
            f"Range of seed means | Seeds meeting the target | Difference from {against} (95% interval): verdict |",
            "|---|---:|" + ("---:|" if costs else "") + "---:|---|:---:|---|"]
    for row, records, d in ladder_rows(ladder):
        if not records:
            rows.append(f"| {row['change']} | not run yet | " + ("| " if costs else "") + "| | | |")
            continue
        means = [seed_mean(r) for r in records]
        seeds = "" if len(records) == 5 else f" ({len(records)} seeds)"
        step = f"{points(d.mean)} ({points(d.low)} to {points(d.high)}): {d.verdict_words}" if d else ""
        cost = f"{records[0]['macs']:,} | " if costs else ""
        rows.append(f"| {row['change']}{seeds} | {records[0]['params']:,} | {cost}{mean(pooled_last(records)):.2f} | "
                    f"{min(means):.2f}-{max(means):.2f} | "
                    f"{sum(map(meets_target, records))} of {len(records)} | {step} |")
    return "\n".join(rows)
