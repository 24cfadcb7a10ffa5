"""The exercise's target and its rule: fewer than 8,000 parameters, at most 15 epochs, every one of the
last 3 epochs at 99.4% or more."""
from __future__ import annotations

from s7.core.history import eval_split

# the exercise, its four numbers
TARGET_ACC = 99.4                   # % test accuracy in each of the last TARGET_LAST epochs
TARGET_LAST = 3                     # epochs that must each reach it
MAX_PARAMS = 8000                   # parameters: fewer than this
MAX_EPOCHS = 15                     # epochs of training: at most this

# the exercise's goal, in the words README, the Results cells and the runs' target lines all use
TARGET = (f"fewer than {MAX_PARAMS:,} parameters and at least {TARGET_ACC:.2f}% test accuracy in each of the "
          f"last {TARGET_LAST} of at most {MAX_EPOCHS} epochs")


def summarize(record: dict, last: int = TARGET_LAST) -> dict:
    """The figures the README and the Results cells quote, from one record."""
    h = record["history"]
    split = eval_split(h)
    acc = h[f"{split}_acc"]
    return {"params": record["params"], "macs": record.get("macs"), "epochs": len(acc),
            "best_train": max(h["train_acc"]), "best_eval": max(acc),
            "last": acc[-last:], "min_last": min(acc[-last:]), "split": split,
            "sec_per_epoch": sum(h["seconds"]) / len(h["seconds"]) if h.get("seconds") else None}   # None: not timed


def meets_target(record: dict, target: float = TARGET_ACC, last: int = TARGET_LAST, max_params: int = MAX_PARAMS,
                 max_epochs: int = MAX_EPOCHS) -> bool:
    """The exercise's rule: < max_params, <= max_epochs, every one of the last `last` epochs >= target."""
    s = summarize(record, last)
    return s["params"] < max_params and s["epochs"] <= max_epochs and s["min_last"] >= target


def target_line(record: dict) -> str:
    """Whether a run meets the exercise's target, in one line."""
    s = summarize(record)
    verdict = "TARGET MET" if meets_target(record) else "TARGET MISSED"
    return (f"{verdict}: {s['params']:,} parameters, {s['epochs']} epochs, last 3 {s['split']} accuracies "
            f"{', '.join(f'{a:.2f}' for a in s['last'])}% (the target: {TARGET})")
