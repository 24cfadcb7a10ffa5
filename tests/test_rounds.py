"""The validation search's rounds (s7/studies/rounds.py, search/rounds.py): their verdicts and test runs, a
ruled-out candidate's seeds skipped, and a stopped search ending only the runs it started."""
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from s7.core.places import ROOT, round_run_name
from s7.studies import record_sets, rounds


@pytest.mark.parametrize("round_name, fallback, test_seeds", [
    ("round7", "narrow4168", range(1, 6)), ("round8", "n_wd3e-4", ()), ("round9", "w4916_wd3e-4_scale", range(1, 11)),
    ("round10", "b_mom0.9", ()), ("round11", "b6554", ()), ("round12", "a7296", ())])
def test_search_verdicts_and_their_test_runs(round_name, fallback, test_seeds):
    decided = rounds.round_decision(round_name)
    assert decided["chosen"] is None and decided["fallback"] == fallback     # what TUNING.md says
    assert set(decided["rows"]) == set(rounds.ROUNDS[round_name]["candidates"])    # every candidate ran
    runs = record_sets.round_test_records(round_name)
    config = rounds.ROUNDS[round_name]["candidates"][decided["fallback"]]["config"]
    assert sorted(r["seed"] for r in runs) == list(test_seeds)
    for r in runs:
        assert r["model"] == "Net" and r["model_kwargs"] == config["model_kwargs"] and r["holdout"] == 0
        assert all(r[k] == config[k] for k in ("epochs", "batch_size", "optimizer", "lr_schedule", "augment", "ema_decay"))


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
    search = subprocess.Popen([sys.executable, "-m", "search.rounds", "round7", "--jobs", "2", "--out", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
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

def test_search_skips_the_seeds_of_a_ruled_out_candidate_and_its_verdict_keeps_its_row(tmp_path, monkeypatch):
    names = list(rounds.ROUNDS["round11"]["candidates"])
    record = json.loads((ROOT / "results" / "tuning" / "round11_sh4392_seed1.json").read_text())
    for name, val_acc in ((names[0], [99.5, 99.39, 99.5]), (names[1], [99.5, 99.45, 99.5])):   # one under 99.40
        record["history"]["val_acc"][-3:] = val_acc
        (tmp_path / f"{round_run_name('round11', name, 1)}.json").write_text(json.dumps(record))
    launched = []

    class Run:                                               # stands in for a training process
        def __init__(self, cmd, **_):
            launched.append(cmd[3])

        def wait(self):
            return 0
    monkeypatch.setattr(rounds.subprocess, "Popen", Run)
    rounds.run_rounds(["round11"], 1, tmp_path)
    assert [n for n in launched if n.startswith(f"round11_{names[0]}_")] == []                # ruled out: no seed
    assert [n for n in launched if n.startswith(f"round11_{names[1]}_")] == [
        round_run_name("round11", names[1], s) for s in (2, 3, 4)]                          # still open
    v = rounds.round_decision("round11", tmp_path)
    assert set(v["rows"]) == {names[0]} and not v["rows"][names[0]]["complete"]
    assert v["rows"][names[0]]["seeds"] == [1] and v["rows"][names[0]]["min"] == 99.39
    assert v["pending"] and names[1] in v["pending"] and v["chosen"] is None and v["fallback"] is None


def test_a_rounds_verdict_marks_exactly_the_candidates_that_qualify(monkeypatch, capsys):
    from search import rounds as command
    rows = {"a": dict(params=4000, macs=1, mean=99.53, min=99.41, complete=True, seeds=[1, 2, 3, 4]),
            "b": dict(params=3000, macs=1, mean=99.40, min=99.20, complete=True, seeds=[1, 2, 3, 4])}
    monkeypatch.setattr(command, "round_decision", lambda name, out: dict(rows=rows, qualified=["a"], pending=[],
                                                                           chosen="a", fallback=None))
    assert command.main(["round7", "--verdict"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.startswith("  ")}
    assert lines["a"].endswith("qualifies") and not lines["b"].endswith("qualifies")
