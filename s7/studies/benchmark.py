"""How fast can step 6 train here? Its training step timed on each data path, side by side, in one
process (scripts/benchmark.py runs it; RESULTS.md's performance tables read what it writes)."""
from __future__ import annotations

import itertools
import statistics
import time

import torch

import utils
from models import Model6
from s7.core.loaders import EVAL_BATCH, Loaders, TensorLoader, load_mnist_tensors
from s7.core.model_size import count_macs, count_params
from s7.core.pil_loader import dataloader
from s7.core.target import TARGET_ACC
from s7.studies.notebooks import notebook_parameters
from s7.studies.recipe import SeededRun, notebook_recipe

# each data path's name, in the printout and in RESULTS.md's tables ({workers}: the worker processes)
PATH_LABELS = {"dataloader": "(a) Dataset + DataLoader + PIL transforms",
               "dataloader_workers": "(a') the same with {workers} worker processes",
               "fast": "(b) fast tensor path, eager",
               "floor": "(c) compute floor: no data work, eager",
               "graphed": "(d) fast tensor path, each step a CUDA graph (what training uses on CUDA)",
               "graphed_repeatable": "(d') the same with cuDNN's deterministic algorithms (`cudnn_autotune=False`)"}

NOTEBOOK = 6


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_training(step: dict, batches, n_batches, warmup, device) -> float:
    """Images per second of utils.train over n_batches batches drawn from `batches`; `step` holds
    train()'s model, optimizer, weight average and graph."""
    seen = []

    def counted(n):
        for x, y in itertools.islice(batches, n):
            seen.append(len(y))
            yield x, y
    utils.train(loader=counted(warmup), device=device, desc="warm-up", **step)
    sync(device)
    start, seen[:] = time.perf_counter(), []
    utils.train(loader=counted(n_batches), device=device, desc="timed", **step)
    sync(device)
    return sum(seen) / (time.perf_counter() - start)


def recipe_run(params: dict, device, loaders: Loaders, **options) -> SeededRun:
    """Notebook 6's run as the recipe path builds it (model, optimizer, schedule, weight average and, on
    CUDA, its graph), seed 0, on the benchmark's own loaders (the data loaded once): what the timed steps train."""
    return SeededRun(Model6, notebook=NOTEBOOK, **{**notebook_recipe(params), "seed": 0}, loaders=loaders,
                     device=str(device), **options)


def step_of(run: SeededRun) -> dict:
    """train()'s arguments for one run: its model, optimizer, weight average and graph."""
    return dict(model=run.model, optimizer=run.optimizer, average=run.average, graph=run.graph)


def endless(loader):
    while True:
        yield from loader


def full_training(params: dict, device, root) -> dict:
    """Notebook 6's run (15 epochs, seed 1, the test set) on `device`, through s7/studies/recipe.py."""
    seeded = SeededRun(Model6, notebook=NOTEBOOK, seed=params["SEED"], **notebook_recipe(params), data_root=root,
                    device=str(device))
    start = time.perf_counter()
    history = seeded.train()
    sync(device)
    wall = time.perf_counter() - start
    last = history["test_acc"][-3:]
    return {"train_seconds": round(sum(history["seconds"]), 2), "wall_seconds": round(wall, 2),
            "last3_test_acc": last, "meets_target": min(last) >= TARGET_ACC,
            "graphed": seeded.graph is not None and seeded.graph.graph is not None}


