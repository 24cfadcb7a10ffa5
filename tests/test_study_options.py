"""s7/studies/study_options.py: a study writes under runs/ unless published (never a quick run published), and
a quick run never replaces a finished file."""
import json
from pathlib import Path

import pytest

from s7.core.places import ROOT
from s7.studies import study_options


@pytest.mark.parametrize("study", ["public", "ablation"])
def test_a_study_writes_under_runs_unless_published(study, tmp_path, monkeypatch):
    """search/public.py and search/ablation.py: runs/<folder>/ by default, results/<folder>/ only with
    --publish, and never a quick run published."""
    import importlib
    module = importlib.import_module(f"search.{study}")
    monkeypatch.setattr(study_options, "RUNS", tmp_path / "runs")
    outs = []
    monkeypatch.setattr(module, "seeded_runs", lambda name, seeds, out, train: outs.append(Path(out)))
    first = ["public4968"] if study == "public" else ["--rows", "onecycle"]
    assert module.main(first + ["--quick"]) == 0
    assert module.main(first) == 0
    assert module.main(first + ["--publish"]) == 0
    assert outs == [tmp_path / "runs" / module.OUT.name] * 2 + [module.OUT]
    assert module.OUT.parent == ROOT / "results"
    with pytest.raises(SystemExit, match="never a published result"):
        module.main(first + ["--publish", "--quick"])
    with pytest.raises(SystemExit, match="not both"):               # --publish does not override --out
        module.main(first + ["--publish", "--out", str(tmp_path / "elsewhere")])
    assert outs == [tmp_path / "runs" / module.OUT.name] * 2 + [module.OUT]


def test_the_search_rounds_write_under_runs_unless_published(tmp_path, monkeypatch):
    """search/rounds.py and search/tune.py: runs/tuning/ by default, results/tuning/ with --publish, --out
    where given; a round's --verdict reads where its runs went."""
    from search import rounds, tune
    monkeypatch.setattr(study_options, "RUNS", tmp_path / "runs")
    ran, judged = [], []
    monkeypatch.setattr(rounds, "run_rounds", lambda names, jobs, out: ran.append(Path(out)))
    monkeypatch.setattr(rounds, "round_decision", lambda name, out: judged.append(Path(out)) or
                        dict(rows={}, qualified=[], pending=[], chosen=None, fallback=None))
    assert rounds.main(["round7"]) == 0 and rounds.main(["round7", "--publish"]) == 0
    assert rounds.main(["round7", "--out", str(tmp_path / "x")]) == 0
    assert ran == [tmp_path / "runs" / "tuning", ROOT / "results" / "tuning", tmp_path / "x"]
    assert rounds.main(["round7", "--verdict"]) == 0
    assert judged == [tmp_path / "runs" / "tuning"]

    saved = []

    built = []

    class Fitted:
        loaders = type("L", (), {"eval_split": "val"})

        def __init__(self, *args, **kwargs):
            built.append(kwargs)

        def train(self):
            pass
    monkeypatch.setattr(tune, "SeededRun", Fitted)
    monkeypatch.setattr(tune, "save_as", lambda run, path: saved.append(Path(path)) or
                        {"params": 1, "history": {"val_acc": [99.0], "train_acc": [99.0]}})
    assert tune.main(["v", "--config", "{}"]) == 0 and tune.main(["v", "--config", "{}", "--publish"]) == 0
    assert saved == [tmp_path / "runs" / "tuning" / "v.json", ROOT / "results" / "tuning" / "v.json"]
    # a search run evaluates on the held-out 5,000 training images (never the test set), at seed 1 unless told
    assert [(b["holdout"], b["seed"]) for b in built] == [(5000, 1), (5000, 1)]


def test_a_quick_run_never_replaces_a_finished_file(tmp_path):
    finished = json.loads((ROOT / "results" / "public" / "step6_on_3762_seed1.json").read_text())
    (tmp_path / "row_seed1.json").write_text(json.dumps(finished))
    (tmp_path / "row_seed2.json").write_text(json.dumps(dict(finished, seed=2, quick=True)))
    trained = []
    study_options.seeded_runs("row", [1, 2], tmp_path, train=lambda seed: trained.append(seed) or dict(finished, seed=seed))
    assert trained == [2]                                   # the finished file kept, the quick one redone
    assert json.loads((tmp_path / "row_seed1.json").read_text()) == finished
