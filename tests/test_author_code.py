"""Running a public solution's own code (s7/studies/author_code.py, search/author_code.py) on a stand-in notebook: every one of the author's seed lines set to the seed asked for, Python's and NumPy's generators seeded with it too, the per-epoch figures read back from the right lists, and a checkout at any other commit refused before anything runs."""
import json
import os
import random
import subprocess

import numpy
import pytest

from s7.studies import author_code
from search import author_code as command

SEED_LINE = "torch.manual_seed(1)"
FIGURES = dict(schedule=[0.1, 0.05], list_train_loss=[0.9, 0.4], list_train_correct=[91.5, 97.25],
               list_valid_loss=[0.2, 0.1], list_valid_correct=[98.1, 98.9])


def code_cell(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}


@pytest.fixture
def stand_in(tmp_path, monkeypatch):
    """An author's checkout in tmp_path/checkout (a git repository of one commit): a notebook whose first
    two code cells seed a stand-in torch (in the cell and through a module of theirs), train nothing and
    leave a Training object with distinct per-epoch lists; the third cell, the author's analysis, fails
    if run. What the cells saw is written to tmp_path/seen.json."""
    checkout, seen = tmp_path / "checkout", tmp_path / "seen.json"
    folder = checkout / "mnist"
    folder.mkdir(parents=True)
    (folder / "helper.py").write_text(f"def seed(torch):\n    {SEED_LINE}\n")
    first = (f"import json, os, random, numpy\nSEEN = []\n\n\nclass torch:\n    @staticmethod\n"
             f"    def manual_seed(s):\n        SEEN.append(s)\n\n\nimport helper\nhelper.seed(torch)\n{SEED_LINE}\n")
    second = ("class Training:\n    pass\n\n\ntrainer = Training()\n"
              + "".join(f"trainer.{k} = {v!r}\n" for k, v in FIGURES.items())
              + f"json.dump(dict(seen=SEEN, random=random.random(), numpy=float(numpy.random.rand()), "
                f"hashseed=os.environ.get('PYTHONHASHSEED'), cuda=os.environ.get('CUDA_VISIBLE_DEVICES'), "
                f"data=os.path.realpath('../data')), open({str(seen)!r}, 'w'))\n")
    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# theirs"}, code_cell(first),
                          code_cell(second), code_cell("raise SystemExit('the analysis cells are not run')")],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (folder / "theirs.ipynb").write_text(json.dumps(notebook))
    git = ["git", "-C", str(checkout), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "theirs"], check=True)
    commit = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    solution = dict(repository="someone/theirs", commit=commit, folder="mnist", notebook="theirs.ipynb",
                    cells=range(0, 2), seed_line=SEED_LINE, trainer="trainer", packages=["numpy"])
    solutions = {"standin": solution}
    monkeypatch.setattr(author_code, "SOLUTIONS", solutions)
    monkeypatch.setattr(command, "SOLUTIONS", solutions)
    data = tmp_path / "data"
    data.mkdir()
    return dict(checkout=checkout, seen=seen, data=data, commit=commit)


def run_at(stand_in, seed: int) -> tuple[dict, dict]:
    with open(stand_in["checkout"].parent / f"seed{seed}.log", "w") as log:
        record = author_code.run_seed("standin", stand_in["checkout"], seed=seed, root=stand_in["data"], log=log)
    return record, json.loads(stand_in["seen"].read_text())


def test_a_run_at_seed_3_seeds_everything_with_3_and_reads_back_their_lists(stand_in):
    record, seen = run_at(stand_in, 3)
    assert seen["seen"] == [3, 3]                             # their module's seed line and their cell's
    assert seen["random"] == random.Random(3).random()
    assert seen["numpy"] == numpy.random.RandomState(3).rand()
    assert seen["hashseed"] == "3" and seen["cuda"] == ""
    assert seen["data"] == os.path.realpath(stand_in["data"])
    assert record["seed"] == 3 and record["commit"] == stand_in["commit"] and record["device"] == "cpu"
    assert record["history"] == {"train_loss": FIGURES["list_train_loss"], "train_acc": FIGURES["list_train_correct"],
                                 "test_loss": FIGURES["list_valid_loss"], "test_acc": FIGURES["list_valid_correct"],
                                 "lr": FIGURES["schedule"]}
    now = "torch.manual_seed(3)"
    assert record["seed_changes"] == [dict(file="helper.py", count=1, was=SEED_LINE, now=now),
                                      dict(file="the notebook's cells", count=1, was=SEED_LINE, now=now)]
    assert f"the seed: every torch.manual_seed(1) set to {now}" in record["changes"]
    assert record["command"] == "python -m search.author_code standin --checkout CHECKOUT --seeds 3"
    assert record["cells_run"].startswith("code cells 1-2 of the notebook")
    assert (stand_in["checkout"] / "mnist" / "helper.py").read_text() == f"def seed(torch):\n    {SEED_LINE}\n"   # theirs untouched


