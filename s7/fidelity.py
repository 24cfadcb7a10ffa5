"""Is a re-run of a public recipe what its author ran? Its runs here against the author's own per-epoch log."""
from __future__ import annotations


FIDELITY_MARGIN = 0.3     # points: how far outside the re-run seeds' range an author's train accuracy may lie


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
                             inside=min(seeds) - FIDELITY_MARGIN <= published <= max(seeds) + FIDELITY_MARGIN))
    rates = None
    if log.get("lr"):
        rates = [dict(epoch=e, published=rate, here=sorted({r["history"]["lr"][e - 1] for r in records}))
                 for e, rate in enumerate(log["lr"], 1)]
        for rate in rates:
            rate["equal"] = all(abs(here - rate["published"]) <= 5e-4 * rate["published"] + 1e-9 for here in rate["here"])
    faithful = all(a["inside"] for a in accuracy) and all(r["equal"] for r in rates or [])
    return dict(accuracy=accuracy, rates=rates, faithful=faithful, seeds=len(records))


