"""The questions at the end of each notebook ("Try it"), as data: each is one change to the notebook's
parameters cell, given as the runner's --set settings, and its measured answer is the change's runs at
seeds 1-5 (results/try_it/, written by python -m scripts.run --notebook N --set ... --seeds 1 2 3 4 5
--publish) or, where runs made for another purpose measure exactly that change, those runs. The question, the
prompt to predict and the why are the notebook's own words; the figures are generated into it."""
from __future__ import annotations

import shlex
from pathlib import Path

from s7.core.places import STUDY_SEEDS, change_path, seed_path
from s7.studies import ladders

# notebook -> its questions: (key, settings, the runs that answer it where runs made for another purpose
# measure exactly this change: a one-at-a-time row (ladder, row name), or ("seeds", N), notebook N's seed
# study, whose network is this notebook's unchanged)
QUESTIONS = {
    1: [("epochs5", ["EPOCHS=5"], None),
        ("no_momentum", ["OPTIMIZER.momentum=0.0"], None)],
    2: [("lr0.05", ["OPTIMIZER.lr=0.05"], None),
        ("batch64", ["BATCH_SIZE=64"], None)],
    3: [("lr0.1", ["OPTIMIZER.lr=0.1"], None),
        ("lr0.001", ["OPTIMIZER.lr=0.001"], None)],
    4: [("decay1e-4", ["OPTIMIZER.weight_decay=0.0001"], None),
        ("dropout0.1", ["DROPOUT=0.1"], None)],
    5: [("rotate15", ["AUGMENT.degrees=15"], None),
        ("shift_only", ["AUGMENT.degrees=0"], None)],
    6: [("plain_momentum", ["OPTIMIZER.nesterov=False", "OPTIMIZER.weight_decay=0.0"], ("step6_without", "without_nesterov_wd")),
        ("batch128", ["BATCH_SIZE=128"], ("step6_without", "without_batch64"))],
}


def command(notebook: int, settings: list[str]) -> str:
    """The one line that runs a question's change at seeds 1-5."""
    sets = " ".join(f"--set {shlex.quote(s)}" for s in settings)
    return f"python -m scripts.run --notebook {notebook} {sets} --seeds 1 2 3 4 5"


def answer_paths(notebook: int, settings: list[str], row=None) -> list[Path]:
    """Where a question's runs are: the change's own runs, or the seed study or one-at-a-time row that
    measures it."""
    if row and row[0] == "seeds":
        return [seed_path(row[1], seed) for seed in STUDY_SEEDS]
    if row:
        ladder, name = row
        found = next(r for r in ladders.rows(ladder) if r["name"] == name)
        return [ladders.row_path(found, seed) for seed in STUDY_SEEDS]
    return [change_path(notebook, settings, seed) for seed in STUDY_SEEDS]
