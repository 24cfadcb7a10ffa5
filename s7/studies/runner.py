"""The runner: a notebook of the series executed headlessly, its outputs put in place, and the run
compared with the published run of the same recipe and seed (scripts/run.py is its command line).

The notebook is the recipe: papermill executes it in a scratch folder with the parameters given
(injected after the cell tagged "parameters"), and the outputs are copied into place only when every
cell succeeded. A run writes to runs/ (or another folder); only publishing rewrites results/ and the
notebook.
"""
from __future__ import annotations

import ast
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
from s7.core.places import RESULTS_DIR, ROOT, VALIDATION, change_path, results_path, seed_path
from s7.core.records import cpu_name, load_results, same_recipe
from s7.core.target import meets_target, summarize
from s7.core.verdict import difference_words, paired_difference, seed_mean
from s7.studies.notebooks import notebook_parameters, notebook_path
from s7.studies.recipe import VALIDATION_HOLDOUT

WIDGET = "application/vnd.jupyter.widget-view+json"
PROGRESS_FRAME = re.compile(r"\|.*\d+/\d+ \[.*(it/s|s/it|\?it/s)")     # a tqdm frame in plain text


class RunError(Exception):
    """A one-line error for the user."""


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


def check_data_root(data_root: str | None) -> str:
    """The data root for the kernel, made absolute (the kernel runs in a scratch folder).

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


# ----------------------------------------------------------------------------
# A learner's change: --set NAME=VALUE
# ----------------------------------------------------------------------------
FIXED = ("NOTEBOOK", "OUT_DIR", "DATA_ROOT", "SEED", "QUICK")     # the run's mechanics: the runner's own options
NONE_MEANS_OFF = ("AUGMENT",)                                     # None is a value these take (no augmentation)
BY_OPTION = {                                                     # parameters a run sets through an option of its own
    "HOLDOUT": f"a validation run has its own option: drop this --set and give --validate, which holds out "
               f"the last {VALIDATION_HOLDOUT:,} training images and evaluates on them (results in <out>/validation/)"}
LIMITS = {                                                        # the values a number can take and still train
    "EPOCHS": (lambda v: 1 <= v <= 100, "from 1 to 100"),
    "BATCH_SIZE": (lambda v: v >= 1, "1 or more"),
    "DROPOUT": (lambda v: 0 <= v < 1, "from 0 (no dropout) up to, not including, 1"),
    "EMA_DECAY": (lambda v: 0 <= v < 1, "from 0 up to, not including, 1 (at 1 the average never leaves the initial weights)")}
INSTEAD_OF_NONE = {                                               # what to do where None cannot work
    "LR_SCHEDULE": "notebook 6's cells build OneCycleLR from it; for a constant rate keep the schedule and flatten "
                   "it: --set 'LR_SCHEDULE={\"max_lr\": 0.01, \"div_factor\": 1, \"final_div_factor\": 1, "
                   "\"cycle_momentum\": False}' trains at max_lr throughout"}


def dict_target(name: str):
    """What the notebooks pass a dict parameter to, and the arguments their cells give it themselves."""
    import torch

    from s7.core.augment import random_affine
    return {"OPTIMIZER": (torch.optim.SGD, {"params"}),
            "LR_SCHEDULE": (torch.optim.lr_scheduler.OneCycleLR, {"optimizer", "epochs", "steps_per_epoch", "total_steps"}),
            "AUGMENT": (random_affine, {"x", "generator"})}.get(name)


def dict_keys(name: str) -> dict:
    """The keys a dict parameter may hold (the arguments of what the notebooks pass it to), each with the
    type it takes: the argument's annotation, else its default's type (a number for any number), else None (any)."""
    import inspect
    import typing
    found = dict_target(name)
    if found is None:
        return {}
    target, given = found
    try:
        hints = typing.get_type_hints(target.__init__ if isinstance(target, type) else target)
    except Exception:                                  # an annotation this Python cannot resolve: the defaults
        hints = {}
    keys = {}
    for p in inspect.signature(target).parameters.values():
        if p.name in given or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        default = p.default
        keys[p.name] = hints.get(p.name, float if isinstance(default, (int, float)) and not isinstance(default, bool)
                                 else None if default in (p.empty, None) else type(default))
    return keys


def known_keys(name: str) -> set[str]:
    """The keys a dict parameter may hold: the arguments of what the notebooks pass it to."""
    return set(dict_keys(name))


def required_keys(name: str) -> set[str]:
    """The keys a dict parameter must hold: the arguments without a default that the cells do not give."""
    import inspect
    found = dict_target(name)
    if found is None:
        return set()
    target, given = found
    return {p.name for p in inspect.signature(target).parameters.values()
            if p.default is p.empty and p.name not in given and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def takes(hint, value) -> bool:
    """Whether a literal value is of the type a hint names (an int where a float stands; no bool for a number)."""
    import types
    import typing
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is None or hint is typing.Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(takes(a, value) for a in args)
    if origin is typing.Literal:
        return any(value == a and type(value) is type(a) for a in args)
    if origin in (list, tuple) or hint in (list, tuple):
        return isinstance(value, (list, tuple)) and all(takes(args[0], v) for v in value) if args else isinstance(value, (list, tuple))
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint) if isinstance(hint, type) else True


def type_words(hint) -> str:
    """A hint in words: 'a number', 'True or False', "one of 'cos', 'linear'"."""
    import types
    import typing
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        said = [type_words(a) for a in args if a in (bool, int, float, str, type(None)) or typing.get_origin(a)]
        return " or ".join(dict.fromkeys(said))
    if origin is typing.Literal:
        return "one of " + ", ".join(map(repr, args))
    if origin in (list, tuple) or hint in (list, tuple):
        return "a list"
    return {type(None): "None", bool: "True or False", float: "a number", int: "a whole number",
            str: "a string in quotes"}.get(hint, f"a {getattr(hint, '__name__', hint)}")


def dict_problem(name: str, value: dict, current) -> str | None:
    """What is wrong with a dict parameter's new value, in words that say what to do; None if nothing."""
    keys, cell = dict_keys(name), current if isinstance(current, dict) else {}
    unknown = [k for k in value if k not in keys and k not in cell]
    if unknown:
        return f"{name} takes no key {unknown[0]!r}; it may hold {', '.join(sorted(keys))}"
    missing = sorted(required_keys(name) - set(value))
    if missing:
        return (f"{name} needs {' and '.join(sorted(required_keys(name)))}: {value!r} has no {', '.join(missing)}"
                f"{'; for no augmentation set --set AUGMENT=None' if name in NONE_MEANS_OFF else ''}")
    for key, v in value.items():
        hint = keys.get(key)
        if takes(hint, v):
            continue
        now = f" (now {cell[key]!r})" if key in cell else ""
        if v is None and name in NONE_MEANS_OFF:
            return f"{name}.{key} takes {type_words(hint)}{now}, not None: for no augmentation set the whole value, --set {name}=None"
        example = cell[key] if key in cell else dict_example(name, key)
        return (f"{name}.{key} takes {type_words(hint)}{now}, not {v!r}: set it to {type_words(hint)}"
                + (f", e.g. --set {name}.{key}={example!r}" if example is not None else ""))
    return None


