"""The scripts end only the processes they started."""
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_stopped_search_ends_the_runs_it_started(tmp_path):
    search = subprocess.Popen([sys.executable, str(ROOT / "search" / "search.py"), "round7", "--jobs", "2",
                               "--out", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])   # not the search's
    try:
        deadline, runs = time.time() + 30, set()
        while len(runs) < 2 and time.time() < deadline:
            runs = children(search.pid)
            time.sleep(0.1)
        assert len(runs) == 2, "the search started no runs"
        search.send_signal(signal.SIGTERM)                      # what gpu_check.sh's timeout sends
        assert search.wait(timeout=30) == 128 + signal.SIGTERM
        deadline = time.time() + 15
        while any(map(running, runs)) and time.time() < deadline:
            time.sleep(0.1)
        assert not any(map(running, runs)), "a run the search started outlived it"
        assert bystander.poll() is None                         # nothing it did not start
    finally:
        bystander.kill()
        search.kill()


def test_public_recipe_runs_seeded_and_records_what_it_ran(real_root, tmp_path):
    import public
    import utils
    assert utils.count_params(public.Public4968()) == 4968                     # the solution's own count
    a = public.run("public4968", seed=3, root=real_root, out=tmp_path, quick=True)
    b = public.run("public4968", seed=3, root=real_root, out=tmp_path / "again", quick=True)
    assert a["history"]["test_acc"] == b["history"]["test_acc"]                # seeded: it repeats
    saved = utils.load_results(tmp_path / "public4968_seed3.json")
    assert saved["params"] == 4968 and saved["max_grad_norm"] == 2.0 and saved["batch_size"] == 64
    assert saved["data_path"] == "dataloader (their torchvision transforms)"
    assert saved["lr_schedule"]["div_factor"] == 5 and saved["optimizer"] == {"name": "SGD", "lr": 0.065, "momentum": 0.9}
    assert "Shankarganesh127" in saved["source"]
    assert utils.count_params(public.Public6128()) == 6128                     # the other solution's own count
    c = public.run("public6128", seed=3, root=real_root, out=tmp_path, quick=True)
    assert c["optimizer"] == {"name": "Adam", "lr": 0.01} and c["lr_schedule"]["name"] == "StepLR"
    assert "sunpau" in c["source"] and c["recipe"] == "public6128"
    d = public.run("public3762", seed=3, root=real_root, out=tmp_path, quick=True)     # albumentations 1.x's path
    assert d["trained_momentum"] == 0.95 and d["albumentations"].startswith("1.") and d["batch_size"] == 32
    assert d["lr_schedule"]["unstepped"] == {"max_lr": 0.1, "anneal_strategy": "linear"}


def test_public_rerun_repeats_its_committed_first_epoch(real_root, assert_repeats):
    """The committed re-runs are what this code trains: seed 1's first epoch (see conftest.repeats)."""
    import public
    import utils
    committed = utils.load_results(ROOT / "results" / "public" / "public4968_seed1.json")
    history = public.build("public4968", seed=1, root=real_root).fit(epochs=1)
    assert_repeats({"history": {k: history[k] for k in committed["history"]}}, committed)


def test_search_skips_the_seeds_of_a_ruled_out_candidate_and_its_verdict_keeps_its_row(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "scripts"))
    import json
    import search
    names = list(search.ROUNDS["round11"]["candidates"])
    record = json.loads((ROOT / "results" / "tuning" / "round11_sh4392_seed1.json").read_text())
    for name, val_acc in ((names[0], [99.5, 99.39, 99.5]), (names[1], [99.5, 99.45, 99.5])):   # one under 99.40
        record["history"]["val_acc"][-3:] = val_acc
        (tmp_path / f"{search.run_name('round11', name, 1)}.json").write_text(json.dumps(record))
    launched = []

    class Run:                                               # stands in for a training process
        def __init__(self, cmd, **_):
            launched.append(cmd[2])

        def wait(self):
            return 0
    monkeypatch.setattr(search.subprocess, "Popen", Run)
    search.run_rounds(["round11"], 1, tmp_path)
    assert [n for n in launched if n.startswith(f"round11_{names[0]}_")] == []                # ruled out: no seed
    assert [n for n in launched if n.startswith(f"round11_{names[1]}_")] == [
        search.run_name("round11", names[1], s) for s in (2, 3, 4)]                          # still open
    v = search.verdict("round11", tmp_path)
    assert set(v["rows"]) == {names[0]} and not v["rows"][names[0]]["complete"]
    assert v["rows"][names[0]]["seeds"] == [1] and v["rows"][names[0]]["min"] == 99.39
    assert v["pending"] and names[1] in v["pending"] and v["chosen"] is None and v["fallback"] is None


@pytest.mark.parametrize("study", ["public", "ablation"])
def test_a_study_writes_under_runs_unless_published(study, tmp_path, monkeypatch):
    """search/public.py and search/ablation.py: runs/<folder>/ by default, results/<folder>/ only with
    --publish, and never a quick run published."""
    import importlib
    import recipe
    module = importlib.import_module(study)
    monkeypatch.setattr(recipe, "RUNS", tmp_path / "runs")
    outs = []
    monkeypatch.setattr(module, "seeded_runs", lambda name, seeds, out, train, quick=False: outs.append(Path(out)))
    first = ["public4968"] if study == "public" else ["--rows", "onecycle"]
    assert module.main(first + ["--quick"]) == 0
    assert module.main(first) == 0
    assert module.main(first + ["--publish"]) == 0
    assert outs == [tmp_path / "runs" / module.OUT.name] * 2 + [module.OUT]
    assert module.OUT.parent == ROOT / "results"
    with pytest.raises(SystemExit, match="never a published result"):
        module.main(first + ["--publish", "--quick"])


def test_a_quick_run_never_replaces_a_finished_file(tmp_path):
    import json
    import recipe
    finished = json.loads((ROOT / "results" / "public" / "step6_on_3762_seed1.json").read_text())
    (tmp_path / "row_seed1.json").write_text(json.dumps(finished))
    (tmp_path / "row_seed2.json").write_text(json.dumps(dict(finished, seed=2, quick=True)))
    trained = []
    recipe.seeded_runs("row", [1, 2], tmp_path, lambda seed: trained.append(seed) or dict(finished, seed=seed), quick=True)
    assert trained == [2]                                   # the finished file kept, the quick one redone
    assert json.loads((tmp_path / "row_seed1.json").read_text()) == finished