def test_a_run_at_seed_1_is_their_own_seed_unchanged(stand_in):
    record, seen = run_at(stand_in, 1)
    assert seen["seen"] == [1, 1] and seen["hashseed"] == "1"
    assert seen["random"] == random.Random(1).random() and seen["numpy"] == numpy.random.RandomState(1).rand()
    assert record["seed"] == 1 and record["seed_changes"] == []
    assert "the seed: their own torch.manual_seed(1), unchanged" in record["changes"]


def test_set_seed_rewrites_every_seed_line_in_their_modules_and_cells(tmp_path):
    (tmp_path / "a.py").write_text(f"{SEED_LINE}\nx = 1\n{SEED_LINE}\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.py").write_text("torch.manual_seed(11)\n")          # another seed: not theirs to change
    script, changes = author_code.set_seed(tmp_path, f"{SEED_LINE}\nrun()\n", SEED_LINE, 7)
    assert script == "torch.manual_seed(7)\nrun()\n"
    assert (tmp_path / "a.py").read_text() == "torch.manual_seed(7)\nx = 1\ntorch.manual_seed(7)\n"
    assert (tmp_path / "sub" / "b.py").read_text() == "torch.manual_seed(11)\n"
    assert changes == [dict(file="a.py", count=2, was=SEED_LINE, now="torch.manual_seed(7)"),
                       dict(file="the notebook's cells", count=1, was=SEED_LINE, now="torch.manual_seed(7)")]
    assert author_code.set_seed(tmp_path, "x\n", SEED_LINE, 1) == ("x\n", [])


def test_a_checkout_at_another_commit_is_refused_before_anything_runs(stand_in, tmp_path, monkeypatch, capsys):
    def no_run(*args, **kwargs):
        raise AssertionError("the author's code was run")
    monkeypatch.setattr(author_code, "run_seed", no_run)
    monkeypatch.setattr(command, "ensure_mnist", lambda root, download: stand_in["data"])
    author_code.SOLUTIONS["standin"]["commit"] = "0" * 40
    out = tmp_path / "out"
    assert command.main(["standin", "--checkout", str(stand_in["checkout"]), "--seeds", "1", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == (f"error: {stand_in['checkout']} is at {stand_in['commit'][:7]}, not 0000000, the commit the published "
                   f"log came from: git -C {stand_in['checkout']} checkout 0000000\n")
    assert not out.exists()
    plain = tmp_path / "not_a_checkout"
    plain.mkdir()
    assert command.main(["standin", "--checkout", str(plain), "--out", str(out)]) == 1
    assert "is not a git checkout" in capsys.readouterr().err


def test_a_checkout_at_the_logs_commit_runs_each_seed_into_its_own_file(stand_in, tmp_path, monkeypatch):
    ran = []

    def fake_run(name, checkout, seed, root, log):
        ran.append((name, checkout, seed, root))
        return {"seed": seed, "history": {"test_acc": [99.0 + seed / 100]}}
    monkeypatch.setattr(command, "run_seed", fake_run)
    monkeypatch.setattr(command, "ensure_mnist", lambda root, download: stand_in["data"])
    out = tmp_path / "out"
    assert command.main(["standin", "--checkout", str(stand_in["checkout"]), "--seeds", "2", "5", "--out", str(out)]) == 0
    assert ran == [("standin", stand_in["checkout"].resolve(), s, stand_in["data"].resolve()) for s in (2, 5)]
    assert [json.loads((out / f"standin_seed{s}.json").read_text())["seed"] for s in (2, 5)] == [2, 5]


def test_a_notebook_with_ipython_magics_is_refused(tmp_path):
    nb = tmp_path / "nb.ipynb"
    nb.write_text(json.dumps({"cells": [code_cell("x = 1\n"), code_cell("!pip install torch\n")]}))
    assert author_code.notebook_script(nb, range(0, 1)).strip() == "x = 1"
    with pytest.raises(author_code.AuthorCodeError, match="IPython magics"):
        author_code.notebook_script(nb, range(0, 2))


def test_a_seed_line_in_a_module_below_the_notebooks_folder_is_set_too(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "b.py").write_text(f"{SEED_LINE}\n")
    author_code.set_seed(tmp_path, "x\n", SEED_LINE, 7)
    assert (tmp_path / "pkg" / "b.py").read_text() == "torch.manual_seed(7)\n"