def dict_example(name: str, key: str):
    """A value a dict parameter's key takes: its default, or the first of its choices."""
    import inspect
    import typing
    target, _ = dict_target(name)
    param = inspect.signature(target).parameters.get(key)
    default = param.default if param is not None else None
    if default not in (inspect.Parameter.empty, None):
        return default
    args = typing.get_args(dict_keys(name).get(key))
    return args[0] if args and isinstance(args[0], (str, int, float)) else None


def one_line(err: Exception) -> str:
    return " ".join(str(err).split())


def recipe_problem(recipe: dict) -> str | None:
    """What torch says of a notebook's optimizer, schedule and augmentation, built as its cells build them
    (SGD from OPTIMIZER, OneCycleLR from LR_SCHEDULE and EPOCHS, the augmentation and its torchvision
    twin from AUGMENT), before any training; None when they build."""
    import torch

    from s7.core.augment import random_affine
    from s7.core.pil_loader import torchvision_augment
    refused = (TypeError, ValueError, RuntimeError, KeyError)
    try:
        optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], **recipe["OPTIMIZER"])
    except refused as err:
        return f"torch.optim.SGD refuses OPTIMIZER = {recipe['OPTIMIZER']!r} ({one_line(err)})"
    if recipe.get("LR_SCHEDULE") is not None:
        try:
            torch.optim.lr_scheduler.OneCycleLR(optimizer, **recipe["LR_SCHEDULE"], epochs=recipe["EPOCHS"], steps_per_epoch=1)
        except refused as err:
            return f"torch's OneCycleLR refuses LR_SCHEDULE = {recipe['LR_SCHEDULE']!r} ({one_line(err)})"
    if recipe.get("AUGMENT"):
        try:
            random_affine(torch.zeros(2, 1, 28, 28), generator=torch.Generator().manual_seed(0), **recipe["AUGMENT"])
            torchvision_augment(recipe["AUGMENT"])
        except refused as err:
            return f"the augmentation refuses AUGMENT = {recipe['AUGMENT']!r} ({one_line(err)})"
    return None


def settable(notebook: int) -> dict:
    """The parameters a change may set: every literal value of the parameters cell but the run's mechanics."""
    values = notebook_parameters(notebook)
    out = {}
    for name, value in values.items():
        try:
            if name.isupper() and name not in FIXED and ast.literal_eval(repr(value)) == value:
                out[name] = value
        except (ValueError, SyntaxError):
            continue
    return out


