"""The record sets: which runs each published table reads.

A notebook's run (results/S7_Model_N.json), its seed study (results/seeds/), the one-change-at-a-time
ladders (results/ablation/ and the seed studies they start and end on), the size sweep
(results/sizes/), a search round's validation runs (results/tuning/<round>_*) and test seeds
(results/<round>_test/), the public solutions (results/public/published.json) and their re-runs.
"""
from __future__ import annotations

import json

from s7.core.places import (ORIGINAL, PUBLIC, PUBLISHED_LOGS, RESULTS_DIR, SIZES, STUDY_SEEDS, TUNING, results_path,
                            round_test_dir, study_paths)
from s7.core.records import load_results, trained_weights
from s7.core.standing import published_seeds
from s7.studies import ladders
from s7.studies.rounds import ROUNDS

PUBLISHED = PUBLISHED_LOGS
STEP6_ON_PUBLIC = "step6_on_3762"     # a public layout trained with step 6's recipe (s7/studies/public.py)


def notebook_record(notebook: int, folder=RESULTS_DIR):
    path = results_path(notebook, folder)
    return load_results(path) if path.exists() else None


def study_records(notebook: int) -> list[dict]:
    """The notebook's runs at seeds 1-5, the same seeds for every notebook (6 has more)."""
    return [r for r in published_seeds(notebook) if r["seed"] in STUDY_SEEDS]


def fit_gaps(notebook: int) -> dict[int, float]:
    """Seed -> the fit gap of that run at seeds 1-5: the accuracy of its kept weights on the clean
    training images minus their test accuracy at the last epoch (runs that recorded their fit)."""
    return {seed: clean - tested[seed] for seed, clean in clean_training(notebook).items()
            for tested in [{r["seed"]: r["history"]["test_acc"][-1] for r in study_records(notebook)}]}


def clean_training(notebook: int) -> dict[int, float]:
    """Seed -> the accuracy of that run's kept weights on the clean training images, at seeds 1-5."""
    return {r["seed"]: r["clean_train_acc"] for r in study_records(notebook) if "clean_train_acc" in r}


def ablation_records(ladder: str = "step6") -> list[tuple[dict, list[dict]]]:
    """A one-change-at-a-time ladder (s7/studies/ladders.py: step6, step6_without, step4): each row with
    its runs at seeds 1-5, in the ladder's order; a row read from a weight-average run as its trained
    weights where it says so."""
    table = []
    for row in ladders.rows(ladder):
        paths = [ladders.row_path(row, seed) for seed in STUDY_SEEDS]
        records = [load_results(p) for p in paths if p.exists()]
        table.append((row, [trained_weights(r) for r in records] if row.get("trained_weights") else records))
    return table


def ladder_trained(ladder: str) -> bool:
    """Whether any row a ladder trains has a run yet (until then its table is not shown)."""
    return any(records for row, records in ablation_records(ladder) if row["runs_here"])


def size_groups(notebook: int = 6) -> dict[int, list[dict]]:
    """Parameters -> the test-set runs of the final recipe at that size (seed study and size sweep)."""
    groups: dict[int, list[dict]] = {}
    for r in published_seeds(notebook) + [load_results(f) for f in sorted((RESULTS_DIR / SIZES).glob("*.json"))]:
        groups.setdefault(r["params"], []).append(r)
    return dict(sorted(groups.items(), reverse=True))


def round_of(stem: str) -> str:
    """The search round a results/tuning/ file belongs to: its 'roundN_' prefix; none: round 1."""
    head = stem.split("_", 1)[0]
    return head if head.startswith("round") and head[5:].isdigit() else "round1"


def candidate_of(stem: str) -> str:
    """A results/tuning/ file's candidate: its name without the round prefix and the seed."""
    name = stem.rsplit("_seed", 1)[0]
    return name.split("_", 1)[1] if round_of(stem) != "round1" else name


def round_runs(round_name: str) -> dict[str, list[dict]]:
    """Candidate -> its validation runs (by seed) in one search round, from results/tuning/."""
    runs: dict[str, list[dict]] = {}
    for f in sorted((RESULTS_DIR / TUNING).glob("*.json")):
        if round_of(f.stem) == round_name:
            runs.setdefault(candidate_of(f.stem), []).append(load_results(f))
    return {name: sorted(records, key=lambda r: r["seed"]) for name, records in runs.items()}


def round_test_records(round_name: str = "round7") -> list[dict]:
    """The candidate a search round's rule sent to the test set, per seed (results/<round>_test/)."""
    files = round_test_dir(round_name).glob("*.json")
    return sorted((load_results(f) for f in files), key=lambda r: r["seed"])


def round_label(round_name: str) -> str:
    return round_name.replace("round", "round ")


def tested_picks() -> dict[str, list[dict]]:
    """Round -> the test-set runs of the candidate its rule sent there (rounds that sent one)."""
    picks = {name: round_test_records(name) for name in ROUNDS}
    return {name: records for name, records in picks.items() if records}


def public_solutions() -> list[dict]:
    """The public solutions' published figures, each with where they were read; only those whose source
    names a repository: a figure no one can trace to the code that made it cannot be checked."""
    return [p for p in json.loads(PUBLISHED.read_text())["solutions"] if p["source"].get("repository")]


def public_reruns(name: str) -> list[dict]:
    """A public recipe's seeded test-set runs here (search/public.py -> results/public/<name>_seed<S>.json)."""
    files = study_paths(name, RESULTS_DIR / PUBLIC)
    return sorted((load_results(f) for f in files), key=lambda r: r["seed"])


def original_runs(name: str) -> list[dict]:
    """A public solution's own code run here (search/author_code.py -> results/public/original/)."""
    files = study_paths(name, RESULTS_DIR / ORIGINAL)
    return sorted((load_results(f) for f in files), key=lambda r: r["seed"])
