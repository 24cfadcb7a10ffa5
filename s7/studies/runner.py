"""The runner: a notebook of the series executed headlessly, its outputs put in place, and the run
compared with the published run of the same recipe and seed (scripts/run.py is its command line).

The notebook is the recipe: papermill executes it in a scratch folder with the parameters given
(injected after the cell tagged "parameters"), and the outputs are copied into place only when every
cell succeeded. A run writes to runs/ (or another folder); only publishing rewrites results/ and the
notebook.
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from s7.core.data_checks import ROOT_ENV
from s7.core.numbers import pct
from s7.core.places import RESULTS_DIR, ROOT, VALIDATION, results_path, seed_path
from s7.core.records import cpu_name, load_results, same_recipe
from s7.core.target import summarize
from s7.studies.notebooks import notebook_parameters, notebook_path
from s7.studies.recipe import VALIDATION_HOLDOUT
from s7.studies.settings import RunError, apply_settings

WIDGET = "application/vnd.jupyter.widget-view+json"
PROGRESS_FRAME = re.compile(r"\|.*\d+/\d+ \[.*(it/s|s/it|\?it/s)")     # a tqdm frame in plain text


def parameter_overrides(seed=None, epochs=None, quick=False, validate=False) -> dict:
    """The parameters a run injects into the notebook's parameters cell."""
    params = {}
    if seed is not None:
        params["SEED"] = seed
    if epochs is not None:
        params["EPOCHS"] = epochs
    if quick:                     # a smoke run: a small subset, one epoch
        params.update(QUICK=True, EPOCHS=1)
    if validate:
        params["HOLDOUT"] = VALIDATION_HOLDOUT
    return params


def use_data_root(data_root: str | None) -> str:
    """Use this data root for the runs that follow: made absolute (the kernel runs in a scratch folder)
    and set as $MNIST_ROOT, which the kernels inherit; returns it.

    An explicit root (argument or $MNIST_ROOT) must exist; with neither, the repository's ./data,
    where torchvision downloads MNIST on first use (not the kernel's working folder's).
    """
    explicit = data_root or os.environ.get(ROOT_ENV)
    if explicit is None:
        path = ROOT / "data"
    else:
        path = Path(explicit).expanduser().resolve()
        if not path.is_dir():
            raise RunError(f"data root {explicit} does not exist: point --data-root or {ROOT_ENV} at the "
                           f"folder that holds MNIST/raw/, or leave both unset to download into ./data")
    os.environ[ROOT_ENV] = str(path)
    return str(path)


