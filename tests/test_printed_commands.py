"""Every command the series tells a learner to run, and every config-cell edit its Try it questions ask
for, run as printed: collected from the notebooks' markdown (each Try it's commands and edits, the first
cell's "re-run headless" line, any other cell's) and from README.md (any `python -m scripts.run ...` or
`papermill ...` in a code span or a fenced block), then each run in quick mode at one seed into a scratch
folder, exit code 0.

Quick mode: the runner's commands get `--quick --out TMP`, and `--seeds 1 2 3 4 5` becomes `--seeds 1`; a
papermill command gets `-p QUICK True -p EPOCHS 1` (one epoch, as the runner's --quick) with its OUT_DIR
and output notebook in TMP; an edit is injected as papermill parameters into a quick run of its notebook
(QUICK True, EPOCHS 1, then the edit). `--notebook N` stands for each notebook. One notebook execution
serves every item with the same recipe (a Try it command and its question's edit run the same one: the
command's record shows the edit's values), so the slow test executes each notebook once per distinct
recipe. What cannot run quick (NOT_QUICK: publishing, the report, a template) is reported as skipped, each
command by name with its reason.
"""
from __future__ import annotations

import contextlib
import io
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from test_runner import run_command

from s7.core.places import ROOT
from s7.core.records import load_results
from s7.studies import run_options, runner
from s7.studies.notebooks import NOTEBOOKS, notebook_parameters, notebook_path
from s7.studies.settings import apply_settings
from s7.studies.try_it import QUESTIONS, command

README = ROOT / "README.md"
PRINTED = re.compile(r"(?:python -m scripts\.run|papermill)(?= |$)[^`\n]*")   # a command, to the span's end
SPAN = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
EDIT = re.compile(r"In the config cell: `([^`]+)`")

NOT_QUICK = {   # what a printed command holds that cannot run quick, and why
    r"--publish\b":
        "--publish writes results/ and the saved notebook, and refuses --quick and --out (the same command "
        "without --publish, where printed, runs here; test_runner.py publishes on a copy set to a quick recipe)",
    r"--report\b":
        "--report regenerates README, RESULTS.md, TUNING.md, the plots and the Results cells from results/: it "
        "trains nothing, takes no --quick and rewrites tracked files (tests/test_documents.py checks what it writes)",
    r"\bNAME=VALUE\b":
        "a template: NAME=VALUE stands for a change; each Try it command, run here, is one of its instances",
}


def not_quick(text: str) -> str | None:
    """Why a printed command cannot run quick, or None."""
    return next((why for pattern, why in NOT_QUICK.items() if re.search(pattern, text)), None)


@dataclass
class Printed:
    text: str                      # as the learner reads it
    where: list[str] = field(default_factory=list)


def commands_in(text: str) -> list[str]:
    """The commands in markdown: on the lines of fenced blocks, and inside code spans."""
    found = [m.group(0).strip() for block in FENCE.findall(text) for line in block.splitlines()
             for m in PRINTED.finditer(line)]
    for span in SPAN.findall(FENCE.sub("", text)):
        found += [m.group(0).strip() for m in PRINTED.finditer(span)]
    return found


def markdown_cells(n: int) -> list:
    return [c for c in nbformat.read(notebook_path(n), as_version=4).cells if c.cell_type == "markdown"]


def collect_commands() -> dict[str, Printed]:
    """Every printed command (by its text) and where it is printed."""
    out: dict[str, Printed] = {}
    for n in NOTEBOOKS:
        for i, cell in enumerate(markdown_cells(n)):
            tags = ",".join(cell.metadata.get("tags", [])) or f"markdown cell {i}"
            for text in commands_in(cell.source):
                out.setdefault(text, Printed(text)).where.append(f"{notebook_path(n).name} ({tags})")
    for text in commands_in(README.read_text()):
        out.setdefault(text, Printed(text)).where.append(README.name)
    return out


def collect_edits() -> list[tuple[int, str, dict]]:
    """Each Try it question's config-cell edit: (notebook, the edit as printed, the values it assigns)."""
    edits = []
    for n in NOTEBOOKS:
        try_it = next(c for c in markdown_cells(n) if "try-it" in c.metadata.get("tags", []))
        for edit in EDIT.findall(try_it.source):
            values: dict = {}
            exec(edit, {}, values)
            edits.append((n, edit, values))
    return edits


# ----------------------------------------------------------------------------
# How each runs in quick mode, and which run the same recipe
# ----------------------------------------------------------------------------
def instances(text: str) -> list[str]:
    """A command with `--notebook N` for each notebook; any other as it is."""
    if re.search(r"--notebook N\b", text):
        return [re.sub(r"--notebook N\b", f"--notebook {n}", text) for n in NOTEBOOKS]
    return [text]


