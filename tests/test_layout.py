"""The import graph is the one s7/__init__.py draws: no module imports one above it, nothing imports in
a circle, the commands import only the package and the learner's files, and nothing edits sys.path."""
import ast
import json
from pathlib import Path

import pytest

from s7.places import ROOT

# what utils.py stands on: these import nothing but each other (and outside libraries)
BELOW_UTILS = {"s7", "s7.places", "s7.records", "s7.data_checks", "s7.pixels", "s7.augment", "s7.gpu",
               "s7.pil_loader", "s7.digits", "s7.verdict", "s7.canvas"}
# and models.py, beside utils.py, which imports nothing of the project: the canvas reads the six steps'
# weights in their classes
NEEDS_MODELS = {"s7.canvas"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    files = [ROOT / "utils.py", ROOT / "models.py"] + [p for folder in ("s7", "scripts", "search")
                                                       for p in sorted((ROOT / folder).rglob("*.py"))]
    return {module_name(p): p for p in files}


def imports(path: Path, modules: dict) -> set[str]:
    """The project's modules a file imports (absolute or relative), at any depth of the file."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        found |= {n for n in names if n in modules}
    return found


def graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports(path, modules) - {name} for name, path in modules.items()}


def test_what_utils_stands_on_imports_nothing_above_it():
    g = graph()
    assert BELOW_UTILS <= set(g), BELOW_UTILS - set(g)
    assert g["models"] == set(), g["models"]
    for name in BELOW_UTILS:
        allowed = BELOW_UTILS | ({"models"} if name in NEEDS_MODELS else set())
        assert g[name] <= allowed, (name, g[name] - allowed)
    assert g["utils"] <= BELOW_UTILS | {"models"}, g["utils"] - BELOW_UTILS


def test_the_commands_import_only_the_package_and_the_learners_files():
    for name, deps in graph().items():
        if name.startswith(("scripts.", "search.")):
            assert all(d in ("utils", "models") or d.startswith("s7") for d in deps), (name, deps)
        if name.startswith("s7"):
            assert not any(d.startswith(("scripts", "search")) for d in deps), (name, deps)


def test_nothing_imports_in_a_circle():
    g = graph()
    state: dict[str, str] = {}

    def visit(node, path):
        state[node] = "open"
        for dep in g.get(node, ()):
            if state.get(dep) == "open":
                pytest.fail("circular import: " + " -> ".join(path + [dep]))
            if dep not in state:
                visit(dep, path + [dep])
        state[node] = "done"
    for node in g:
        if node not in state:
            visit(node, [node])


def test_no_code_edits_the_import_path():
    for path in project_modules().values():
        assert "sys.path" not in path.read_text(), path
    for n in range(1, 7):
        cells = json.loads((ROOT / f"S7_Model_{n}.ipynb").read_text())["cells"]
        assert not any("sys.path" in "".join(c["source"]) for c in cells if c["cell_type"] == "code"), n
    for path in (ROOT / "tests").glob("*.py"):
        if path.name != "test_layout.py":
            assert "sys.path.insert" not in path.read_text() and "sys.path[" not in path.read_text(), path
