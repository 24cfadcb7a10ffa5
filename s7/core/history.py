"""What a run measured, epoch by epoch: the learner's History, which prints each epoch's line."""
from __future__ import annotations


def eval_split(history: dict) -> str:
    """'test', or 'val' for a run that held a validation split out of the training set."""
    return "test" if "test_acc" in history else "val"


def trained_key(split: str) -> str:
    """The history's key for the trained weights' own accuracy in a weight-average run (the averaged
    weights' is <split>_acc). Stored as raw_<split>_acc, the name every committed record carries."""
    return f"raw_{split}_acc"


class History(dict):
    """Per-epoch lists of what a run measured: the results file's "history".

    The evaluation keys are named after the split (test_* or val_*, with a holdout); a run with a
    weight average also keeps the trained weights' own accuracy (trained_key: raw_test_acc / raw_val_acc).
    """

    def __init__(self, split: str = "test", averaged: bool = False):
        keys = ["train_loss", "train_acc", f"{split}_loss", f"{split}_acc", "lr", "seconds"]
        super().__init__({k: [] for k in keys + ([trained_key(split)] if averaged else [])})
        self.split = split

    def add(self, epoch: int, *, lr: float, train_loss: float, train_acc: float, eval_loss: float, eval_acc: float,
            seconds: float, trained_acc: float | None = None) -> None:
        """Append one epoch's figures and print its line: `eval_*` on the evaluation split (test_* or
        val_*), `trained_acc` the trained weights' own accuracy where a weight average is evaluated."""
        split = self.split
        values = {"train_loss": train_loss, "train_acc": train_acc, f"{split}_loss": eval_loss,
                  f"{split}_acc": eval_acc, "lr": lr, "seconds": seconds}
        if trained_acc is not None:
            values[trained_key(split)] = trained_acc
        for key, value in values.items():
            self[key].append(round(value, 6))
        trained = f" (trained weights {trained_acc:.2f}%)" if trained_acc is not None else ""
        print(f"epoch {epoch:2d}  lr {lr:.5f}  train loss {train_loss:.4f} acc {train_acc:.2f}%  "
              f"{split} loss {eval_loss:.4f} acc {eval_acc:.2f}%{trained}  ({seconds:.1f}s)")
