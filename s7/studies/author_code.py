"""A public solution's own code, run here (search/author_code.py is the command): the author's notebook's
code cells as one script, in a copy of the author's checkout, on the CPU, with a seed; each change made
is written into the results file."""
from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from s7.core.places import ORIGINAL, RESULTS_DIR
from s7.core.records import cpu_name

OUT = RESULTS_DIR / ORIGINAL

# What each solution's author ran: where, at which commit, which notebook, which of its code cells
# train (the cells after them plot and analyse), and the line that seeds their torch RNG.
SOLUTIONS = {
    "public3762": dict(
        repository="adilsammar/woolly-of-cv", commit="7ade20956e6edc54f0e61cbfc032274e596e59d5",
        folder="assets/mnist", notebook="MNIST_ALBUMENTATION_3762_99.52.ipynb", cells=range(0, 6),
        seed_line="torch.manual_seed(1)", trainer="trainer", packages=["torch", "torchvision", "albumentations", "numpy"]),
}

# After their cells: their Training object's per-epoch lists, written as JSON (our addition, read-only).
READ_BACK = """
import json as _json
_t = {trainer}
_json.dump(dict(lr=[float(v) for v in _t.schedule], train_loss=_t.list_train_loss, train_acc=_t.list_train_correct,
                test_loss=_t.list_valid_loss, test_acc=_t.list_valid_correct), open({path!r}, "w"))
"""


class AuthorCodeError(Exception):
    """A one-line error for the user."""


def checkout_commit(checkout: Path) -> str:
    result = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True)
    if result.returncode != 0:
        raise AuthorCodeError(f"{checkout} is not a git checkout: clone the author's repository there")
    return result.stdout.strip()


def notebook_script(notebook: Path, cells) -> str:
    """The notebook's code cells, in order, as one script (IPython magics would be refused)."""
    code = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    sources = ["".join(code[i]["source"]) for i in cells]
    magic = [s for s in sources if any(line.lstrip().startswith(("%", "!")) for line in s.splitlines())]
    if magic:
        raise AuthorCodeError(f"{notebook.name}: a cell uses IPython magics, which a script cannot run")
    return "\n\n".join(sources) + "\n"


def set_seed(folder: Path, script: str, seed_line: str, seed: int) -> tuple[str, list[dict]]:
    """Every `seed_line` (their torch.manual_seed(1)) in their modules and their cells set to `seed`;
    returns the script and each change made (none at seed 1)."""
    new_line = seed_line.replace("(1)", f"({seed})")
    changes = []
    if new_line == seed_line:
        return script, changes
    for path in sorted(folder.rglob("*.py")):
        text = path.read_text()
        if seed_line in text:
            path.write_text(text.replace(seed_line, new_line))
            changes.append(dict(file=str(path.relative_to(folder)), count=text.count(seed_line), was=seed_line, now=new_line))
    if seed_line in script:
        changes.append(dict(file="the notebook's cells", count=script.count(seed_line), was=seed_line, now=new_line))
    return script.replace(seed_line, new_line), changes


def versions(packages) -> dict:
    from importlib.metadata import version
    return {name: version(name) for name in packages}


def run_seed(name: str, checkout: Path, seed: int, root: Path, log) -> dict:
    """One run of the author's code at `seed`; returns its record."""
    s = SOLUTIONS[name]
    with tempfile.TemporaryDirectory(prefix=f"{name}_author_") as tmp:
        work = Path(tmp) / "notebook"
        shutil.copytree(checkout / s["folder"], work, ignore=shutil.ignore_patterns("*.pth", "weights"))
        (Path(tmp) / "data").symlink_to(root)              # their loaders read '../data'
        script, changes = set_seed(work, notebook_script(work / s["notebook"], s["cells"]), seed_line=s["seed_line"], seed=seed)
        figures = Path(tmp) / "figures.json"
        preamble = (f"import random, numpy\nrandom.seed({seed})\nnumpy.random.seed({seed})\n"
                    "import matplotlib\nmatplotlib.use('Agg')\n\n")
        future = [line for line in script.splitlines(keepends=True) if line.startswith("from __future__")]
        rest = "".join(line for line in script.splitlines(keepends=True) if line not in future)
        (work / "run_cells.py").write_text("".join(future) + preamble + rest
                                           + READ_BACK.format(trainer=s["trainer"], path=str(figures)))
        env = dict(os.environ, CUDA_VISIBLE_DEVICES="", PYTHONHASHSEED=str(seed))
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-u", "run_cells.py"], cwd=work, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
        if done.returncode != 0:
            raise AuthorCodeError(f"{name} seed {seed}: the author's code failed (exit {done.returncode}); see its log")
        history = json.loads(figures.read_text())
    history["seconds_all"] = round(time.perf_counter() - start, 1)
    return dict(
        solution=name, seed=seed, repository=s["repository"], commit=s["commit"],
        notebook=f"{s['folder']}/{s['notebook']}", cells_run=f"code cells {s['cells'].start + 1}-{s['cells'].stop} of the "
        f"notebook (through trainer.run(); the cells after it plot and analyse)",
        command=f"python -m search.author_code {name} --checkout CHECKOUT --seeds {seed}",
        changes=[
            "the device: the CPU (CUDA_VISIBLE_DEVICES empty; their get_device() then picks the CPU, and their "
            "get_loader() then loads in the main process, without worker processes or pinned memory)",
            f"the seed: every torch.manual_seed(1) set to torch.manual_seed({seed})" if seed != 1 else
            "the seed: their own torch.manual_seed(1), unchanged",
            f"Python's random and NumPy seeded with {seed} before their first cell (albumentations draws from "
            "Python's random, which their code leaves unseeded in the main process)",
            "the data: their '../data' is a link to this machine's MNIST files",
            "after their cells, their Training object's per-epoch lists are written out (read only)",
        ],
        seed_changes=changes, **versions(s["packages"]), python=platform.python_version(), device="cpu",
        cpu=cpu_name(), history={k: history[k] for k in ("train_loss", "train_acc", "test_loss", "test_acc", "lr")},
        wall_seconds=history["seconds_all"])