def benchmark(quick: bool = False, train: bool = False, batches: int | None = None, repeats: int = 3,
              batch_size_arg: int | None = None, device_name: str | None = None, data_root=None) -> dict:
    """Time every data path (and, with train, one full training); print the table; return the record."""
    params = notebook_parameters(NOTEBOOK)
    batch_size = batch_size_arg or params["BATCH_SIZE"]
    augment = params["AUGMENT"]
    n_batches = batches or (80 if quick else 200)
    warmup = 10
    device = utils.pick_device(device_name)
    threads = utils.set_threads()
    utils.seed_everything(0)

    images, labels = load_mnist_tensors(True, data_root)
    test_x, test_y = load_mnist_tensors(False, data_root)
    fast = TensorLoader(images, labels, batch_size, shuffle=True, augment=augment, device=device, seed=0)
    eval_loader = TensorLoader(test_x, test_y, EVAL_BATCH, device=device)
    run_loaders = Loaders(fast, eval_loader, "test")
    eager = step_of(recipe_run(params, device, run_loaders, cuda_graph=False))
    model = eager["model"]
    totals = {"params": count_params(model), "macs": count_macs(model)}

    workers = min(2, threads)
    loaders = {
        "dataloader": dataloader(images, labels, batch_size, shuffle=True, augment=augment, seed=0),
        "dataloader_workers": dataloader(images, labels, batch_size, shuffle=True, augment=augment, seed=0,
                                         num_workers=workers, persistent_workers=True),
        "fast": fast,
    }
    # the floor: the fast path's batches, made before the clock starts
    prepared = list(itertools.islice(endless(loaders["fast"]), n_batches + warmup))
    paths = ["dataloader", "dataloader_workers", "fast", "floor"]
    graphed = {}
    if device.type == "cuda":
        # one graph per variant, each over its own copy of the run (a graph binds to one model and optimizer)
        graphed = {name: step_of(recipe_run(params, device, run_loaders, cudnn_autotune=autotune))
                   for name, autotune in (("graphed", True), ("graphed_repeatable", False))}
        paths += list(graphed)
    results = {name: [] for name in paths}
    for _ in range(repeats):            # interleaved, so drift in machine speed hits all alike
        for name in ("dataloader", "dataloader_workers", "fast"):
            results[name].append(time_training(eager, endless(loaders[name]), n_batches=n_batches, warmup=warmup,
                                               device=device))
        results["floor"].append(time_training(eager, iter(prepared), n_batches=n_batches, warmup=warmup, device=device))
        for name, graphed_train in graphed.items():
            results[name].append(time_training(graphed_train, endless(loaders["fast"]), n_batches=n_batches,
                                               warmup=warmup, device=device))

    eval_runs = []
    for _ in range(repeats):
        sync(device)
        start = time.perf_counter()
        utils.test(model, eval_loader, device)
        sync(device)
        eval_runs.append(len(test_y) / (time.perf_counter() - start))

    med = {k: statistics.median(v) for k, v in results.items()}
    eval_img_s = statistics.median(eval_runs)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{device} ({threads} threads)"
    print(f"Model6: {totals['params']:,} parameters, {totals['macs']:,} multiply-adds per image; {name}, "
          f"batch {batch_size}, {n_batches} timed batches x {repeats} repeats, augmentation {augment}, "
          f"SGD with a weight average\n")
    print(f"{'path':<44}{'median img/s':>14}{'ms/step':>9}{'vs (a)':>9}{'vs floor':>10}")
    for k in paths:
        print(f"{PATH_LABELS[k].format(workers=workers)[:43]:<44}{med[k]:>14,.0f}{1000 * batch_size / med[k]:>9.3f}{med[k] / med['dataloader']:>8.2f}x"
              f"{med[k] / med['floor']:>9.0%}")
    print(f"{'test-set evaluation (inference_mode)':<44}{eval_img_s:>14,.0f}")
    speedup, of_floor = med["fast"] / med["dataloader"], med["fast"] / med["floor"]
    if device.type == "cuda":
        graph_gain, of_loader = med["graphed"] / med["fast"], med["graphed"] / med["dataloader"]
        print(f"\ntargets on a CUDA GPU: graphed >= 5x DataLoader: {of_loader:.2f}x {'met' if of_loader >= 5 else 'MISSED'}; "
              f"graphed >= 8x the eager fast path: {graph_gain:.2f}x {'met' if graph_gain >= 8 else 'MISSED'}")
    else:
        met = speedup >= 1.4 and of_floor >= 0.85
        print(f"\ntargets on CPU: fast >= 1.4x DataLoader ({speedup:.2f}x) and within 15% of the floor "
              f"({of_floor:.0%}): {'met' if met else 'MISSED'}")
    best = med.get("graphed", med["fast"])
    print(f"\none training epoch at the fastest: about {60000 / best:.2f} s (without evaluation)")
    record = {"device": str(device), "device_name": name, "dataloader_img_s": round(med["dataloader"]),
              "fast_img_s": round(med["fast"]), "floor_img_s": round(med["floor"]), "eval_img_s": round(eval_img_s),
              "dataloader_workers_img_s": round(med["dataloader_workers"]), "workers": workers,
              "threads": threads, "batch_size": batch_size, "batches": n_batches, "repeats": repeats,
              "params": totals["params"], "macs": totals["macs"], "torch": torch.__version__,
              "step": f"notebook {NOTEBOOK}'s: SGD as its notebook sets it, with the weight average"}
    if "graphed" in med:
        record["graphed_img_s"] = round(med["graphed"])
        record["graphed_repeatable_img_s"] = round(med["graphed_repeatable"])
    if train:
        record["full_training"] = full_training(params, device, data_root)
        t = record["full_training"]
        print(f"\nnotebook 6, {params['EPOCHS']} epochs as its notebook trains them: {t['train_seconds']:.1f} s of training "
              f"({t['wall_seconds']:.1f} s with evaluation); last 3 test % {t['last3_test_acc']}: "
              f"{'target met' if t['meets_target'] else 'target MISSED'}")
    return record


