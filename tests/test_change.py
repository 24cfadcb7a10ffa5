"""A change judged by the one rule (s7/studies/change.py): where each run of `--set ... --seeds` goes, each
seed's run kept in its own file, and the verdict only as the one rule allows: against its own notebook's
seeds paired by number (whatever order the runs come in), never when shortened, counted over its own runs,
with a note when the published runs came from another kind of machine."""
import copy
import json
from pathlib import Path

import pytest
from conftest import difference_sentence

from s7.core.places import ROOT, RUNS
from s7.core.records import load_results
from s7.studies import change, run_options
from s7.studies.run_options import parse_args


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


def test_a_change_at_several_seeds_is_judged_by_the_one_rule():
    from conftest import difference_sentence

    from s7.core.standing import study_means
    published = [load_results(ROOT / "results" / "seeds" / f"S7_Model_2_seed{s}.json") for s in (1, 2, 3)]
    changed = [copy.deepcopy(r) for r in published]
    for r, bump in zip(changed, (0.10, 0.12, 0.08)):
        r["history"]["test_acc"][-3:] = [a + bump for a in r["history"]["test_acc"][-3:]]
    baseline = study_means(2, [1, 2, 3])
    line = change.change_verdict(changed, baseline, "the published seed study at the same seeds")
    after = {r["seed"]: sum(r["history"]["test_acc"][-3:]) / 3 for r in changed}
    assert difference_sentence(baseline, after) in line and "a clear gain" in line
    assert line.endswith("0 of 3 seeds meet the target")
    assert "fewer than 2 seeds" in change.change_verdict(changed[:1], baseline, "x")


def test_the_runner_says_when_the_published_runs_came_from_another_machine(monkeypatch):
    monkeypatch.setattr(change, "cpu_name", lambda: "another processor")
    assert "--baseline-here" in change.machine_note(6, [1, 2])
    here = load_results(ROOT / "results" / "seeds" / "S7_Model_6_seed1.json")["cpu"]
    monkeypatch.setattr(change, "cpu_name", lambda: here)
    assert change.machine_note(6, [1]) is None


BEFORE = {1: 99.10, 2: 99.30, 3: 99.20}
AFTER = {1: 99.25, 2: 99.45, 3: 99.33}          # per seed: +0.15, +0.15, +0.13


def test_a_change_whose_runs_come_in_reverse_seed_order_gets_the_same_verdict():
    """The runner's verdict on a change: its records listed seed 3, 2, 1 read as listed 1, 2, 3."""
    def record(seed, acc):
        return {"seed": seed, "params": 7000, "history": {"train_acc": [99.0] * 15, "test_acc": [98.0] * 12 + [acc] * 3}}
    in_order = [record(s, AFTER[s]) for s in (1, 2, 3)]
    backwards = [record(s, AFTER[s]) for s in (3, 2, 1)]
    line = change.change_verdict(in_order, dict(BEFORE), "x")
    assert line == change.change_verdict(backwards, dict(BEFORE), "x")
    assert line == change.change_verdict(backwards, {s: BEFORE[s] for s in (3, 2, 1)}, "x")
    meeting = sum(acc >= 99.4 for acc in AFTER.values())                # every one of the last 3 at 99.40+
    assert difference_sentence(BEFORE, AFTER) in line and line.endswith(f"{meeting} of 3 seeds meet the target")


CHANGE = ["AUGMENT.degrees=15"]
CHANGE_FILE = "S7_Model_5_AUGMENT.degrees-15"        # the change's runs: try_it/<notebook>_<setting>_seed<S>.json
BUMPS = {1: 0.10, 2: 0.12, 3: 0.08, 4: 0.11, 5: 0.09}


def published_seed(n: int, seed: int) -> dict:
    return json.loads((ROOT / "results" / "seeds" / f"S7_Model_{n}_seed{seed}.json").read_text())


def last3_mean(record: dict) -> float:
    return sum(record["history"]["test_acc"][-3:]) / 3


