#!/usr/bin/env python3
"""How fast can Model6 train here? Three data paths timed side by side, in one process.

  (a) dataloader: torchvision-style Dataset + DataLoader + per-image PIL transforms
  (b) fast:       utils.TensorLoader, the notebooks' default: one tensor on the device,
                  slicing, batched affine augmentation
  (c) floor:      forward + backward + step on batches prepared in memory beforehand

Each path trains the same model (with augmentation) over the same number of batches of the same
size, after a warm-up, repeated; the table gives medians in images per second. Then the test-set
evaluation throughput. The last line is one JSON object.

  python scripts/benchmark.py [--quick] [--batches N] [--repeats R] [--out results/benchmark.json]
"""
import argparse
import itertools
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import utils  # noqa: E402
from models import Model6  # noqa: E402

AUGMENT = {"degrees": 8, "shift": 2}


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_training(model, optimizer, batches, n_batches, warmup, device) -> float:
    """Images per second over n_batches training steps drawn from the iterator `batches`."""
    model.train()

    def step(x, y):
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return len(y)

    for x, y in itertools.islice(batches, warmup):
        step(x, y)
    sync(device)
    start, seen = time.perf_counter(), 0
    for x, y in itertools.islice(batches, n_batches):
        seen += step(x, y)
    sync(device)
    return seen / (time.perf_counter() - start)


def endless(loader):
    while True:
        yield from loader


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="fewer batches (under 2 minutes on 2 CPU cores)")
    p.add_argument("--batches", type=int, help="timed batches per repeat (default 200, quick 80)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--device", help="cpu, cuda or mps (default: the best available)")
    p.add_argument("--data-root", help="folder holding MNIST/raw/ (default $MNIST_ROOT, else ./data)")
    p.add_argument("--out", help="also write the JSON here")
    args = p.parse_args(argv)
    n_batches = args.batches or (80 if args.quick else 200)
    warmup = 10
    device = utils.pick_device(args.device)
    threads = utils.set_threads()
    utils.seed_everything(0)

    images, labels = utils.load_mnist_tensors(True, args.data_root)
    test_x, test_y = utils.load_mnist_tensors(False, args.data_root)
    model = Model6().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    totals = {"params": utils.count_params(model), "macs": utils.count_macs(model)}

    workers = min(2, threads)
    loaders = {
        "dataloader": utils.dataloader(images, labels, args.batch_size, True, AUGMENT, seed=0),
        "dataloader_workers": utils.dataloader(images, labels, args.batch_size, True, AUGMENT, seed=0,
                                               num_workers=workers, persistent_workers=True),
        "fast": utils.TensorLoader(images, labels, args.batch_size, True, AUGMENT, device, seed=0),
    }
    # the floor: the fast path's batches, made before the clock starts
    prepared = list(itertools.islice(endless(loaders["fast"]), n_batches + warmup))
    results = {name: [] for name in ("dataloader", "dataloader_workers", "fast", "floor")}
    for _ in range(args.repeats):            # interleaved, so drift in machine speed hits all alike
        for name in ("dataloader", "dataloader_workers", "fast"):
            results[name].append(time_training(model, optimizer, endless(loaders[name]), n_batches, warmup, device))
        results["floor"].append(time_training(model, optimizer, iter(prepared), n_batches, warmup, device))

    eval_loader = utils.TensorLoader(test_x, test_y, 2000, device=device)
    eval_runs = []
    for _ in range(args.repeats):
        sync(device)
        start = time.perf_counter()
        utils.test(model, eval_loader, device)
        sync(device)
        eval_runs.append(len(test_y) / (time.perf_counter() - start))

    med = {k: statistics.median(v) for k, v in results.items()}
    eval_img_s = statistics.median(eval_runs)
    print(f"Model6: {totals['params']:,} parameters, {totals['macs']:,} multiply-adds per image; "
          f"device {device}, {threads} threads, batch {args.batch_size}, {n_batches} timed batches "
          f"x {args.repeats} repeats, augmentation {AUGMENT}\n")
    print(f"{'path':<40}{'median img/s':>14}{'vs (a)':>9}{'vs floor':>10}")
    labels_ = {"dataloader": "(a) Dataset + DataLoader + PIL", "dataloader_workers": f"(a') the same, {workers} workers",
               "fast": "(b) fast tensor path", "floor": "(c) compute floor (no data work)"}
    for k in ("dataloader", "dataloader_workers", "fast", "floor"):
        print(f"{labels_[k]:<40}{med[k]:>14,.0f}{med[k] / med['dataloader']:>8.2f}x{med[k] / med['floor']:>9.0%}")
    print(f"{'test-set evaluation (inference_mode)':<40}{eval_img_s:>14,.0f}")
    speedup, of_floor = med["fast"] / med["dataloader"], med["fast"] / med["floor"]
    if device.type == "cuda":
        print(f"\ntarget on a CUDA GPU: fast >= 5x DataLoader: {speedup:.2f}x {'met' if speedup >= 5 else 'MISSED'}")
    else:
        met = speedup >= 1.4 and of_floor >= 0.85
        print(f"\ntargets on CPU: fast >= 1.4x DataLoader ({speedup:.2f}x) and within 15% of the floor "
              f"({of_floor:.0%}): {'met' if met else 'MISSED'}")
    epoch_s = 60000 / med["fast"]
    print(f"\none training epoch on the fast path: about {epoch_s:.1f} s (without evaluation)")
    record = {"device": str(device), "dataloader_img_s": round(med["dataloader"]), "fast_img_s": round(med["fast"]),
              "floor_img_s": round(med["floor"]), "eval_img_s": round(eval_img_s),
              "dataloader_workers_img_s": round(med["dataloader_workers"]), "workers": workers,
              "threads": threads, "batch_size": args.batch_size, "batches": n_batches, "repeats": args.repeats,
              "params": totals["params"], "macs": totals["macs"], "torch": torch.__version__}
    if args.out:
        Path(args.out).write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps(record))


if __name__ == "__main__":
    main()
