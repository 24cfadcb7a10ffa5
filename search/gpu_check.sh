#!/usr/bin/env bash
# The GPU checks, in one run on a CUDA machine (how results/benchmark_cuda.json and the GPU runs of
# the validation search were made). MNIST must be under $MNIST_ROOT; results go to ${OUT:-gpu_out}.
#   bash search/gpu_check.sh [ROUND ...]      # e.g. round9: also run those search rounds
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-gpu_out}"; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
# 1. the graphed step replays eager training (and the rest of the CUDA tests)
python3 -m pytest -q -p no:cacheprovider tests/test_gpu.py 2>&1 | tee "$OUT/pytest_cuda.log"
# 2. data paths side by side, eager vs graphed, and one full step-6 training
python3 -m scripts.benchmark --device cuda --train --out "$OUT/benchmark_cuda.json" 2>&1 | tee "$OUT/benchmark_cuda.log"
[ $# -eq 0 ] && exit 0
# 3. search rounds: one process per run, 16 at a time. CUDA MPS (where the driver has it) lets their
#    kernels run side by side (16 runs of 15 epochs took about 45 s on an H200); without it the GPU
#    time-slices between the processes (about 2 minutes for 16).
if command -v nvidia-cuda-mps-control >/dev/null; then
  export CUDA_MPS_PIPE_DIRECTORY=/tmp/mps CUDA_MPS_LOG_DIRECTORY=/tmp/mpslog
  mkdir -p /tmp/mps /tmp/mpslog && nvidia-cuda-mps-control -d || unset CUDA_MPS_PIPE_DIRECTORY CUDA_MPS_LOG_DIRECTORY
fi
# on the timeout's SIGTERM, search.rounds ends the runs it started (by their ids); a run cut off leaves no file
timeout "${SEARCH_TIMEOUT:-330}" python3 -m search.rounds "$@" --jobs 16 --out "$OUT/tuning"
python3 -m search.rounds "$@" --verdict --out "$OUT/tuning"
tar czf "$OUT/tuning.tgz" -C "$OUT" tuning && rm -r "$OUT/tuning"
