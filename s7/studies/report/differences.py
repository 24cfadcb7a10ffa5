"""The changes the series judges, each as its per-seed differences (s7/core/verdict.py's one rule): each step
against the step before, each row of a ladder against the row above (or against Model6), and the fit
of each step against the step before."""
from __future__ import annotations

from s7.core.places import STUDY_SEEDS
from s7.core.standing import study_means
from s7.core.verdict import Difference, paired_difference, seed_mean
from s7.studies.notebooks import NOTEBOOKS
from s7.studies.record_sets import ablation_records, clean_training, fit_gaps


def step_difference(notebook: int) -> Difference | None:
    """Step `notebook` against the step before, at seeds 1-5."""
    return paired_difference(study_means(notebook - 1, STUDY_SEEDS), study_means(notebook, STUDY_SEEDS))


def step_differences() -> list[tuple[str, Difference]]:
    found = [(f"step {n} - step {n - 1}", step_difference(n)) for n in list(NOTEBOOKS)[1:]]
    return [(label, d) for label, d in found if d is not None]


def ladder_rows(ladder: str) -> list[tuple[dict, list[dict], Difference | None]]:
    """Each row of a ladder with its runs and its difference: from the row above (step6, step4), or
    from Model6, the first row (step6_without); at the seeds the row has. A row not run yet has none,
    and the row below it none either (nothing to pair with)."""
    against_first = ladder == "step6_without"
    table, before = [], None
    for row, records in ablation_records(ladder):
        means = {r["seed"]: seed_mean(r) for r in records}
        table.append((row, records, paired_difference(before, means) if before and means else None))
        if not against_first or before is None:
            before = means or None
    return table


def ladder_differences(ladder: str) -> list[tuple[str, Difference]]:
    return [(row["label"], d) for row, _, d in ladder_rows(ladder) if d is not None]


def fit_difference(notebook: int) -> Difference | None:
    """Step `notebook`'s fit gap (clean-train minus test accuracy) against the step before's."""
    return paired_difference(fit_gaps(notebook - 1), fit_gaps(notebook))


def clean_difference(notebook: int) -> Difference | None:
    """Step `notebook`'s clean training accuracy (the under-fitting axis) against the step before's."""
    return paired_difference(clean_training(notebook - 1), clean_training(notebook))
