"""What a run leaves behind: its results file and weights, the exercise's rule, and summaries of runs."""
from __future__ import annotations

import inspect
import json
import platform
from pathlib import Path

import torch
import torch.nn as nn

from s7.core.history import trained_key
from s7.core.places import results_path
from s7.core.target import summarize

OPTIONAL = ("model_kwargs", "ema_decay", "max_grad_norm")   # recorded only when set
# what makes two runs the same recipe: the runner compares a run with the published run these match
RECIPE_KEYS = ("model", "params", "seed", "epochs", "batch_size", "optimizer", "lr_schedule", "augment", "holdout",
               "quick", "model_kwargs", "label_smoothing", "ema_decay", "max_grad_norm", "data_path")


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
    """<out_dir>/S7_Model_<notebook>.json (the recipe, the model's size, the history) and the weights
    beside it (.pt); returns the record. `recipe` holds the parameters cell's values (seed, epochs, ...)."""
    recipe = {k: v for k, v in recipe.items() if v or k not in OPTIONAL}
    record = {"notebook": notebook, "model": type(model).__name__, **recipe, "data_path": data_path}
    device = torch.device(device)
    if device.type == "cuda":       # whether the update was a replayed graph: only a GPU run has the choice
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


def trained_weights(record: dict) -> dict:
    """A weight-average run's record as its trained weights scored (history.trained_key), for the same helpers."""
    split = summarize(record)["split"]
    return {**record, "history": {**record["history"], f"{split}_acc": record["history"][trained_key(split)]}}


def same_recipe(a: dict, b: dict, but=()) -> bool:
    """Whether two runs have the same recipe (RECIPE_KEYS), apart from the keys in `but`."""
    return all(a.get(k) == b.get(k) for k in RECIPE_KEYS if k not in but)


def changed_arguments(cls, arguments: dict) -> dict:
    """The arguments that differ from the defaults of cls's constructor."""
    defaults = inspect.signature(cls.__init__).parameters
    return {k: v for k, v in arguments.items() if k not in defaults or defaults[k].default != v}


def optimizer_record(optimizer: torch.optim.Optimizer) -> dict:
    """An optimizer as a record says it: its class and the arguments it was built with that differ
    from the class's defaults ({"name": "SGD", "lr": 0.01, "momentum": 0.9})."""
    return {"name": type(optimizer).__name__, **changed_arguments(type(optimizer), optimizer.defaults)}
