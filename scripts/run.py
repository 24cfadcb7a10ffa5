#!/usr/bin/env python3
"""Re-run a notebook of the series headlessly, or regenerate the README from results/.

  python scripts/run.py --notebook 1                 # execute S7_Model_1.ipynb, update it and results/
  python scripts/run.py --all --quick --out DIR      # smoke-run every notebook into DIR
  python scripts/run.py --notebook 6 --seed 1234 --out /tmp/x
  python scripts/run.py --notebook 6 --seeds 1 2 3 4 5   # -> results/seeds/S7_Model_6_seed<S>.json
  python scripts/run.py --notebook 6 --validate      # hold out 5,000 training images -> results/validation/
  python scripts/run.py --report                 # README tables and plot, notebooks' Results cells

The notebook is the recipe: this runner executes it through a Jupyter kernel, overriding only
the parameters given here (in a cell injected after the one tagged "parameters"). It runs in a
scratch folder and copies the outputs into place only when every cell succeeded.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NOTEBOOKS = range(1, 7)
HOLDOUT = 5000          # validation split: the last 5,000 training images


class RunError(Exception):
    """A one-line error for the user."""


def notebook_path(notebook: int) -> Path:
    return ROOT / f"S7_Model_{notebook}.ipynb"


def notebook_parameters(notebook: int) -> dict:
    """The recipe: the values the notebook's cell tagged "parameters" assigns, as a dict."""
    import json
    cells = json.loads(notebook_path(notebook).read_text())["cells"]
    cell = next((c for c in cells if "parameters" in c["metadata"].get("tags", [])), None)
    if cell is None:
        raise RunError(f"{notebook_path(notebook).name} has no cell tagged 'parameters'")
    values: dict = {}
    exec("".join(cell["source"]), {}, values)
    return values


def parameter_overrides(seed=None, epochs=None, quick=False, validate=False) -> dict:
    params = {}
    if seed is not None:
        params["SEED"] = seed
    if epochs is not None:
        params["EPOCHS"] = epochs
    if quick:                     # a smoke run: a small subset, one epoch
        params.update(QUICK=True, EPOCHS=1)
    if validate:
        params["HOLDOUT"] = HOLDOUT
    return params


