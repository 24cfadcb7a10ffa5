"""s7/studies/report/teaching.py: TEACHING.md's times: a notebook's 15-epoch run and its two Try it questions
at five seeds (notebook 1's first trains 5 epochs), from the measured seconds per epoch, and the one GPU run."""
import json

from s7.core.places import ROOT
from s7.studies import epoch_times
from s7.studies.report import teaching

TIMES = {"cpu": "A CPU (avx2)", "threads": 4, "steps": {str(n): {"median_s": 6.0 * n} for n in range(1, 7)}}


def test_each_notebooks_times_are_its_epochs_at_its_measured_seconds(monkeypatch):
    monkeypatch.setattr(epoch_times, "load", lambda *args, **kwargs: TIMES)
    lines = teaching.times_table().splitlines()
    rows = {int(line.split("|")[1]): line for line in lines if line[:3] in {f"| {n}" for n in range(1, 7)}}
    assert sorted(rows) == [1, 2, 3, 4, 5, 6]
    for n, row in rows.items():
        s = 6.0 * n
        run = 15 * s / 60                                             # 15 epochs: 1.5 min at 6 s an epoch
        questions = (5 * 5 * s + 5 * 15 * s) / 60 if n == 1 else 2 * 5 * 15 * s / 60
        assert row.endswith(f"| {run:.1f} min | about {questions:.0f} min |"), row
    assert "Measured on A CPU (avx2), 4 threads (`results/epoch_times.json`)" in "\n".join(lines)
    gpu = json.loads((ROOT / "results" / "benchmark_cuda.json").read_text())
    assert (f"one full run on an {gpu['device_name']} trained in {gpu['full_training']['train_seconds']:.1f} s"
            in lines[-1])


def test_before_the_measurement_the_table_says_so(monkeypatch):
    monkeypatch.setattr(epoch_times, "load", lambda *args, **kwargs: None)
    assert teaching.times_table().startswith("*Not measured yet")
