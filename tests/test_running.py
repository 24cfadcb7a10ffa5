"""Every way a learner runs the series: the runner as a newcomer uses it, papermill as an
instructor does, and the Colab cell; none of them touches the published record."""
import copy
import os
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

import run
import utils
from conftest import digest, fresh_copy

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = range(1, 7)


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
    result = subprocess.run([sys.executable, "scripts/run.py", "--notebook", "1", "--quick", "--silent"],
                            capture_output=True, text=True, cwd=clone, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    after = digest(clone)
    assert {k: v for k, v in after.items() if not k.startswith("runs/")} == before
    assert sorted(k for k in after if k.startswith("runs/")) == ["runs/S7_Model_1.ipynb", "runs/S7_Model_1.json",
                                                                  "runs/S7_Model_1.pt"]
    record = utils.load_results(clone / "runs" / "S7_Model_1.json")
    assert record["quick"] and record["epochs"] == 1
    assert "no published run of this recipe (a quick run)" in result.stdout


def test_publishing_writes_the_record_and_the_notebook_and_nothing_else(real_root, tmp_path):
    """A successful --publish, in a copy whose notebook 1 is set to a quick recipe: the results file,
    the weights, the saved notebook and seed 1 of the step's seed study are written; nothing else."""
    import json
    clone = fresh_copy(tmp_path / "clone")
    path = clone / "S7_Model_1.ipynb"
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    source = "".join(cell["source"])
    assert "QUICK = False" in source and "EPOCHS = 15" in source
    cell["source"] = source.replace("QUICK = False", "QUICK = True").replace("EPOCHS = 15", "EPOCHS = 1")
    path.write_text(json.dumps(nb))
    before = digest(clone)
    result = subprocess.run([sys.executable, "scripts/run.py", "--notebook", "1", "--publish", "--silent"],
                            capture_output=True, text=True, cwd=clone, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    after = digest(clone)
    changed = sorted(k for k in after if before.get(k) != after[k])
    assert changed == ["S7_Model_1.ipynb", "results/S7_Model_1.json", "results/S7_Model_1.pt",
                       "results/seeds/S7_Model_1_seed1.json"]
    assert set(after) == set(before)                       # no file added (no runs/), none removed
    record = utils.load_results(clone / "results" / "S7_Model_1.json")
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
    record = utils.load_results(tmp_path / "S7_Model_6.json")
    assert record["quick"] and record["epochs"] == 1 and (tmp_path / "S7_Model_6.pt").exists()


@pytest.mark.parametrize("n", NOTEBOOKS)
def test_papermill_reads_every_parameter(n, caplog):
    """papermill parses the parameters cell line by line: a line with a second "=" (dict(lr=...),
    or one in a comment) is skipped with a warning, and `-p NAME` is then called unknown."""
    import papermill
    with caplog.at_level("WARNING", logger="papermill"):
        seen = papermill.inspect_notebook(str(ROOT / f"S7_Model_{n}.ipynb"))
    assert set(seen) == set(run.notebook_parameters(n)) - {"Model%d" % n}
    assert not caplog.records, [r.getMessage() for r in caplog.records]


def test_the_runner_compares_a_run_with_the_published_one():
    published = utils.load_results(utils.results_path(1))
    assert run.comparison(copy.deepcopy(published)) == "identical to the published run (results/S7_Model_1.json) to the digit"
    other = copy.deepcopy(published)
    other["history"]["test_acc"][-2] -= 0.25
    line = run.comparison(other)
    assert line.startswith("differs from the published run (results/S7_Model_1.json)") and "at most 0.25 points" in line
    other["seed"] = 77
    assert run.comparison(other) == "no published run of this recipe (seed 77) to compare with"


@pytest.mark.parametrize("args, message", [
    (["--notebook", "1", "--publish", "--quick"], "only the notebook's own recipe is published"),
    (["--notebook", "1", "--publish", "--seed", "3"], "only the notebook's own recipe is published"),
    (["--notebook", "1", "--publish", "--out", "x"], "not both"),
    (["--notebook", "6", "--publish", "--seeds", "1", "2", "--validate"], "validation runs are not published"),
    (["--notebook", "6", "--publish", "--validate"], "validation runs are not published"),
    (["--report", "--publish"], "give it alone"),
    (["--report", "--quick"], "give it alone"),
])
def test_publishing_takes_only_the_notebooks_own_recipe(args, message, capsys):
    with pytest.raises(SystemExit):
        run.parse_args(args)
    assert message in capsys.readouterr().err


def colab_cell() -> str:
    cells = [next(c for c in nbformat.read(ROOT / f"S7_Model_{n}.ipynb", as_version=4).cells if c.cell_type == "code")
             for n in NOTEBOOKS]
    assert len({c.source for c in cells}) == 1, "every notebook starts with the same Colab cell"
    return cells[0].source


def run_colab_cell(tmp_path, monkeypatch, url=None):
    """Execute the first cell as Colab would (google.colab importable), in an empty folder; the
    commands it would run are recorded, not run."""
    commands = []

    def fake_run(cmd, check=False):
        commands.append(cmd)
        if cmd[:2] == ["git", "clone"]:
            Path(cmd[-1]).mkdir()
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setattr(sys, "path", list(sys.path))
    if url:
        monkeypatch.setenv("S7_REPO_URL", url)
    else:
        monkeypatch.delenv("S7_REPO_URL", raising=False)
    error = None
    try:
        exec(colab_cell(), {})
    except RuntimeError as err:
        error = str(err)
    return commands, error


def test_colab_cell_stops_on_the_placeholder_url_and_says_what_to_do(tmp_path, monkeypatch):
    commands, error = run_colab_cell(tmp_path, monkeypatch)
    assert commands == [] and os.listdir(tmp_path) == []
    assert "placeholder" in error and "S7_REPO_URL" in error and "python scripts/run.py --report" in error


def test_colab_cell_clones_into_a_folder_not_named_like_a_package(tmp_path, monkeypatch):
    url = "https://github.com/someone/mnist-steps.git"
    commands, error = run_colab_cell(tmp_path, monkeypatch, url)
    assert error is None
    assert commands[0] == ["git", "clone", "-q", url, "mnist-six-steps"]
    assert commands[1][1:] == ["-m", "pip", "install", "-q", "torchsummary"]
    assert Path(os.getcwd()) == tmp_path / "mnist-six-steps"
    assert "mnist-six-steps" not in {p.name for p in ROOT.iterdir()}      # no folder of the repository
