"""Where every file of a run lives: the published results, the runs a reader makes, and each results file's name."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]      # the repository
RESULTS_DIR = ROOT / "results"                   # the published runs
RUNS = ROOT / "runs"                             # what a reader's run writes unless told otherwise (git-ignored)