def quick_runner_args(text: str) -> list[str]:
    """The runner's arguments, in quick mode at one seed; TMP stands for the scratch folder."""
    args = shlex.split(text)[3:]
    if "--seeds" in args:
        i = args.index("--seeds") + 1
        j = next((k for k in range(i, len(args)) if args[k].startswith("--")), len(args))
        args[i:j] = args[i:i + 1]
    return args + ["--quick", "--out", "TMP"]


def quick_papermill_args(text: str) -> list[str]:
    """papermill's arguments in quick mode: QUICK, one epoch, OUT_DIR and the output notebook in TMP."""
    words = shlex.split(text)[1:]
    words[1] = str(Path("TMP") / Path(words[1]).name)
    pairs = dict(zip(words[3::3], words[4::3]))
    assert all(w == "-p" for w in words[2::3]) and len(words[2:]) == 3 * len(pairs), f"{text}: only -p NAME VALUE"
    pairs.update(QUICK="True", EPOCHS="1", OUT_DIR="TMP")
    return words[:2] + [w for name, value in pairs.items() for w in ("-p", name, value)]


def recipe_key(n: int, params: dict) -> tuple:
    """A notebook's execution, told by what it changes in the parameters cell."""
    cell = notebook_parameters(n)
    return (n, repr(sorted((k, v) for k, v in params.items() if cell.get(k, object()) != v)))


@dataclass
class Execution:
    """One notebook execution (or one command that executes none) and every printed item it runs."""
    key: tuple
    runner: list[str] | None = None       # the runner's arguments, if a runner command is among the items
    papermill: list[str] | None = None    # papermill's, if a papermill command is
    params: dict | None = None            # else: an edit's quick parameters, injected as papermill does
    items: list[str] = field(default_factory=list)
    edits: list[dict] = field(default_factory=list)    # the config-cell edits whose values its record must show
    error: str | None = None              # why it cannot even start (a printed command the runner refuses)


def runner_key(args: list[str]) -> tuple:
    """The recipe a runner command executes, as the runner computes it; a refusal raises RunError."""
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            parsed = run_options.parse_args(args)
    except SystemExit:
        raise runner.RunError(stderr.getvalue().strip()) from None
    changes = apply_settings(parsed.notebook, parsed.set)
    params = {**runner.parameter_overrides((parsed.seeds or [parsed.seed])[0], epochs=parsed.epochs,
                                           quick=parsed.quick, validate=parsed.validate), **changes}
    return recipe_key(parsed.notebook, params)


def executions() -> list[Execution]:
    """What the slow test runs: each distinct execution with the items it runs."""
    found: dict[tuple, Execution] = {}

    def add(key, item, **how):
        ex = found.setdefault(key, Execution(key))
        ex.items.append(item)
        for name, value in how.items():
            if getattr(ex, name) is None:
                setattr(ex, name, value)
        return ex
    for printed in collect_commands():
        if not_quick(printed):
            continue
        for text in instances(printed):
            if text.startswith("papermill"):
                add(("papermill", text), text, papermill=quick_papermill_args(text))   # its own command line
            elif {"-h", "--help"} & set(shlex.split(text)):
                add(("help", text), text, runner=quick_runner_args(text))
            else:
                args = quick_runner_args(text)
                try:
                    add(runner_key(args), text, runner=args)
                except (runner.RunError, KeyError, ValueError) as err:     # fails in the test, not at collection
                    add(("refused", text), text, runner=args, error=str(err))
    for n, edit, values in collect_edits():
        params = {"QUICK": True, "EPOCHS": 1, **values}
        add(recipe_key(n, params), f"S7_Model_{n}.ipynb: {edit}", params=params).edits.append(values)
    return list(found.values())


def skipped() -> list[tuple[str, str]]:
    """Each printed command that cannot run quick, with why."""
    return [(text, not_quick(text)) for text in collect_commands() if not_quick(text)]


# ----------------------------------------------------------------------------
# The collection
# ----------------------------------------------------------------------------
def test_the_collection_finds_every_try_it_command_and_edit():
    printed = collect_commands()
    try_it = {text for text, p in printed.items() if any("(try-it)" in w for w in p.where)}
    questions = {command(n, settings) for n in NOTEBOOKS for _, settings, _ in QUESTIONS[n]}
    assert len(questions) >= 12 and questions <= try_it
    assert {t for t in try_it if not not_quick(t)} == questions          # any other is a --publish variant
    edits = collect_edits()
    assert [n for n, _, _ in edits] == [n for n in NOTEBOOKS for _ in QUESTIONS[n]]
    for (n, edit, values), settings in zip(edits, (s for n in NOTEBOOKS for _, s, _ in QUESTIONS[n])):
        assert values == apply_settings(n, settings), edit          # the edit is its command's change


