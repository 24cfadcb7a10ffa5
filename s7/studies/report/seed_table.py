"""A recipe's seed study as a table: one row per seed, and the line that sums it up."""
from __future__ import annotations

from s7.core.history import trained_key
from s7.core.numbers import mean, pct, pooled_last
from s7.core.records import trained_weights
from s7.core.target import meets_target, summarize


def seed_table(records: list[dict]) -> str:
    """One row per seed of a recipe's runs and a summary line (trained weights beside an average)."""
    if not records:
        return "*No seed runs yet: `python -m scripts.run --notebook 6 --seeds 1 2 3 4 5`.*"
    averaged = all(trained_key("test") in r["history"] for r in records)
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
        trained_lasts = pooled_last(trained)
        rows[-1] += (f" The trained weights alone: {sum(map(meets_target, trained))} of {len(records)}, "
                     f"mean {mean(trained_lasts):.2f}%, minimum {min(trained_lasts):.2f}%.")
    return "\n".join(rows)