def meets(record: dict) -> bool:
    """The exercise: under 8,000 parameters, at most 15 epochs, each of the last 3 test accuracies 99.40% or more."""
    acc = record["history"]["test_acc"]
    return record["params"] < 8000 and len(acc) <= 15 and min(acc[-3:]) >= 99.4


def changed_run(seed: int, n: int = 5) -> dict:
    """Notebook n's published run at `seed` with its last 3 test accuracies raised, as the change's run."""
    record = copy.deepcopy(published_seed(n, seed))
    record["history"]["test_acc"][-3:] = [a + BUMPS[seed] for a in record["history"]["test_acc"][-3:]]
    return dict(record, augment={"degrees": 15, "shift": 2}, changes={"AUGMENT": {"degrees": 15, "shift": 2}},
                settings=list(CHANGE))


def args_for(*extra, seeds=(1, 2, 3)):
    return parse_args(["--notebook", "5", *[a for s in CHANGE for a in ("--set", s)],
                       "--seeds", *map(str, seeds), "--silent", *extra])


@pytest.fixture
def here_is_the_published_machine(monkeypatch):
    """This machine reads as the CPU kind the published seeds of notebook 5 ran on (no machine note)."""
    kinds = {published_seed(5, s)["cpu"] for s in range(1, 6)}
    assert len(kinds) == 1
    kind = kinds.pop()
    monkeypatch.setattr(change, "cpu_name", lambda: kind)


def no_training(*args, **kwargs):
    raise AssertionError("a notebook was executed")


# ----------------------------------------------------------------------------
# Each seed of a change in its own file
# ----------------------------------------------------------------------------
def test_each_seed_of_a_change_is_kept_in_its_own_file(tmp_path):
    """<dest>/try_it/<change>_seed<S>.json, one file per seed, holding that seed's run."""
    for seed in (1, 2, 3):
        produced = tmp_path / f"scratch{seed}" / "S7_Model_5.json"
        produced.parent.mkdir()
        produced.write_text(json.dumps({"seed": seed}))
        change.keep_change_run(5, CHANGE, seed=seed, dest=tmp_path / "out")(None, produced)
    kept = sorted((tmp_path / "out").rglob("*.json"))
    assert [p.relative_to(tmp_path / "out").as_posix() for p in kept] == [
        f"try_it/{CHANGE_FILE}_seed{s}.json" for s in (1, 2, 3)]
    assert [json.loads(p.read_text())["seed"] for p in kept] == [1, 2, 3]


def test_the_runner_keeps_each_seed_of_a_change_apart_and_judges_them(tmp_path, monkeypatch, capsys,
                                                                      here_is_the_published_machine):
    """scripts.run --notebook 5 --set AUGMENT.degrees=15 --seeds 1 2 3 --out DIR, its notebook executions
    replaced by runs that write the same scratch file each time (as the notebook does): three files,
    one per seed, and the verdict of the three against the published seeds 1-3."""
    scratch = tmp_path / "scratch" / "S7_Model_5.json"
    scratch.parent.mkdir()
    ran = []

    def fake_execute(notebook, params, echo, keep, settings=()):
        assert notebook == 5 and params["AUGMENT"] == {"degrees": 15, "shift": 2}
        ran.append(params["SEED"])
        scratch.write_text(json.dumps(changed_run(params["SEED"])))
        keep(None, scratch)
        return json.loads(scratch.read_text())
    monkeypatch.setattr(change, "execute_run", fake_execute)
    change.run_notebook(5, args_for("--out", str(tmp_path / "out")))
    assert ran == [1, 2, 3]
    for seed in (1, 2, 3):
        kept = json.loads((tmp_path / "out" / "try_it" / f"{CHANGE_FILE}_seed{seed}.json").read_text())
        assert kept == changed_run(seed)
    assert len(list((tmp_path / "out").rglob("*.json"))) == 3
    before = {s: last3_mean(published_seed(5, s)) for s in (1, 2, 3)}
    after = {s: last3_mean(changed_run(s)) for s in (1, 2, 3)}
    assert difference_sentence(before, after) in capsys.readouterr().out


