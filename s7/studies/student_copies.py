"""Student copies of the six notebooks: what a class starts from, without what it should find out itself.

Each copy is its notebook with
  - no outputs: every code cell's outputs and execution count cleared;
  - no Analysis: the markdown cells tagged "analysis" left out;
  - a Results cell (tagged "results") of one line: the student's own run produces these figures (the
    generated figures, tables and pictures of the published run are left out);
  - Try it (tagged "try-it") without its answers: each question's
    `<details><summary>The measured answer</summary> ... </details>` block is left out, while the
    questions, their commands, the config-cell edits, what each costs and the "Predict first:"
    prompts stay (as text: no generated markers).
Every copy is checked before any is written: it holds none of the answers' words (LEFT_OUT), and its
Try it keeps every question line of the published one. The published notebooks are never written over.
`python -m scripts.student_copies DEST` is the command.
"""
from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path

from s7.core.places import ROOT
from s7.studies.notebooks import NOTEBOOKS, notebook_path

# what no student copy may hold: the answers' summary line, the folder of their runs, their markers
LEFT_OUT = ("The measured answer", "results/try_it", "generated:try_it")

ANSWER = re.compile(r"\n*<details><summary>The measured answer</summary>.*?</details>", re.S)
GENERATED = re.compile(r"<!-- generated:(\S+) start -->\n?(.*?)\n?<!-- generated:\1 end -->", re.S)
QUESTION_LINE = re.compile(r"\*\*\d+\. |- In the config cell: |- Predict first: ")
ANSWERS_SENTENCE = re.compile(r"Each answer was measured at [^.]*\.")
YOUR_VERDICT = ("The five-seed command ends by judging your change against this recipe's published seeds "
                "at the same seeds, by the one rule.")
RESULTS_LINE = ("*Your own run produces these figures: the cells above print its test accuracy at every epoch, "
                "whether its last 3 epochs meet the target, its fit on the clean training images, its mistakes "
                "and where it stands among the published recipe's seeds.*")


class StudentCopyError(Exception):
    """A one-line error for the instructor; nothing was written."""


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def without_answers(source: str) -> str:
    """A Try it cell's text without its measured answers; its opening sentence about the answers now
    says where a student's own verdict comes from, and what else was generated into it (what a question
    costs) stays as text without its markers, which only the published notebook's --report rewrites."""
    source = ANSWERS_SENTENCE.sub(YOUR_VERDICT, ANSWER.sub("", source))
    return GENERATED.sub(lambda m: m.group(2), source)


def question_lines(source: str) -> list[str]:
    """A Try it cell's questions, their config-cell edits and commands, and their prompts, read line by
    line wherever they stand (an answer never starts a line so), not by the pattern that removes answers."""
    return [line for line in source.splitlines() if QUESTION_LINE.match(line)]


def student_notebook(nb, notebook: int):
    """The student's copy of a notebook (nbformat's NotebookNode), the published one left as it is."""
    asked = [question_lines(c.source) for c in nb.cells if "try-it" in tags(c)]
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if "analysis" in tags(cell):
            continue
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if "results" in tags(cell):
            cell.source = f"## Results\n\n{RESULTS_LINE}"
            cell.pop("attachments", None)
        if "try-it" in tags(cell):
            cell.source = without_answers(cell.source)
        cells.append(cell)
    nb.cells = cells
    check(nb, notebook, asked)
    return nb


def check(nb, notebook: int, asked: list[list[str]]) -> None:
    """Refuse a copy that still gives an answer away or lost a question line (the notebook's text changed)."""
    for cell in nb.cells:
        found = [s for s in LEFT_OUT if s in cell.source]
        if found:
            raise StudentCopyError(f"{notebook_path(notebook).name}: its student copy would still hold "
                                   f"{found[0]!r}; nothing was written")
    kept = [question_lines(c.source) for c in nb.cells if "try-it" in tags(c)]
    for before, after in zip(asked, kept):
        lost = [line for line in before if line not in after]
        if lost or len(after) != len(before):
            raise StudentCopyError(f"{notebook_path(notebook).name}: its student copy would lose the Try it line "
                                   f"{(lost or before)[0]!r}; nothing was written")


def tracked_files() -> set[Path]:
    """Every file git tracks in the repository (the published notebooks alone where git cannot say)."""
    try:
        listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, text=True,
                                check=True).stdout.split("\0")
    except (OSError, subprocess.CalledProcessError):
        listed = []
    return {(ROOT / name).resolve() for name in listed if name} | {notebook_path(n).resolve() for n in NOTEBOOKS}


def copy_paths(dest: Path) -> dict[int, Path]:
    """Where each copy goes; refused where that is a file the repository tracks (the published notebooks)."""
    dest = Path(dest).expanduser()
    if dest.exists() and not dest.is_dir():
        raise StudentCopyError(f"{dest} is a file, not a folder; nothing was written")
    paths = {n: dest / notebook_path(n).name for n in NOTEBOOKS}
    tracked = tracked_files()
    clash = [p for p in paths.values() if p.resolve() in tracked]
    if clash:
        raise StudentCopyError(f"{dest} would overwrite the published {clash[0].name} (a file the repository "
                               f"tracks): choose a folder of its own, e.g. students/; nothing was written")
    return paths


def write_student_copies(dest) -> list[Path]:
    """Write the six student copies into dest (created if need be); every copy is made and checked
    before the first is written."""
    import nbformat

    paths = copy_paths(Path(dest))
    copies = {n: student_notebook(nbformat.read(notebook_path(n), as_version=4), n) for n in NOTEBOOKS}
    Path(dest).expanduser().mkdir(parents=True, exist_ok=True)
    for n, nb in copies.items():
        nbformat.write(nb, paths[n])
    return list(paths.values())
