#!/usr/bin/env bash
# The GPU checks, in one run on a CUDA machine (how results/benchmark_cuda.json and the round-7
# validation runs were made). MNIST must be under $MNIST_ROOT; results go to ${OUT:-gpu_out}.
#   bash scripts/gpu_check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-gpu_out}"; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
# 1. the graphed step replays eager training (and the rest of the CUDA tests)
python3 -m pytest -q -p no:cacheprovider tests/test_cuda_graph.py 2>&1 | tee "$OUT/pytest_cuda.log"
# 2. data paths side by side, eager vs graphed, and one full step-6 training
python3 scripts/benchmark.py --device cuda --train --out "$OUT/benchmark_cuda.json" 2>&1 | tee "$OUT/benchmark_cuda.log"
# 3. the validation search of round 7: one process per run, 16 at a time
timeout "${SEARCH_TIMEOUT:-330}" python3 scripts/search.py round7 --jobs 16 --out "$OUT/tuning"
python3 scripts/search.py round7 --verdict --out "$OUT/tuning"
tar czf "$OUT/tuning.tgz" -C "$OUT" tuning && rm -r "$OUT/tuning"
