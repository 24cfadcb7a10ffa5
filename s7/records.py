"""What a run leaves behind: its results file and weights, the exercise's rule, and summaries of runs."""
from __future__ import annotations

import json
import platform
from pathlib import Path

import torch
import torch.nn as nn

from .places import results_path

TARGET_ACC = 99.4                   # the exercise: % test accuracy in each of the last 3 epochs
# the exercise's goal, in the words README, the Results cells and the runs' target lines all use
TARGET = "fewer than 8,000 parameters and at least 99.40% test accuracy in each of the last 3 of at most 15 epochs"
HISTORY_KEYS = ("train_loss", "train_acc", "test_loss", "test_acc", "lr", "seconds")
OPTIONAL = ("model_kwargs", "ema_decay", "max_grad_norm")   # recorded only when set
# what makes two runs the same recipe: the runner compares a run with the published run these match
RECIPE_KEYS = ("model", "params", "seed", "epochs", "batch_size", "optimizer", "lr_schedule", "augment", "holdout",
               "quick", "model_kwargs", "label_smoothing", "ema_decay", "max_grad_norm", "data_path")


class History(dict):
    """Per-epoch lists of what a run measured: the results file's "history".

    The evaluation keys are named after the split (test_* or val_*, with a holdout); a run with a
    weight average also keeps the trained weights' own accuracy (raw_test_acc / raw_val_acc).
    """

    def __init__(self, split: str = "test", averaged: bool = False):
        keys = ["train_loss", "train_acc", f"{split}_loss", f"{split}_acc", "lr", "seconds"]
        super().__init__({k: [] for k in keys + ([f"raw_{split}_acc"] if averaged else [])})
        self.split = split

    def add(self, epoch: int, *, lr: float, train_loss: float, train_acc: float, eval_loss: float, eval_acc: float,
            seconds: float, trained_acc: float | None = None) -> None:
        """Append one epoch's figures and print its line: `eval_*` on the evaluation split (test_* or
        val_*), `trained_acc` the trained weights' own accuracy where a weight average is evaluated."""
        split = self.split
        values = {"train_loss": train_loss, "train_acc": train_acc, f"{split}_loss": eval_loss,
                  f"{split}_acc": eval_acc, "lr": lr, "seconds": seconds}
        if trained_acc is not None:
            values[f"raw_{split}_acc"] = trained_acc
        for key, value in values.items():
            self[key].append(round(value, 6))
        raw = f" (trained weights {trained_acc:.2f}%)" if trained_acc is not None else ""
        print(f"epoch {epoch:2d}  lr {lr:.5f}  train loss {train_loss:.4f} acc {train_acc:.2f}%  "
              f"{split} loss {eval_loss:.4f} acc {eval_acc:.2f}%{raw}  ({seconds:.1f}s)")


def cpu_name() -> str:
    """The processor's model name and its widest vector instructions: seeded CPU runs repeat bit for
    bit only on the same kind (other kernel paths round differently)."""
    name, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                name = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    except OSError:
        pass
    isa = next((f for f in ("avx512f", "avx2", "avx") if f in flags), None)
    return f"{name} ({isa})" if isa else name


def write_run(out_dir, notebook: int, model: nn.Module, history: dict, device, params: int, macs: int,
              graph=None, data_path: str = "tensor", **recipe) -> dict:
    """results/S7_Model_<notebook>.json (the recipe, the model's size, the history) and the weights
    beside it (.pt); returns the record. `recipe` holds the parameters cell's values (seed, epochs, ...)."""
    recipe = {k: v for k, v in recipe.items() if v or k not in OPTIONAL}
    record = {"notebook": notebook, "model": type(model).__name__, **recipe, "data_path": data_path}
    device = torch.device(device)
    if device.type == "cuda":       # CPU records stay as they were
        record.update(cuda_graph=graph is not None, cudnn_autotune=bool(graph and graph.cudnn_autotune))
    record.update(torch=torch.__version__, device=str(device), cpu=cpu_name(), python=platform.python_version(),
                  params=params, macs=macs, history=dict(history))
    path = results_path(notebook, out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    save_weights(model, path.with_suffix(".pt"))
    return record


def load_results(path) -> dict:
    return json.loads(Path(path).read_text())


def summarize(record: dict, last: int = 3) -> dict:
    """The figures the README and the Results cells quote, from one record."""
    h = record["history"]
    split = "test" if "test_acc" in h else "val"
    acc = h[f"{split}_acc"]
    return {"params": record["params"], "macs": record.get("macs"), "epochs": len(acc),
            "best_train": max(h["train_acc"]), "best_eval": max(acc),
            "last": acc[-last:], "min_last": min(acc[-last:]), "split": split,
            "sec_per_epoch": sum(h["seconds"]) / len(h["seconds"]) if h.get("seconds") else None}   # None: not timed


def meets_target(record: dict, target: float = TARGET_ACC, last: int = 3, max_params: int = 8000,
                 max_epochs: int = 15) -> bool:
    """The exercise's rule: < max_params, <= max_epochs, every one of the last `last` epochs >= target."""
    s = summarize(record, last)
    return s["params"] < max_params and s["epochs"] <= max_epochs and s["min_last"] >= target


def save_weights(model, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, path)
    return path


def load_model(model_cls, path, device="cpu") -> nn.Module:
    """A model class with its committed weights, in eval mode."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No weights at {path}: train the notebook first "
                                f"(python -m scripts.run --notebook N).")
    model = model_cls().to(device)
    model.load_state_dict(torch.load(path, map_location=device, weights_only=True))
    return model.eval()


# ----------------------------------------------------------------------------
# Summaries of several runs
# ----------------------------------------------------------------------------
def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def pooled_last(records) -> list[float]:
    """The last-3 accuracies of several runs, in one list (for their mean and minimum)."""
    return [a for r in records for a in summarize(r)["last"]]


def trained_weights(record: dict) -> dict:
    """A weight-average run's record as its trained weights scored (raw_*_acc), for the same helpers."""
    split = summarize(record)["split"]
    return {**record, "history": {**record["history"], f"{split}_acc": record["history"][f"raw_{split}_acc"]}}


def target_line(record: dict) -> str:
    """Whether a run meets the exercise's target, in one line."""
    s = summarize(record)
    verdict = "TARGET MET" if meets_target(record) else "TARGET MISSED"
    return (f"{verdict}: {s['params']:,} parameters, {s['epochs']} epochs, last 3 {s['split']} accuracies "
            f"{', '.join(f'{a:.2f}' for a in s['last'])}% (the target: {TARGET})")


def pct(values) -> str:
    """Accuracies as the tables print them: '99.61, 99.62, 99.57'."""
    return ", ".join(f"{v:.2f}" for v in values)


def same_recipe(a: dict, b: dict, but=()) -> bool:
    """Whether two runs have the same recipe (RECIPE_KEYS), apart from the keys in `but`."""
    return all(a.get(k) == b.get(k) for k in RECIPE_KEYS if k not in but)
