"""How long one training epoch of each step takes, measured back to back in one process on one machine.

Every step's recipe (read from its notebook's parameters cell) is built once, seeded; then, round after
round, each step trains one epoch in turn, so that a slow minute of the machine falls on every step
alike. The first round warms up (memory, kernels) and is not counted; each step's figure is the median
of the rounds after it. Only utils.train is timed, as the notebooks time it (no evaluation). Step 4 is
also timed without its dropout, the one change between those two rows: what dropout costs on this CPU.
"""
from __future__ import annotations

import json
import platform
import statistics
import time
from pathlib import Path

import torch

import utils
from s7.core.places import EPOCH_TIMES
from s7.core.records import cpu_name
from s7.core.schedules import is_per_batch
from s7.studies.notebooks import NOTEBOOKS, notebook_parameters
from s7.studies.recipe import SeededRun, build_scheduler, notebook_recipe

NO_DROPOUT = "4 without dropout"      # step 4's recipe with dropout 0: the cost of dropout


def runs(quick: bool, epochs: int, data_root=None) -> dict[str, SeededRun]:
    """Each step's recipe as its notebook sets it (seed 1), on the CPU, plus step 4 without dropout;
    a schedule told of at least `epochs` epochs (a quick run's recipe has one)."""
    built = {}
    for notebook in NOTEBOOKS:
        params = notebook_parameters(notebook)
        dropout = {"model_kwargs": {"dropout": params["DROPOUT"]}} if "DROPOUT" in params else {}
        built[str(notebook)] = SeededRun(params["MODEL"], notebook=notebook, quick=quick, data_root=data_root,
                                      device="cpu", **notebook_recipe(params), **dropout)
    step4 = notebook_parameters(4)
    built[NO_DROPOUT] = SeededRun(step4["MODEL"], notebook=4, quick=quick, data_root=data_root, device="cpu",
                               **dict(notebook_recipe(step4), model_kwargs={"dropout": 0.0}))
    for run in built.values():
        if run.scheduler is not None and run.recipe["epochs"] < epochs:
            run.scheduler = build_scheduler(run.optimizer, run.recipe["lr_schedule"], steps_per_epoch=len(run.loaders.train),
                                            epochs=epochs, eval_split=run.loaders.eval_split)
    return built


def one_epoch(run: SeededRun) -> float:
    """Seconds of one pass of utils.train over the run's training batches."""
    per_batch = run.scheduler if is_per_batch(run.scheduler) else None
    start = time.perf_counter()
    utils.train(run.model, run.loaders.train, run.optimizer, device=run.device, scheduler=per_batch,
                average=run.average, desc=f"step {run.notebook}")
    return time.perf_counter() - start


def measure(rounds: int = 3, quick: bool = False, data_root=None) -> dict:
    """One warm-up round and `rounds` timed rounds; each step's timed epochs and their median."""
    built = runs(quick, rounds + 1, data_root)
    timed: dict[str, list[float]] = {name: [] for name in built}
    for r in range(rounds + 1):
        for name, run in built.items():
            seconds = one_epoch(run)
            if r:                                   # round 0 warms up
                timed[name].append(round(seconds, 3))
    return {"cpu": cpu_name(), "threads": torch.get_num_threads(), "torch": torch.__version__,
            "python": platform.python_version(), "quick": quick, "warmup_rounds": 1, "rounds": rounds,
            "steps": {name: {"model": type(built[name].model).__name__, "batch_size": built[name].recipe["batch_size"],
                             "epochs_s": secs, "median_s": statistics.median(secs)} for name, secs in timed.items()}}


def save(result: dict, path: Path = EPOCH_TIMES) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")
    return path


def load(path: Path = EPOCH_TIMES) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def machine(times: dict) -> str:
    """The machine the figures belong to, in words: 'Intel(R) Xeon(R) Processor (avx512f), 2 threads'."""
    return f"{times['cpu']}, {times['threads']} threads"


def seconds_per_epoch(times: dict, notebook: int) -> float:
    return times["steps"][str(notebook)]["median_s"]


def run_minutes(times: dict, notebook: int, epochs: int = 15, seeds: int = 1) -> float:
    """Training time of `seeds` runs of `epochs` epochs of a step on the measured machine (training only:
    evaluation and the notebook's start add to it)."""
    return seconds_per_epoch(times, notebook) * epochs * seeds / 60

