"""The runner (scripts/run.py, s7/studies/runner.py) as a newcomer, an instructor and a maintainer use it: bad input
refused in one line, a failing cell leaving the record alone, quick runs of every notebook, the
published record touched only by --publish, and a publish keeping the prose written while it ran."""
import copy
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import digest, fresh_copy

from s7.core.pil_loader import NO_AUGMENTATION
from s7.core.places import ROOT, results_path
from s7.core.records import load_results
from s7.studies import change, runner
from s7.studies.notebooks import NOTEBOOKS, notebook_parameters
from s7.studies.runner import keep_prose
from scripts import run


def tree_digest(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.md5(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def published_state() -> tuple:
    """What a run must leave alone: git's view of the tree, the results and the notebooks."""
    status = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True).stdout
    files = sorted(p for p in (ROOT / "results").rglob("*") if p.is_file())
    return status, [(p, p.read_bytes()) for p in files], [(ROOT / f"S7_Model_{n}.ipynb").read_bytes() for n in NOTEBOOKS]

def test_a_newcomers_quick_run_leaves_the_published_record_alone(real_root, tmp_path):
    """The README's run command in quick mode, exactly as typed on a fresh clone (no --out), in a
    copy that holds no earlier run: it writes runs/ and nothing else."""
    clone = fresh_copy(tmp_path / "clone")
    before = digest(clone)
    assert not (clone / "runs").exists()
    result = subprocess.run([sys.executable, "-m", "scripts.run", "--notebook", "1", "--quick", "--silent"],
                            capture_output=True, text=True, cwd=clone, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    after = digest(clone)
    assert {k: v for k, v in after.items() if not k.startswith("runs/")} == before
    assert sorted(k for k in after if k.startswith("runs/")) == ["runs/S7_Model_1.ipynb", "runs/S7_Model_1.json",
                                                                  "runs/S7_Model_1.pt"]
    record = load_results(clone / "runs" / "S7_Model_1.json")
    assert record["quick"] and record["epochs"] == 1
    assert "no published run of this recipe (a quick run)" in result.stdout

def test_publishing_writes_the_record_and_the_notebook_and_nothing_else(real_root, tmp_path):
    """A successful --publish, in a copy whose notebook 1 is set to a quick recipe: the results file,
    the weights, the saved notebook and seed 1 of the step's seed study are written; nothing else."""
    clone = fresh_copy(tmp_path / "clone")
    path = clone / "S7_Model_1.ipynb"
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    source = "".join(cell["source"])
    assert "QUICK = False" in source and "EPOCHS = 15" in source
    cell["source"] = source.replace("QUICK = False", "QUICK = True").replace("EPOCHS = 15", "EPOCHS = 1")
    path.write_text(json.dumps(nb))
    before = digest(clone)
    result = subprocess.run([sys.executable, "-m", "scripts.run", "--notebook", "1", "--publish", "--silent"],
                            capture_output=True, text=True, cwd=clone, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    after = digest(clone)
    changed = sorted(k for k in after if before.get(k) != after[k])
    assert changed == ["S7_Model_1.ipynb", "results/S7_Model_1.json", "results/S7_Model_1.pt",
                       "results/seeds/S7_Model_1_seed1.json"]
    assert set(after) == set(before)                       # no file added (no runs/), none removed
    record = load_results(clone / "results" / "S7_Model_1.json")
    assert record["quick"] and record["epochs"] == 1
    assert (clone / "results" / "seeds" / "S7_Model_1_seed1.json").read_bytes() == \
        (clone / "results" / "S7_Model_1.json").read_bytes()
    saved = nbformat.read(path, as_version=4)
    results = next(c for c in saved.cells if "results" in c.metadata.get("tags", []))
    assert "seed 1" in results.source and all(c.execution_count for c in saved.cells if c.cell_type == "code")

def test_papermill_as_an_instructor_runs_it(real_root, tmp_path):
    before = published_state()
    result = subprocess.run([sys.executable, "-m", "papermill", "S7_Model_6.ipynb", str(tmp_path / "out.ipynb"), "-p", "QUICK", "True",
                             "-p", "EPOCHS", "1", "-p", "OUT_DIR", str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "unknown parameter" not in result.stderr and "Unable to parse" not in result.stderr
    assert published_state() == before
    record = load_results(tmp_path / "S7_Model_6.json")
    assert record["quick"] and record["epochs"] == 1 and (tmp_path / "S7_Model_6.pt").exists()

@pytest.mark.parametrize("n", NOTEBOOKS)
def test_papermill_reads_every_parameter(n, caplog):
    """papermill parses the parameters cell line by line: a line with a second "=" (dict(lr=...),
    or one in a comment) is skipped with a warning, and `-p NAME` is then called unknown."""
    import papermill
    with caplog.at_level("WARNING", logger="papermill"):
        seen = papermill.inspect_notebook(str(ROOT / f"S7_Model_{n}.ipynb"))
    assert set(seen) == set(notebook_parameters(n)) - {"Model%d" % n}
    assert not caplog.records, [r.getMessage() for r in caplog.records]

def test_the_runner_compares_a_run_with_the_published_one():
    published = load_results(results_path(1))
    assert runner.comparison(copy.deepcopy(published)) == "identical to the published run (results/S7_Model_1.json) to the digit"
    other = copy.deepcopy(published)
    other["history"]["test_acc"][-2] -= 0.25
    line = runner.comparison(other)
    assert line.startswith("differs from the published run (results/S7_Model_1.json)") and "at most 0.25 points" in line
    other["seed"] = 77
    assert runner.comparison(other) == "no published run of this recipe (seed 77) to compare with"


def run_command(*args):
    return subprocess.run([sys.executable, "-m", "scripts.run", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)

@pytest.mark.parametrize("args, message", [
    (["--notebook", "7"], "unknown notebook 7"),
    (["--notebook", "6", "--seed", "-3"], "bad seed"),
    (["--notebook", "6", "--seed", "abc"], "invalid int value"),
    (["--notebook", "6", "--data-root", "/no/such/folder"], "does not exist"),
])
def test_runner_rejects_bad_input_in_one_line(args, message):
    result = run_command(*args)
    assert result.returncode != 0
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr

def test_failing_cell_stops_and_leaves_committed_files_alone(tmp_path, monkeypatch):
    params = nbformat.v4.new_code_cell('OUT_DIR = "runs"', metadata={"tags": ["parameters"]})
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell("raise ValueError('broken recipe')")],
                                  metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}})
    broken = tmp_path / "S7_Model_6.ipynb"
    nbformat.write(nb, broken)
    before = tree_digest(ROOT / "results"), (ROOT / "S7_Model_6.ipynb").read_bytes()
    monkeypatch.setattr(runner, "notebook_path", lambda n: broken)
    assert run.main(["--notebook", "6", "--publish", "--silent"]) == 1
    assert (tree_digest(ROOT / "results"), (ROOT / "S7_Model_6.ipynb").read_bytes()) == before

def test_every_notebook_runs_in_quick_mode(real_root, tmp_path):
    """CI's smoke run: all six notebooks through a real kernel, on copies, written elsewhere."""
    before = tree_digest(ROOT / "results"), [(ROOT / f"S7_Model_{s}.ipynb").read_bytes() for s in NOTEBOOKS]
    result = run_command("--all", "--quick", "--seed", "1234", "--out", str(tmp_path), "--silent")
    assert result.returncode == 0, result.stderr[-3000:]
    for n in NOTEBOOKS:
        record = load_results(tmp_path / f"S7_Model_{n}.json")
        assert record["quick"] and record["seed"] == 1234 and record["epochs"] == 1
        executed = nbformat.read(tmp_path / f"S7_Model_{n}.ipynb", as_version=4)
        assert all(c.execution_count for c in executed.cells if c.cell_type == "code")
        raw = (tmp_path / f"S7_Model_{n}.ipynb").read_text()
        assert runner.WIDGET not in raw and "it/s]" not in raw and str(tmp_path) not in raw
    after = tree_digest(ROOT / "results"), [(ROOT / f"S7_Model_{s}.ipynb").read_bytes() for s in NOTEBOOKS]
    assert after == before

def test_saving_drops_progress_bars_and_keeps_the_epoch_lines():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("exp.fit()")])
    nb.metadata["widgets"] = {"state": {}}
    nb.cells[0].outputs = [
        nbformat.v4.new_output("display_data", data={runner.WIDGET: {"model_id": "x"}, "text/plain": "epoch 1/15:   0%|"}),
        nbformat.v4.new_output("stream", name="stderr", text="epoch 1/15:   0%|    | 0/938 [00:00<?, ?it/s]\r"
                               "epoch 1/15:  67%|##  | 633/938 [00:00<00:00, 1264.75it/s, acc=99.31%]\r\n"),
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: kept\n"),
        nbformat.v4.new_output("stream", name="stdout", text="epoch  1  lr 0.00400  train loss 0.3561\n")]
    runner.clean_outputs(nb)
    assert [o.text for o in nb.cells[0].outputs] == ["UserWarning: kept\n", "epoch  1  lr 0.00400  train loss 0.3561\n"]
    assert "widgets" not in nb.metadata


