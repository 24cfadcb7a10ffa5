"""How the tables pool and print several runs' accuracies."""
from __future__ import annotations

from s7.core.target import summarize


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def pooled_last(records) -> list[float]:
    """The last-3 accuracies of several runs, in one list (for their mean and minimum)."""
    return [a for r in records for a in summarize(r)["last"]]


def pct(values) -> str:
    """Accuracies as the tables print them: '99.61, 99.62, 99.57'."""
    return ", ".join(f"{v:.2f}" for v in values)
