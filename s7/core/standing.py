"""Where a run stands among the published runs of its recipe (results/seeds/), read from disk, and the
words for where a figure lies among several runs."""
from __future__ import annotations

from s7.core.places import results_path, seed_paths
from s7.core.records import load_results, same_recipe
from s7.core.verdict import seed_mean


def published_seeds(notebook: int) -> list[dict]:
    """Every run of a notebook's published seed study (results/seeds/), in seed order."""
    files = seed_paths(notebook)
    return sorted(map(load_results, files), key=lambda r: r["seed"])


def study_means(notebook: int, seeds=None) -> dict[int, float]:
    """Seed -> seed mean of a notebook's published seed study, at the seeds it has of `seeds` (None: all)."""
    return {r["seed"]: seed_mean(r) for r in published_seeds(notebook) if seeds is None or r["seed"] in seeds}


def device_kind(record: dict) -> str:
    """'cpu', 'cuda' or 'mps': the kind of device a run trained on (its rounding differs between kinds)."""
    return record.get("device", "cpu").split(":")[0]


def is_published_run(record: dict) -> bool:
    """Whether a run is the notebook's published run: the same recipe and seed as results/S7_Model_N.json,
    trained on the same kind of device (another kind rounds differently, so the same recipe and seed
    lands elsewhere: the one GPU run of step 6 scored 99.43 against the CPU's 99.59)."""
    path = results_path(record["notebook"])
    if not path.exists():
        return False
    published = load_results(path)
    return same_recipe(record, published) and device_kind(record) == device_kind(published)


def where_it_stands(record: dict) -> str:
    """Where one run stands among the published recipe's seeds, and how to get a verdict on a change."""
    n = record["notebook"]
    published = study_means(n)
    if record["quick"] or record["holdout"] or not published:
        return ("a quick run or a validation run: its figures do not compare with the published seeds"
                if published else "no published seed study to compare with")
    words = f"this run: {standing(record, published)}."
    path = results_path(n)
    if path.exists() and same_recipe(record, load_results(path), but=("seed",)):
        return words + " This is the published recipe; its seeds are in results/seeds/."
    return (words + f" For a verdict on your change, run it at 5 seeds and compare seed by seed: "
                    f"python -m scripts.run --notebook {n} --seeds 1 2 3 4 5 --set NAME=VALUE")


def standing(record: dict, published: dict[int, float]) -> str:
    """Where one run stands among the published recipe's seed means: inside, above or below their range.
    One seed cannot tell whether a change helped; the words say so."""
    value, low, high = seed_mean(record), min(published.values()), max(published.values())
    return (f"the mean of its last 3 epochs, {value:.2f}%, lies {where(value, published.values())} the range of the published recipe's "
            f"{len(published)} seed means ({low:.2f}-{high:.2f}%); one seed cannot tell whether a change helped")


def where(value: float, values) -> str:
    """'above' every one of `values`, 'below' every one, or 'inside' their range. A tie is inside, and
    the comparison is to 6 decimals: two means of the same printed figures, summed in another order,
    may differ in the last bit of a float."""
    values = list(values)
    above, below = round(value - max(values), 6), round(min(values) - value, 6)
    return "above" if above > 0 else "below" if below > 0 else "inside"


WHERE_WORDS = {"above": "above every one of", "below": "below every one of", "inside": "inside the range of"}


def where_counts(counts: dict[str, int], epochs: int, runs: str) -> str:
    """'above every one of its runs here at 11 of 15 epochs, inside the range of its runs here at 4': how
    many epochs a figure lay where (counts: 'above', 'inside', 'below' -> epochs)."""
    return ", ".join(f"{WHERE_WORDS[w]} {runs} at {counts[w]} of {epochs} epochs"
                     for w in ("above", "inside", "below") if counts[w])