def execute_notebook(path: Path, params: dict, workdir: Path, echo=True):
    """Execute a copy of the notebook through papermill with cwd=workdir (its outputs go there);
    each cell's output is echoed to the terminal as it comes. Raises RunError on a failing cell."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if str(ROOT) not in paths:             # the kernel imports utils and models from here
        os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in paths if p])
    log = logging.getLogger("papermill")
    if echo and not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    try:
        return papermill.execute_notebook(str(path), str(workdir / path.name), parameters=params, cwd=str(workdir),
                                          kernel_name="python3", log_output=echo, progress_bar=False)
    except PapermillExecutionError as err:
        raise RunError(f"{path.name}: cell {err.exec_count} failed ({err.ename}: {err.evalue}); "
                       f"nothing was copied into place") from None


def clean_outputs(nb) -> None:
    """What a reader of the saved notebook should not see: the progress bars (widgets whose saved
    state is the frozen "0%" of their first frame, or text frames where ipywidgets is missing; each
    epoch's one-line summary stays), the widget state and papermill's timings and scratch paths.
    Interactive bars in Jupyter and Colab are untouched: this runs on the saved copy."""
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        kept = []
        for out in cell.outputs:
            if WIDGET in out.get("data", {}):
                continue
            if out.output_type == "stream" and out.name == "stderr":
                lines = [line for line in re.split(r"[\r\n]", out.text) if line.strip() and not PROGRESS_FRAME.search(line)]
                if not lines:
                    continue
                out.text = "\n".join(lines) + "\n"
            kept.append(out)
        cell.outputs = kept
    for cell in nb.cells:                              # papermill's timings and its empty tag lists
        for key in ("papermill", "execution"):
            cell.metadata.pop(key, None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
    for key in ("widgets", "papermill"):
        nb.metadata.pop(key, None)


def published_twin(record: dict) -> tuple[str, dict] | None:
    """The published run of the same recipe and seed, if there is one: (its file, its record)."""
    n = record["notebook"]
    for path in (results_path(n), seed_path(n, record["seed"]), results_path(n, RESULTS_DIR / VALIDATION)):
        if path.exists():
            twin = load_results(path)
            if same_recipe(twin, record):
                return str(path.relative_to(ROOT)), twin
    return None


def comparison(record: dict) -> str:
    """How a run compares with the published run of its recipe and seed, in one line."""
    found = published_twin(record)
    if found is None:
        what = "a quick run" if record["quick"] else f"seed {record['seed']}"
        return f"no published run of this recipe ({what}) to compare with"
    where, twin = found
    split = summarize(record)["split"]
    mine, theirs = record["history"][f"{split}_acc"], twin["history"][f"{split}_acc"]
    if mine == theirs:
        return f"identical to the published run ({where}) to the digit"
    gap = max(abs(a - b) for a, b in zip(mine[-3:], theirs[-3:]))
    return (f"differs from the published run ({where}): last 3 {split} accuracies {pct(mine[-3:])} "
            f"against {pct(theirs[-3:])}, at most {gap:.2f} points apart "
            f"(this CPU: {cpu_name()}; another CPU kind rounds differently: RESULTS.md, Versions and reproducibility)")


def execute_run(notebook: int, params: dict, echo: bool, keep, settings=()) -> dict:
    """Execute the notebook with `params` in a scratch folder; keep(nb, produced) puts its outputs in
    place (produced: the results file it wrote, which records the `--set` settings it ran with and
    the parameters they changed). Returns the run's record."""
    out_dir = notebook_parameters(notebook)["OUT_DIR"]      # where the notebook writes, inside its scratch folder
    with tempfile.TemporaryDirectory(prefix=f"s7_notebook{notebook}_") as tmp:
        tmp = Path(tmp)
        print(f"== notebook {notebook}: executing {notebook_path(notebook).name} "
              f"({', '.join(f'{k}={v}' for k, v in params.items()) or 'as committed'})", file=sys.stderr)
        nb = execute_notebook(notebook_path(notebook), params, tmp, echo=echo)
        produced = results_path(notebook, tmp / out_dir)
        if not produced.exists():
            raise RunError(f"{notebook_path(notebook).name} ran but wrote no {produced.name} in its OUT_DIR")
        if settings:
            record = load_results(produced)
            record.update(changes=apply_settings(notebook, list(settings)), settings=list(settings))
            produced.write_text(json.dumps(record, indent=1) + "\n")
        keep(nb, produced)
        return load_results(produced)


def keep_seed_run(notebook: int, seed: int, dest: Path):
    """One seed of a seed study: its results file as <dest>/seeds/S7_Model_<N>_seed<S>.json."""
    def keep(nb, produced):
        path = seed_path(notebook, seed, dest)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(produced, path)
    return keep


def keep_validation_run(notebook: int, dest: Path):
    """A validation run: its results file as <dest>/validation/S7_Model_<N>.json."""
    def keep(nb, produced):
        path = results_path(notebook, dest / VALIDATION)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(produced, path)
    return keep


def keep_notebook_run(notebook: int, dest: Path, publish: bool):
    """A notebook's run: its results file and weights in dest, and the executed notebook with its
    Results cell filled and its outputs cleaned (published: in place of the notebook; else in dest).
    A published seed-1 run is also seed 1 of the step's seed study."""
    import nbformat

    from s7.studies.report.notebook_cells import fill_results_cell
    from s7.studies.report.try_it_cells import fill_try_it

    def keep(nb, produced):
        dest.mkdir(parents=True, exist_ok=True)
        for suffix in (".json", ".pt"):
            shutil.copy(produced.with_suffix(suffix), results_path(notebook, dest, suffix))
        record = load_results(produced)
        study_seed1 = seed_path(notebook, 1, dest)
        if publish and record["seed"] == 1 and study_seed1.exists():
            shutil.copy(produced, study_seed1)
        if publish:
            keep_prose(nb, nbformat.read(notebook_path(notebook), as_version=4))
        fill_results_cell(nb, record)
        fill_try_it(nb, notebook)
        clean_outputs(nb)
        nbformat.write(nb, notebook_path(notebook) if publish else dest / notebook_path(notebook).name)
    return keep


def keep_prose(executed, current) -> None:
    """A published notebook keeps the prose its file holds when the run ends (edited while it trained),
    where the cells still line up: the markdown cells' text, cell by cell; the code ran as it was."""
    if [c.cell_type for c in executed.cells] != [c.cell_type for c in current.cells]:
        return
    for ran, now in zip(executed.cells, current.cells):
        if ran.cell_type == "markdown":
            ran.source = now.source


def run_line(record: dict, dest: Path) -> str:
    """What the runner prints after a run: its figures, where they went, how they compare."""
    s = summarize(record)
    return (f"notebook {record['notebook']} seed {record['seed']}: params {s['params']:,}, best {s['split']} "
            f"{s['best_eval']:.2f}%, last 3 {pct(s['last'])}  ->  {dest}\n  {comparison(record)}")