def listing(values: dict) -> str:
    return "; ".join(f"{k}={v!r}" for k, v in values.items())


def apply_settings(notebook: int, settings: list[str]) -> dict:
    """The parameters that `--set NAME=VALUE` (a Python literal; NAME.key for one key of a dict) changes,
    each with its whole new value. Refused before any training, each in one line that says what to do: a
    name the cell does not have, one the runner sets through an option of its own (HOLDOUT: --validate), a
    value that is not a literal of the right type (within a dict too, key by key), a number out of the
    range that trains, or a recipe torch will not build (SGD, OneCycleLR, the augmentation)."""
    values = settable(notebook)
    changed: dict = {}
    for setting in settings:
        name, eq, text = setting.partition("=")
        name, text = name.strip(), text.strip()
        top, _, key = name.partition(".")
        if not eq or top not in values:
            raise RunError(f"--set {setting}: notebook {notebook} has no parameter {top or setting!r} to set; "
                           f"its parameters: {listing(values)}")
        if top in BY_OPTION:
            raise RunError(f"--set {setting}: {BY_OPTION[top]}")
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise RunError(f"--set {setting}: {text!r} is not a Python literal (a number, a string in quotes, "
                           f"True/False/None, a list or a dict); {top} is now {values[top]!r}") from None
        current = changed.get(top, values[top])
        if key:
            if not isinstance(current, dict):
                raise RunError(f"--set {setting}: {top} is {current!r}, not a dict: set the whole value, "
                               f"e.g. --set {top}=...")
            if key not in current and key not in known_keys(top):
                raise RunError(f"--set {setting}: {top} takes no key {key!r}; it holds {', '.join(current)}"
                               + (f" and may take {', '.join(sorted(known_keys(top) - set(current)))}"
                                  if known_keys(top) - set(current) else ""))
            value = {**current, key: value}
        if not fits(top, current, value):
            kind = type(values[top]).__name__
            raise RunError(f"--set {setting}: {top} takes {'an' if kind[0] in 'aeiou' else 'a'} {kind} "
                           f"(now {values[top]!r}), not {value!r}"
                           + (f": {INSTEAD_OF_NONE[top]}" if value is None and top in INSTEAD_OF_NONE else ""))
        problem = (dict_problem(top, value, values[top]) if isinstance(value, dict)
                   else f"{top} takes a value {LIMITS[top][1]}, not {value!r}" if top in LIMITS and not LIMITS[top][0](value)
                   else None)
        if problem:
            raise RunError(f"--set {setting}: {problem}")
        changed[top] = value
    problem = recipe_problem({**values, **changed}) if changed else None
    if problem:
        raise RunError(f"--set {' --set '.join(settings)}: {problem}: change the setting so that it builds")
    return {k: v for k, v in changed.items() if v != values[k]}


def fits(name: str, current, value) -> bool:
    """Whether a new value has the type of the current one (an int where a float stands; None where off means None)."""
    if value is None:
        return name in NONE_MEANS_OFF or current is None
    if current is None:
        return name in NONE_MEANS_OFF and isinstance(value, dict)
    if isinstance(current, bool) or isinstance(value, bool):
        return isinstance(current, bool) and isinstance(value, bool)
    if isinstance(current, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(current))


def keep_change_run(notebook: int, settings: list[str], seed: int, dest: Path):
    """One seed of a change: <dest>/try_it/<change>_seed<S>.json."""
    def keep(nb, produced):
        path = change_path(notebook, settings, seed, dest)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(produced, path)
    return keep


def change_verdict(records: list[dict], baseline: dict[int, float], where: str) -> str:
    """A change at several seeds against the unchanged recipe at the same seeds, by the one rule."""
    changed = {r["seed"]: seed_mean(r) for r in records}
    d = paired_difference(baseline, changed)
    meeting = sum(map(meets_target, records))
    head = f"against {where}: "
    if d is None:
        return head + "fewer than 2 seeds in common, so no verdict (the rule pairs seeds by number)"
    return head + f"{difference_words(d)}; {meeting} of {len(records)} seeds meet the target"


def machine_note(notebook: int, seeds) -> str | None:
    """Said when the published runs came from another kind of machine: then a difference may be the machine's."""
    kinds = {load_results(seed_path(notebook, s)).get("cpu", "not recorded") for s in seeds if seed_path(notebook, s).exists()}
    here = cpu_name()
    if kinds <= {here}:
        return None
    return (f"the published runs came from another kind of machine ({', '.join(sorted(kinds))}; this one: {here}), "
            f"which rounds differently: add --baseline-here to run the unchanged recipe at the same seeds here and "
            f"compare with that")
