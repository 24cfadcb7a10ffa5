"""scripts/benchmark.py and s7/studies/benchmark.py: the table and its record, and the timing itself: only the
images of the timed batches, after the warm-up, over the time between the clock's two readings."""
import itertools
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import torch

from s7.studies import benchmark

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_prints_table_and_json_last_line(real_root, tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, "-m", "scripts.benchmark", "--batches", "4",
                             "--repeats", "1", "--device", "cpu", "--out", str(out)],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    record = json.loads(lines[-1])
    for key in ("device", "dataloader_img_s", "fast_img_s", "floor_img_s", "eval_img_s"):
        assert record[key], key
    assert record["device"] == "cpu" and json.loads(out.read_text()) == record
    assert any("fast tensor path" in line for line in lines)



def test_the_timing_counts_the_images_of_the_timed_batches_only(monkeypatch):
    readings = iter([100.0, 104.0])                                  # the clock: 4 s between start and end
    monkeypatch.setattr(benchmark, "time", SimpleNamespace(perf_counter=lambda: next(readings)))
    sizes = [3, 5, 7, 11, 13, 17]
    batches = iter([(torch.randn(n, 1, 4, 4), torch.randint(0, 10, (n,))) for n in sizes])
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 10), torch.nn.LogSoftmax(dim=1))
    step = dict(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), average=None, graph=None)
    rate = benchmark.time_training(step, batches, n_batches=3, warmup=2, device=torch.device("cpu"))
    assert rate == (7 + 11 + 13) / 4.0                                 # 2 warm-up batches, then 3 timed
    assert len(next(batches)[1]) == 17                                 # the batch after them left for the next path


def test_a_data_path_is_drawn_from_endlessly():
    assert list(itertools.islice(benchmark.endless([1, 2, 3]), 7)) == [1, 2, 3, 1, 2, 3, 1]
