"""The six notebooks as the code behind them reads them: where each is, the values its cell tagged
"parameters" assigns (the recipe), and the step's title."""
from __future__ import annotations

import json
import re
from pathlib import Path

from s7.core.places import ROOT

NOTEBOOKS = range(1, 7)


class NotebookError(Exception):
    """A one-line error for the user."""


def notebook_path(notebook: int) -> Path:
    return ROOT / f"S7_Model_{notebook}.ipynb"


def notebook_cells(notebook: int) -> list[dict]:
    return json.loads(notebook_path(notebook).read_text())["cells"]


def parameters_source(notebook: int) -> str:
    """The source of the notebook's cell tagged "parameters"."""
    cell = next((c for c in notebook_cells(notebook) if "parameters" in c["metadata"].get("tags", [])), None)
    if cell is None:
        raise NotebookError(f"{notebook_path(notebook).name} has no cell tagged 'parameters'")
    return "".join(cell["source"])


def notebook_parameters(notebook: int) -> dict:
    """The recipe: the values the notebook's cell tagged "parameters" assigns, as a dict."""
    values: dict = {}
    exec(parameters_source(notebook), {}, values)
    return values


def step_title(notebook: int) -> str:
    """What the step changed: the notebook's heading after 'Step N:'."""
    heading = "".join(notebook_cells(notebook)[0]["source"]).splitlines()[0]
    return re.sub(r"^#+\s*Step \d+\s*[:\-–]\s*", "", heading).strip()
