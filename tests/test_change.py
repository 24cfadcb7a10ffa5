"""A change judged by the one rule (s7/studies/change.py): where each run of `--set ... --seeds` goes."""
from pathlib import Path

from s7.core.places import RUNS
from s7.studies import change, run_options


def test_the_baseline_run_here_goes_where_out_says_and_never_into_results(monkeypatch, tmp_path):
    kept = []
    monkeypatch.setattr(change, "keep_seed_run", lambda notebook, seed, dest: kept.append((seed, Path(dest))))
    monkeypatch.setattr(change, "execute_run", lambda *a, **k: {"seed": 0, "history": {"test_acc": [99.0] * 3}})
    monkeypatch.setattr(change, "change_verdict", lambda records, baseline, where: "verdict")
    for out, expected in ((str(tmp_path / "elsewhere"), tmp_path / "elsewhere"), (None, RUNS)):
        kept.clear()
        argv = ["--notebook", "5", "--set", "AUGMENT.degrees=0", "--seeds", "1", "2", "--baseline-here"]
        args = run_options.parse_args(argv + (["--out", out] if out else []))
        records = [{"seed": s, "history": {"test_acc": [99.0] * 3}} for s in (1, 2)]
        assert change.judge_change(5, records, args) == "verdict"
        assert kept == [(1, expected), (2, expected)]