def test_notebook_5_reproduces_its_committed_first_epoch(real_root, tmp_path, assert_repeats):
    """Notebook 5 (dropout and augmentation) executed through its own cells for one epoch (469
    batches; its rate is constant, so the first epoch is the published run's): its figures, see assert_repeats."""
    assert run.main(["--notebook", "5", "--epochs", "1", "--out", str(tmp_path), "--silent"]) == 0
    rerun, committed = load_results(tmp_path / "S7_Model_5.json"), load_results(results_path(5))
    assert_repeats(rerun, committed)
    same = ("model", "seed", "batch_size", "optimizer", "lr_schedule", "augment", "holdout", "params", "macs")
    assert {k: rerun[k] for k in same} == {k: committed[k] for k in same}


def test_a_refused_setting_stops_the_runner_before_any_training(monkeypatch, tmp_path, capsys):
    def no_training(*args, **kwargs):
        raise AssertionError("a notebook was executed")
    monkeypatch.setattr(change, "execute_run", no_training)
    for setting in ("HOLDOUT=5000", "OPTIMIZER.lr='fast'", "EPOCHS=None"):
        assert run.main(["--notebook", "1", "--set", setting, "--seeds", "1", "--quick", "--out", str(tmp_path)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"error: --set {setting}: ") and len(err.strip().splitlines()) == 1, err
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_notebook_5_runs_without_augmentation(real_root, tmp_path):
    """AUGMENT = None in the notebook whose cells show the augmentation (utils.torchvision_augment and
    utils.show_augmented): every cell runs, and the transform's cell says in one line that there is none."""
    result = run_command("--notebook", "5", "--set", "AUGMENT=None", "--seeds", "1", "--quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    assert NO_AUGMENTATION in result.stderr                 # the notebook's output, echoed
    record = load_results(next(tmp_path.rglob("S7_Model_5_*.json")))
    assert record["augment"] is None and record["changes"] == {"AUGMENT": None}


def test_a_publish_keeps_the_prose_written_while_it_ran():
    executed = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("old words"),
                                               nbformat.v4.new_code_cell("x = 1")])
    executed.cells[1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    now = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("new words"), nbformat.v4.new_code_cell("x = 2")])
    keep_prose(executed, now)
    assert executed.cells[0].source == "new words"
    assert executed.cells[1].source == "x = 1" and executed.cells[1].outputs     # the code as it ran, its output
    moved = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 2")])
    keep_prose(executed, moved)                                                     # cells no longer line up
    assert executed.cells[0].source == "new words"