def test_the_collection_finds_the_rerun_lines_and_the_readmes_commands():
    printed = collect_commands()
    for n in NOTEBOOKS:
        assert f"{notebook_path(n).name} (markdown cell 0)" in printed[f"python -m scripts.run --notebook {n}"].where
    readme = {text for text, p in printed.items() if README.name in p.where}
    assert {"python -m scripts.run --notebook 1", "python -m scripts.run --notebook N", "python -m scripts.run --help",
            "papermill S7_Model_6.ipynb out.ipynb -p EPOCHS 10 -p OUT_DIR runs/mine"} <= readme
    assert commands_in("Run `python -m scripts.run --notebook 3 --quick`, or\n```bash\npip install x\npapermill a.ipynb "
                       "b.ipynb\n```\nnot `--seeds 1 2`") == ["papermill a.ipynb b.ipynb", "python -m scripts.run --notebook 3 --quick"]


def test_what_cannot_run_quick_is_skipped_by_name_with_its_reason():
    reasons = dict(skipped())
    assert "python -m scripts.run --report" in reasons and "python -m scripts.run --notebook N --publish" in reasons
    assert reasons["python -m scripts.run --report"].startswith("--report regenerates")
    assert not_quick("python -m scripts.run --notebook 4 --set DROPOUT=0.1 --seeds 1 2 3 4 5 --publish")
    assert not_quick("python -m scripts.run --notebook N --set NAME=VALUE --seeds 1 2 3 4 5")
    assert not not_quick("python -m scripts.run --notebook 6 --set LR_SCHEDULE.max_lr=0.2 --seeds 1 2 3 4 5")


def test_quick_mode_is_one_seed_into_the_scratch_folder():
    assert quick_runner_args("python -m scripts.run --notebook 6 --set OPTIMIZER.nesterov=False --seeds 1 2 3 4 5") == \
        ["--notebook", "6", "--set", "OPTIMIZER.nesterov=False", "--seeds", "1", "--quick", "--out", "TMP"]
    assert quick_runner_args("python -m scripts.run --notebook 4 --set 'AUGMENT={\"degrees\": 8}' --seeds 1 2 --silent") == \
        ["--notebook", "4", "--set", 'AUGMENT={"degrees": 8}', "--seeds", "1", "--silent", "--quick", "--out", "TMP"]
    assert quick_papermill_args("papermill S7_Model_6.ipynb out.ipynb -p EPOCHS 10 -p OUT_DIR runs/mine") == \
        ["S7_Model_6.ipynb", "TMP/out.ipynb", "-p", "EPOCHS", "1", "-p", "OUT_DIR", "TMP", "-p", "QUICK", "True"]


def test_each_recipe_executes_once():
    """A Try it command and its question's edit are one execution; README's `--notebook N` and
    `--notebook 1` are the re-run lines' executions, the six notebooks' unchanged quick runs."""
    found = executions()
    assert len({ex.key for ex in found}) == len(found)
    with_edits = [ex for ex in found if ex.edits]
    assert sum(len(ex.edits) for ex in with_edits) == sum(map(len, QUESTIONS.values()))
    assert all(ex.runner and len(ex.edits) == 1 and len(ex.items) == 2 for ex in with_edits), [ex.items for ex in with_edits]
    unchanged = {ex.key[0]: ex.items for ex in found if ex.key[1:] == (repr([("EPOCHS", 1), ("QUICK", True)]),)}
    assert sorted(unchanged) == list(NOTEBOOKS)
    assert all(items == [f"python -m scripts.run --notebook {n}"] * 2 for n, items in unchanged.items())   # its line, README's N


# ----------------------------------------------------------------------------
# Running them
# ----------------------------------------------------------------------------
def in_tmp(args: list[str], tmp: Path) -> list[str]:
    return [str(tmp / a[4:]) if a.startswith("TMP/") else str(tmp) if a == "TMP" else a for a in args]


RUNS = [pytest.param(ex, id=ex.items[0]) for ex in executions()] + \
       [pytest.param(None, id=text, marks=pytest.mark.skip(reason=f"{text}: {why}")) for text, why in skipped()]


@pytest.mark.slow
@pytest.mark.parametrize("ex", RUNS)
def test_every_printed_command_and_edit_runs_quick(ex, real_root, tmp_path):
    assert ex.error is None, f"{ex.items} cannot start: {ex.error}"
    if ex.runner is not None:
        result = run_command(*in_tmp(ex.runner, tmp_path), "--silent")
    elif ex.papermill is not None:
        result = subprocess.run([sys.executable, "-m", "papermill", *in_tmp(ex.papermill, tmp_path)],
                                capture_output=True, text=True, cwd=ROOT, timeout=900)
    else:
        result = None
        runner.execute_notebook(notebook_path(ex.key[0]), {**ex.params, "OUT_DIR": str(tmp_path)}, tmp_path, echo=False)
    if result is not None:
        assert result.returncode == 0, f"{ex.items}:\n{result.stderr[-3000:]}"
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
    if ex.key[0] == "help":
        assert "usage:" in result.stdout
        return
    records = [load_results(p) for p in tmp_path.rglob("S7_Model_*.json")]
    assert len(records) == 1 and records[0]["quick"], ex.items
    for values in ex.edits if ex.runner else []:        # the runner's execution ran the edit's values
        assert records[0]["changes"] == values, ex.items