# ----------------------------------------------------------------------------
# The verdict on a change
# ----------------------------------------------------------------------------
def test_a_change_is_judged_against_its_own_notebooks_seeds(here_is_the_published_machine):
    """Notebook 5's change against notebook 5's published seeds 1-3 (not step 4's, nor any other step's),
    the sentence recomputed here from the files."""
    records = [changed_run(s) for s in (1, 2, 3)]
    line = change.judge_change(5, records, args_for())
    before = {s: last3_mean(published_seed(5, s)) for s in (1, 2, 3)}
    after = {s: last3_mean(r) for s, r in zip((1, 2, 3), records)}
    meeting = sum(map(meets, records))
    assert line == (f"against the published seed study (results/seeds/) at the same seeds: "
                    f"{difference_sentence(before, after)}; {meeting} of 3 seeds meet the target")
    for other in (1, 2, 3, 4, 6):
        wrong = {s: last3_mean(published_seed(other, s)) for s in (1, 2, 3)}
        assert difference_sentence(wrong, after) not in line, other


@pytest.mark.parametrize("extra", [["--epochs", "5"], ["--epochs", "15"], ["--quick"], ["--validate"]])
def test_a_shortened_or_validation_run_gets_no_verdict(extra, monkeypatch):
    """Runs with --epochs (even the notebook's own 15), --quick or --validate are not the published recipe
    with only the change: no verdict, and with --baseline-here nothing is trained for one."""
    records = [changed_run(s) for s in (1, 2, 3)]
    for r in records:
        r.update(quick="--quick" in extra)
    monkeypatch.setattr(change, "execute_run", no_training)
    for args in (args_for(*extra), args_for(*extra, "--baseline-here")):
        line = change.judge_change(5, records, args)
        assert line.startswith("no verdict: these runs are not the published recipe with only your change"), line
        assert not any(words in line for words in ("a clear gain", "a clear loss", "within the seed noise", "meet the target"))


def test_the_seeds_meeting_the_target_are_counted_over_the_changes_own_runs(here_is_the_published_machine):
    """A change at seeds 1, 2, 3 and 9, where the published study has no seed 9: the difference at the 3
    seeds both have, the target counted over the change's 4 runs."""
    records = [changed_run(s) for s in (1, 2, 3)]
    extra = changed_run(3)
    extra["seed"] = 9
    extra["history"]["test_acc"][-3:] = [99.5, 99.6, 99.7]          # meets the target
    records.append(extra)
    line = change.judge_change(5, records, args_for(seeds=(1, 2, 3, 9)))
    before = {s: last3_mean(published_seed(5, s)) for s in (1, 2, 3)}
    after = {s: last3_mean(r) for s, r in zip((1, 2, 3), records)}
    assert difference_sentence(before, after) in line and "seeds 1-3)" in line
    assert line.endswith(f"; {sum(map(meets, records))} of 4 seeds meet the target"), line


def test_the_verdict_notes_published_runs_from_another_kind_of_machine(monkeypatch):
    """The published seeds of notebook 5 came from one CPU kind: on another, the verdict says so and points
    at --baseline-here; on that kind, no note."""
    kinds = sorted({published_seed(5, s)["cpu"] for s in (1, 2, 3)})
    records = [changed_run(s) for s in (1, 2, 3)]
    monkeypatch.setattr(change, "cpu_name", lambda: "another processor")
    line = change.judge_change(5, records, args_for())
    verdict, _, note = line.partition("\n  note: ")
    assert verdict.startswith("against the published seed study (results/seeds/) at the same seeds: ")
    assert note.startswith(f"the published runs came from another kind of machine ({', '.join(kinds)}; "
                           f"this one: another processor)") and "--baseline-here" in note
    monkeypatch.setattr(change, "cpu_name", lambda: kinds[0])
    assert "note:" not in change.judge_change(5, records, args_for())
    on_gpu = [dict(r, device="cuda:0") for r in records]        # the same processor, but a GPU trained them
    note = change.judge_change(5, on_gpu, args_for()).partition("\n  note: ")[2]
    assert f"this one: {kinds[0]} with cuda" in note and "--baseline-here" in note


