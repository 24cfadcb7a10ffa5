#!/usr/bin/env python3
"""Run a notebook of the series headlessly, or regenerate the README from results/.

  python scripts/run.py --notebook 1                 # execute S7_Model_1.ipynb -> runs/ (git-ignored)
  python scripts/run.py --notebook 1 --quick         # smoke mode: one epoch on 5,000 images -> runs/
  python scripts/run.py --all --quick --out DIR      # smoke-run every notebook into DIR
  python scripts/run.py --notebook 6 --seed 1234     # another seed -> runs/
  python scripts/run.py --notebook 6 --seeds 1 2 3 4 5   # a seed study -> runs/seeds/S7_Model_6_seed<S>.json
  python scripts/run.py --notebook 6 --validate      # hold out 5,000 training images -> runs/validation/
  python scripts/run.py --notebook 6 --publish       # the maintainers': results/ and the saved notebook
  python scripts/run.py --report                     # README tables and plot, notebooks' Results cells

The notebook is the recipe: papermill executes it in a scratch folder with the parameters given
here (injected after the cell tagged "parameters"), and the outputs are copied into place only
when every cell succeeded. A run writes to runs/ (or --out) and then says how it compares with
the published run of the same recipe and seed; only --publish rewrites results/ and the notebook.
"""
from __future__ import annotations

import argparse
import logging
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
RUNS = ROOT / "runs"    # where a run goes unless --out or --publish says otherwise (git-ignored)
# what makes two runs the same recipe (the published run it is compared with)
RECIPE_KEYS = ("model", "params", "seed", "epochs", "batch_size", "optimizer", "lr_schedule", "augment", "holdout",
               "quick", "model_kwargs", "label_smoothing", "ema_decay", "max_grad_norm", "data_path")


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


WIDGET = "application/vnd.jupyter.widget-view+json"


PROGRESS_FRAME = re.compile(r"\|.*\d+/\d+ \[.*(it/s|s/it|\?it/s)")     # a tqdm frame in plain text


def clean_outputs(nb) -> None:
    """What a reader of the saved notebook should not see: the progress bars (widgets whose saved
    state is the frozen "0%" of their first frame, or text frames where ipywidgets is missing; each
    epoch's one-line summary stays), the widget state and papermill's timings and scratch paths. Interactive bars in Jupyter and Colab are
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
    for cell in nb.cells:                              # papermill's timings and its empty tag lists
        for key in ("papermill", "execution"):
            cell.metadata.pop(key, None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
    for key in ("widgets", "papermill"):
        nb.metadata.pop(key, None)


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


def published_twin(record: dict) -> tuple[str, dict] | None:
    """The published run of the same recipe and seed, if there is one: (its file, its record)."""
    import utils
    n = record["notebook"]
    for path in (utils.results_path(n), utils.RESULTS_DIR / "seeds" / f"S7_Model_{n}_seed{record['seed']}.json",
                 utils.results_path(n, utils.RESULTS_DIR / "validation")):
        if path.exists():
            twin = utils.load_results(path)
            if all(twin.get(k) == record.get(k) for k in RECIPE_KEYS):
                return str(path.relative_to(ROOT)), twin
    return None


def comparison(record: dict) -> str:
    """How a run compares with the published run of its recipe and seed, in one line."""
    import utils
    found = published_twin(record)
    if found is None:
        what = "a quick run" if record["quick"] else f"seed {record['seed']}"
        return f"no published run of this recipe ({what}) to compare with"
    where, twin = found
    split = utils.summarize(record)["split"]
    mine, theirs = record["history"][f"{split}_acc"], twin["history"][f"{split}_acc"]
    if mine == theirs:
        return f"identical to the published run ({where}) to the digit"
    gap = max(abs(a - b) for a, b in zip(mine[-3:], theirs[-3:]))
    return (f"differs from the published run ({where}): last 3 {split} accuracies {', '.join(f'{a:.2f}' for a in mine[-3:])} "
            f"against {', '.join(f'{a:.2f}' for a in theirs[-3:])}, at most {gap:.2f} points apart "
            f"(this CPU: {utils.cpu_name()}; another CPU kind rounds differently: RESULTS.md, Versions and reproducibility)")


def destination(args) -> Path:
    """Where a run's files go: results/ when published, else --out, else runs/."""
    import utils
    return utils.RESULTS_DIR if args.publish else Path(args.out) if args.out else RUNS


def run_notebook(notebook: int, args) -> dict:
    """Execute one notebook and put its outputs where they belong; return its record."""
    import nbformat
    import utils
    import report

    seeds = args.seeds or [args.seed]
    dest = destination(args)
    records = []
    out_dir = notebook_parameters(notebook)["OUT_DIR"]      # where the notebook writes, inside its scratch folder
    for seed in seeds:
        params = parameter_overrides(seed, args.epochs, args.quick, args.validate)
        with tempfile.TemporaryDirectory(prefix=f"s7_notebook{notebook}_") as tmp:
            tmp = Path(tmp)
            print(f"== notebook {notebook}: executing {notebook_path(notebook).name} "
                  f"({', '.join(f'{k}={v}' for k, v in params.items()) or 'as committed'})", file=sys.stderr)
            nb = execute_notebook(notebook_path(notebook), params, tmp, echo=not args.silent)
            produced = utils.results_path(notebook, tmp / out_dir)
            if not produced.exists():
                raise RunError(f"{notebook_path(notebook).name} ran but wrote no {produced.name} in its OUT_DIR")
            record = utils.load_results(produced)
            records.append(record)
            compared = comparison(record)
            if args.seeds:
                folder = dest / "seeds"
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copy(produced, folder / f"S7_Model_{notebook}_seed{seed}.json")
            elif args.validate:
                folder = dest / "validation"
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copy(produced, utils.results_path(notebook, folder))
            else:
                dest.mkdir(parents=True, exist_ok=True)
                for suffix in (".json", ".pt"):
                    shutil.copy(produced.with_suffix(suffix), utils.results_path(notebook, dest, suffix))
                study_seed1 = dest / "seeds" / f"S7_Model_{notebook}_seed1.json"
                if args.publish and record["seed"] == 1 and study_seed1.exists():
                    shutil.copy(produced, study_seed1)     # the published run is seed 1 of the step's seed study
                report.fill_results_cell(nb, record)
                clean_outputs(nb)
                nbformat.write(nb, notebook_path(notebook) if args.publish else dest / notebook_path(notebook).name)
        s = utils.summarize(record)
        print(f"notebook {notebook} seed {record['seed']}: params {s['params']:,}, best {s['split']} {s['best_eval']:.2f}%, "
              f"last 3 {', '.join(f'{a:.2f}' for a in s['last'])}  ->  {dest}\n  {compared}")
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
    p.add_argument("--out", help=f"write the executed notebook and results here (default: {RUNS.name}/)")
    p.add_argument("--publish", action="store_true",
                   help="write results/ and the saved notebook: the published record (maintainers)")
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
    if args.publish and args.out:
        p.error("give --publish (results/) or --out DIR, not both")
    if args.report and (args.publish or args.out or args.quick or args.validate or args.seeds or args.seed is not None
                        or args.epochs is not None):
        p.error("--report regenerates the tables from results/ and trains nothing: give it alone")
    if args.publish and args.validate:
        p.error("validation runs are not published: drop --publish (a --validate run goes to runs/validation/)")
    if args.publish and (args.quick or args.epochs is not None or args.seed is not None):
        p.error("only the notebook's own recipe is published: drop --quick, --epochs and --seed "
                "(a seed study is --seeds)")
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
