#!/usr/bin/env python3
"""How fast can step 6 train here? Its training step timed on each data path, side by side, in one process.

  (a) dataloader: torchvision-style Dataset + DataLoader + per-image PIL transforms
  (b) fast:       TensorLoader (s7/core/loaders.py), the notebooks' data path: one tensor on the device,
                  slicing, batched affine augmentation
  (c) floor:      the same step on batches prepared in memory beforehand (no data work)
  (d) graphed:    on CUDA only: the fast path with each update a replayed CUDA graph
                  (s7.core.gpu.CudaGraph, what utils.train uses there), its convolutions autotuned by cuDNN
  (d') the same with cuDNN's deterministic algorithms (cudnn_autotune=False)

The step is notebook 6's, read from its parameters cell: Model6, its SGD, batch size, augmentation
and weight average, trained by utils.train (s7/studies/benchmark.py does the timing). Each path trains over the same number of batches after a
warm-up, repeated; the table gives medians in images per second. Then the test-set evaluation
throughput and, with --train, one full step-6 training (15 epochs) timed on this device.
The last line is one JSON object.

  python -m scripts.benchmark [--quick] [--train] [--batches N] [--repeats R] [--out results/benchmark.json]
"""

import argparse
import json
from pathlib import Path

from s7.core.data_checks import DATA_ROOT_HELP
from s7.studies.benchmark import benchmark


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="fewer batches (under 2 minutes on 2 CPU cores)")
    p.add_argument("--train", action="store_true", help="also time one full step-6 training (minutes on a CPU)")
    p.add_argument("--batches", type=int, help="timed batches per repeat (default 200, quick 80)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--batch-size", type=int, help="default: step 6's")
    p.add_argument("--device", help="cpu, cuda or mps (default: the best available)")
    p.add_argument("--data-root", help=DATA_ROOT_HELP)
    p.add_argument("--out", help="also write the JSON here")
    args = p.parse_args(argv)
    record = benchmark(args.quick, args.train, args.batches, args.repeats, args.batch_size, args.device, args.data_root)
    if args.out:
        Path(args.out).write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps(record))


if __name__ == "__main__":
    main()
