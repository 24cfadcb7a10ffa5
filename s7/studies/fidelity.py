"""Is a re-run of a public recipe what its author ran? Its runs here against the author's own per-epoch log:
the training side decides it (faithful or not), the test side says where the author's shown run sits."""
from __future__ import annotations

from s7.core.numbers import mean
from s7.core.standing import where, where_counts
from s7.core.verdict import seed_mean

FIDELITY_MARGIN = 0.3     # points: how far outside the re-run seeds' range an author's train accuracy may lie


def outside_by(value: float, values: list[float]) -> float:
    """How far (in points) a value lies outside the range of `values`; 0 inside. To 6 decimals, as a
    learner subtracts two printed accuracies: 98.9 - 98.6 is 0.3, not 0.30000000000001137."""
    return round(max(min(values) - value, value - max(values), 0.0), 6)


def fidelity(solution: dict, records: list[dict]) -> dict | None:
    """Is a re-run what its author ran? Checked against the author's own per-epoch log (published.json's
    'log'): the rates must equal the logged ones at every logged epoch (to the 4 figures a log prints),
    and the author's train accuracy at epochs 1, 2 and the last must lie within the re-run seeds'
    range widened by FIDELITY_MARGIN. Train accuracy is the check because it is measured the same way
    on both sides (over the epoch, in training mode) and moves with everything a recipe sets: the
    optimizer, the schedule, the augmentation. None: no log, or no runs."""
    log = solution.get("log")
    if not log or not records:
        return None
    epochs = len(log["train_acc"])
    accuracy = []
    for epoch in (1, 2, epochs):
        seeds = [r["history"]["train_acc"][epoch - 1] for r in records]
        published = log["train_acc"][epoch - 1]
        accuracy.append(dict(epoch=epoch, published=published, low=min(seeds), high=max(seeds),
                             inside=outside_by(published, seeds) <= FIDELITY_MARGIN))
    rates = None
    if log.get("lr"):
        rates = [dict(epoch=e, published=rate, here=sorted({r["history"]["lr"][e - 1] for r in records}))
                 for e, rate in enumerate(log["lr"], 1)]
        for rate in rates:
            rate["equal"] = all(abs(here - rate["published"]) <= 5e-4 * rate["published"] + 1e-9 for here in rate["here"])
    faithful = all(a["inside"] for a in accuracy) and all(r["equal"] for r in rates or [])
    return dict(accuracy=accuracy, rates=rates, faithful=faithful, seeds=len(records))




def test_side(solution: dict, records: list[dict]) -> dict | None:
    """Where the author's published test accuracy sits among runs here, epoch by epoch (inside the runs'
    range, above all of them, below all of them) and by the mean of the last 3 epochs against each run's
    own. None: no log, or no runs."""
    log = solution.get("log")
    if not log or not log.get("test_acc") or not records:
        return None
    epochs = []
    for epoch, published in enumerate(log["test_acc"], 1):
        here = [r["history"]["test_acc"][epoch - 1] for r in records]
        epochs.append(dict(epoch=epoch, published=published, low=min(here), high=max(here),
                           where=where(published, here)))
    last3 = mean(log["test_acc"][-3:])
    means = [seed_mean(r) for r in records]
    return dict(epochs=epochs, counts={w: sum(e["where"] == w for e in epochs) for w in ("above", "inside", "below")},
                last3=last3, seed_means=(min(means), max(means)), last3_where=where(last3, means), runs=len(records))


def test_side_words(check: dict, runs: str) -> str:
    """'above every one of its runs here at 11 of 15 epochs, inside their range at 4; the mean of its last 3
    epochs, 99.46, against their means 99.14-99.35 (above)'."""
    low, high = check["seed_means"]
    return (where_counts(check["counts"], len(check["epochs"]), runs) + f"; the mean of its last 3 epochs, {check['last3']:.2f}, against their means "
            f"{low:.2f}-{high:.2f} ({check['last3_where']})")