def inject_parameters(nb, params: dict) -> None:
    """Insert a cell assigning `params` right after the cell tagged "parameters" (as papermill does)."""
    import nbformat
    if not params:
        return
    index = next((i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), None)
    if index is None:
        raise RunError("the notebook has no cell tagged 'parameters'")
    source = "# Parameters injected by scripts/run.py\n" + "".join(f"{k} = {v!r}\n" for k, v in params.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(index + 1, cell)


def execute_notebook(path: Path, params: dict, workdir: Path, echo=True):
    """Execute a copy of the notebook with cwd=workdir; outputs written there (results/...).

    Cell output is echoed to the terminal as it comes. Raises RunError on a failing cell.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    class EchoingClient(NotebookClient):
        def process_message(self, msg, cell, cell_index):
            if echo and msg["msg_type"] == "stream":
                sys.stderr.write(msg["content"]["text"])
                sys.stderr.flush()
            return super().process_message(msg, cell, cell_index)

    nb = nbformat.read(path, as_version=4)
    inject_parameters(nb, params)
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if str(ROOT) not in paths:             # the kernel imports utils and models from here
        os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in paths if p])
    client = EchoingClient(nb, timeout=None, kernel_name="python3", resources={"metadata": {"path": str(workdir)}})
    code_cells = sum(c.cell_type == "code" for c in nb.cells)
    done = 0

    def announce(cell, cell_index, **_):
        nonlocal done
        if cell.cell_type == "code":
            done += 1
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            print(f"[{path.name}] cell {done}/{code_cells}: {first[:70]}", file=sys.stderr, flush=True)

    client.on_cell_start = announce
    try:
        client.execute()
    except CellExecutionError as err:
        raise RunError(f"{path.name}: a cell failed; nothing was copied into place.\n{err}") from None
    return nb


WIDGET = "application/vnd.jupyter.widget-view+json"


PROGRESS_FRAME = re.compile(r"\|.*\d+/\d+ \[.*(it/s|s/it|\?it/s)")     # a tqdm frame in plain text


def clean_outputs(nb) -> None:
    """What a reader of the saved notebook should not see: the progress bars (widgets whose saved
    state is the frozen "0%" of their first frame, or text frames where ipywidgets is missing; each
    epoch's one-line summary stays) and the widget state. Interactive bars in Jupyter and Colab are
    untouched: this runs on the saved copy."""
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
    nb.metadata.pop("widgets", None)


def check_data_root(data_root: str | None) -> str:
    """The data root for the kernel, made absolute (the kernel runs in a scratch folder).

    An explicit root (argument or MNIST_ROOT) must exist; with neither, the repository's ./data,
    where torchvision downloads MNIST on first use.
    """
    explicit = data_root or os.environ.get("MNIST_ROOT")
    if explicit is None:
        path = ROOT / "data"
    else:
        path = Path(explicit).expanduser().resolve()
        if not path.is_dir():
            raise RunError(f"data root {explicit} does not exist: point --data-root or MNIST_ROOT at the "
                           f"folder that holds MNIST/raw/, or leave both unset to download into ./data")
    os.environ["MNIST_ROOT"] = str(path)
    return str(path)


def run_notebook(notebook: int, args) -> dict:
    """Execute one notebook and put its outputs where they belong; return its record."""
    import nbformat
    import utils
    import report

    seeds = args.seeds or [args.seed]
    records = []
    for seed in seeds:
        params = parameter_overrides(seed, args.epochs, args.quick, args.validate)
        with tempfile.TemporaryDirectory(prefix=f"s7_notebook{notebook}_") as tmp:
            tmp = Path(tmp)
            print(f"== notebook {notebook}: executing {notebook_path(notebook).name} "
                  f"({', '.join(f'{k}={v}' for k, v in params.items()) or 'as committed'})", file=sys.stderr)
            nb = execute_notebook(notebook_path(notebook), params, tmp, echo=not args.silent)
            produced = utils.results_path(notebook, tmp / "results")
            if not produced.exists():
                raise RunError(f"{notebook_path(notebook).name} ran but wrote no {produced.name}")
            record = utils.load_results(produced)
            records.append(record)
            dest = Path(args.out) if args.out else utils.RESULTS_DIR
            if args.seeds:
                dest = dest / "seeds"
                dest.mkdir(parents=True, exist_ok=True)
                shutil.copy(produced, dest / f"S7_Model_{notebook}_seed{seed}.json")
            elif args.validate:
                dest = dest / "validation" if not args.out else dest
                dest.mkdir(parents=True, exist_ok=True)
                shutil.copy(produced, utils.results_path(notebook, dest))
            else:
                dest.mkdir(parents=True, exist_ok=True)
                for suffix in (".json", ".pt"):
                    shutil.copy(utils.results_path(notebook, tmp / "results", suffix),
                                utils.results_path(notebook, dest, suffix))
                report.fill_results_cell(nb, record)
                clean_outputs(nb)
                nb_dest = Path(args.out) / notebook_path(notebook).name if args.out else notebook_path(notebook)
                nbformat.write(nb, nb_dest)
        s = utils.summarize(record)
        print(f"notebook {notebook} seed {record['seed']}: params {s['params']:,}, best {s['split']} {s['best_eval']:.2f}%, "
              f"last 3 {', '.join(f'{a:.2f}' for a in s['last'])}  ->  {dest}")
    return records[-1]


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"error: {message} (see --help)\n")


def parse_args(argv=None):
    p = OneLineParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--notebook", type=int, help="the notebook to run, 1-6 (S7_Model_N.ipynb)")
    what.add_argument("--all", action="store_true", help="run notebooks 1-6 in order")
    what.add_argument("--report", action="store_true",
                      help="regenerate the README tables and plot and the notebooks' Results cells from results/")
    p.add_argument("--seed", type=int, help="override the notebook's seed")
    p.add_argument("--seeds", type=int, nargs="+", help="run once per seed into <out>/seeds/")
    p.add_argument("--epochs", type=int, help="override the notebook's number of epochs")
    p.add_argument("--quick", action="store_true", help="smoke mode: one epoch on a small subset")
    p.add_argument("--validate", action="store_true",
                   help=f"hold out the last {HOLDOUT} training images and evaluate on them")
    p.add_argument("--out", help="write the executed notebook and results here instead of the repo")
    p.add_argument("--data-root", help="folder holding MNIST/raw/ (default: $MNIST_ROOT, else ./data)")
    p.add_argument("--silent", action="store_true", help="do not echo the notebook's output")
    args = p.parse_args(argv)
    if args.notebook is not None and args.notebook not in NOTEBOOKS:
        p.error(f"unknown notebook {args.notebook}: choose 1-6")
    for seed in ([args.seed] if args.seed is not None else []) + (args.seeds or []):
        if not 0 <= seed < 2**32:
            p.error(f"bad seed {seed}: use a whole number from 0 to 2**32 - 1")
    if args.epochs is not None and not 1 <= args.epochs <= 100:
        p.error(f"bad --epochs {args.epochs}: use 1-100")
    if args.seeds and args.seed is not None:
        p.error("give --seed or --seeds, not both")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        if args.report:
            import report
            report.main()
            return 0
        check_data_root(args.data_root)
        for notebook in (NOTEBOOKS if args.all else [args.notebook]):
            run_notebook(notebook, args)
    except RunError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was copied into place", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
