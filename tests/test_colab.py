"""Colab: the notebooks' first cell, and the links README and the notebooks carry (s7/studies/report/colab.py)."""
import os
import subprocess
import sys
import types
from pathlib import Path

import nbformat

from s7.core.places import ROOT
from s7.studies.notebooks import NOTEBOOKS, notebook_path
from s7.studies.report import colab


def test_colab_links_come_from_a_github_remote(tmp_path):
    assert colab.github_repo("https://github.com/ana/s7-mnist.git") == "ana/s7-mnist"
    assert colab.github_repo("git@github.com:ana/s7-mnist.git") == "ana/s7-mnist"
    assert colab.github_repo("https://github.com/ana/s7-mnist") == "ana/s7-mnist"
    assert colab.github_repo("https://gitlab.com/ana/s7-mnist.git") is None
    assert colab.github_repo(None) is None
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert colab.git_remote(tmp_path) is None                      # no remote: the placeholder stays
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", "git@github.com:ana/s7.git"], check=True)
    repo = colab.github_repo(colab.git_remote(tmp_path))
    assert repo == "ana/s7"
    badge = ("(https://colab.research.google.com/github/<owner>/<repo>/blob/main/S7_Model_6.ipynb) "
             'REPO_URL = os.environ.get("S7_REPO_URL", "https://github.com/<owner>/<repo>.git")')
    filled = colab.fill_colab_links(badge, repo)
    assert "<owner>" not in filled and "github/ana/s7/blob/main/S7_Model_6.ipynb" in filled
    assert '"https://github.com/ana/s7.git"' in filled
    assert colab.fill_colab_links(filled, "bo/other").count("bo/other") == 2    # a new remote replaces the old
    assert "<owner>/<repo>" in colab.colab_note(None) and "github.com/ana/s7" in colab.colab_note(repo)


def colab_cell() -> str:
    cells = [next(c for c in nbformat.read(notebook_path(n), as_version=4).cells if c.cell_type == "code")
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
    assert "placeholder" in error and "S7_REPO_URL" in error and "python -m scripts.run --report" in error

def test_colab_cell_clones_into_a_folder_not_named_like_a_package(tmp_path, monkeypatch):
    url = "https://github.com/someone/mnist-steps.git"
    commands, error = run_colab_cell(tmp_path, monkeypatch, url)
    assert error is None
    assert commands[0] == ["git", "clone", "-q", url, "mnist-six-steps"]
    assert commands[1][1:] == ["-m", "pip", "install", "-q", "torchsummary", "anywidget"]
    assert Path(os.getcwd()) == tmp_path / "mnist-six-steps"
    assert "mnist-six-steps" not in {p.name for p in ROOT.iterdir()}      # no folder of the repository