def test_with_baseline_here_the_change_is_judged_against_the_unchanged_recipe_run_here(monkeypatch):
    """--baseline-here: the notebook run once per seed of the change, unchanged (only its seed given), and
    the change judged against those runs, paired by seed, whatever the published runs say."""
    baseline_runs = {s: {"seed": s, "history": {"test_acc": [99.0] * 12 + [99.2 + 0.01 * s] * 3}} for s in (1, 2, 3)}
    asked = []

    def fake_execute(notebook, params, echo, keep, settings=()):
        assert notebook == 5 and not settings
        asked.append(params)
        return baseline_runs[params["SEED"]]
    monkeypatch.setattr(change, "execute_run", fake_execute)
    monkeypatch.setattr(change, "cpu_name", lambda: "another processor")
    records = [changed_run(s) for s in (3, 1, 2)]
    line = change.judge_change(5, records, args_for("--baseline-here", seeds=(3, 1, 2)))
    assert asked == [{"SEED": 3}, {"SEED": 1}, {"SEED": 2}]
    before = {s: last3_mean(r) for s, r in baseline_runs.items()}
    after = {r["seed"]: last3_mean(r) for r in records}
    assert line == (f"against the unchanged recipe run here at the same seeds: {difference_sentence(before, after)}; "
                    f"{sum(map(meets, records))} of 3 seeds meet the target")


def kept_where(monkeypatch, argv) -> list[tuple]:
    """Where run_notebook keeps each run of a command, with nothing executed."""
    kept = []
    monkeypatch.setattr(change, "keep_seed_run", lambda n, seed, dest: kept.append(("seed", seed, Path(dest))))
    monkeypatch.setattr(change, "keep_change_run", lambda n, s, seed, dest: kept.append(("change", seed, Path(dest))))
    monkeypatch.setattr(change, "keep_validation_run", lambda n, dest: kept.append(("validation", None, Path(dest))))
    monkeypatch.setattr(change, "keep_notebook_run", lambda n, dest, publish: kept.append(("notebook", publish, Path(dest))))
    monkeypatch.setattr(change, "execute_run", lambda *a, **k: {"seed": 1, "history": {"test_acc": [99.0] * 3}})
    monkeypatch.setattr(change, "run_line", lambda record, dest: "")
    monkeypatch.setattr(change, "judge_change", lambda *a: "")
    change.run_notebook(int(argv[1]), run_options.parse_args(argv))
    return kept


def test_each_command_keeps_its_runs_where_it_says(monkeypatch, tmp_path):
    from s7.core.places import RESULTS_DIR
    out = tmp_path / "out"
    assert kept_where(monkeypatch, ["--notebook", "6", "--publish"]) == [("notebook", True, RESULTS_DIR)]
    assert kept_where(monkeypatch, ["--notebook", "6", "--out", str(out)]) == [("notebook", False, out)]
    assert kept_where(monkeypatch, ["--notebook", "6", "--seeds", "1", "2", "--out", str(out)]) == [
        ("seed", 1, out), ("seed", 2, out)]
    assert kept_where(monkeypatch, ["--notebook", "6", "--validate", "--out", str(out)]) == [("validation", None, out)]


def test_validation_runs_at_several_seeds_never_share_a_folder_with_test_set_runs(monkeypatch, tmp_path):
    """--validate --seeds: the seed runs go to <out>/validation/seeds/, a change's to <out>/validation/try_it/;
    under <out>/seeds/ they would carry the names of the test-set seed runs and be read as those."""
    out = tmp_path / "out"
    assert kept_where(monkeypatch, ["--notebook", "6", "--validate", "--seeds", "1", "2", "--out", str(out)]) == [
        ("seed", 1, out / "validation"), ("seed", 2, out / "validation")]
    assert kept_where(monkeypatch, ["--notebook", "5", "--validate", "--set", "AUGMENT.degrees=0", "--seeds", "1",
                                    "--out", str(out)]) == [("change", 1, out / "validation")]


def test_no_note_when_no_published_run_is_there_to_differ():
    assert change.machine_note(6, [999]) is None
