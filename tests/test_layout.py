"""The import graph is the one s7/__init__.py draws, read from the folders themselves: s7/core/ is what
utils.py stands on and imports nothing above it; s7/studies/ trains through utils.py and takes from it
only what utils.py itself defines; every s7 name is imported from s7 (never through utils' re-exports);
nothing imports in a circle; the commands import only the package and the learner's files; nothing
edits sys.path."""
import ast
import json
from pathlib import Path

import pytest

from s7.core.places import ROOT

LEARNERS_FILES = {"utils", "models"}


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


def layer(name: str) -> str | None:
    """'core' or 'studies' for a module of s7's two subpackages, from its dotted name alone."""
    parts = name.split(".")
    return parts[1] if parts[0] == "s7" and len(parts) > 1 else None


def utils_names() -> tuple[set[str], set[str]]:
    """The names utils.py defines, and the names it imports from s7 (its re-exports for the notebooks)."""
    defined, imported = set(), set()
    for node in ast.parse((ROOT / "utils.py").read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("s7"):
            imported |= {a.asname or a.name for a in node.names}
    return defined, imported


def names_taken_from_utils(path: Path) -> set[str]:
    """What a file takes from utils: `from utils import x` and `utils.x` in code (not in strings)."""
    taken = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "utils":
            taken |= {a.name for a in node.names}
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "utils":
            taken.add(node.attr)
    return taken


def test_s7_is_two_subpackages_and_nothing_else():
    modules = project_modules()
    s7_modules = [m for m in modules if m.startswith("s7.")]
    assert {layer(m) for m in s7_modules} == {"core", "studies"}, sorted(s7_modules)
    assert set((ROOT / "s7").glob("*.py")) == {ROOT / "s7" / "__init__.py"}


def test_core_imports_nothing_above_it():
    g = graph()
    for name, deps in g.items():
        if layer(name) == "core":
            above = {d for d in deps if layer(d) == "studies" or d == "utils" or not d.startswith(("s7", "models"))}
            assert not above, (name, above)
    assert all(layer(d) == "core" for d in g["utils"] if d.startswith("s7.")), g["utils"]
    assert g["models"] == set(), g["models"]


def test_studies_take_from_utils_only_what_it_defines():
    defined, reexported = utils_names()
    assert "train" in defined and "test" in defined
    for name, path in project_modules().items():
        if name in LEARNERS_FILES:
            continue
        taken = names_taken_from_utils(path)
        assert taken <= defined, (name, "reaches s7 through utils:", taken & reexported, "unknown:", taken - defined)


def test_tests_take_s7_names_from_s7():
    defined, _ = utils_names()
    for path in sorted((ROOT / "tests").glob("*.py")):
        taken = names_taken_from_utils(path)
        assert taken <= defined, (path.name, taken - defined)


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


def test_utils_holds_what_the_notebooks_call_train_and_test_first():
    """utils.py is the file a learner reads beside a notebook: at most 450 lines, train() and test() first,
    and every function or class it defines is one a notebook calls (the rest lives in s7/core/)."""
    text = (ROOT / "utils.py").read_text()
    assert len(text.splitlines()) <= 450
    defined = [n.name for n in ast.parse(text).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    assert defined[:2] == ["train", "test"], defined[:2]
    code = "\n".join("".join(c["source"]) for n in range(1, 7)
                     for c in json.loads((ROOT / f"S7_Model_{n}.ipynb").read_text())["cells"] if c["cell_type"] == "code")
    uncalled = [name for name in defined if f"utils.{name}(" not in code and f"utils.{name}," not in code]
    assert not uncalled, f"utils.py defines what no notebook calls: {uncalled} (move it to s7/core/)"


def test_train_hands_a_batch_to_the_cuda_graph_instead_of_branching_around_its_update():
    """train()'s five textbook lines appear once, in train() itself; the graph gets the batch from one call."""
    source = ast.get_source_segment((ROOT / "utils.py").read_text(),
                                    next(n for n in ast.parse((ROOT / "utils.py").read_text()).body
                                         if isinstance(n, ast.FunctionDef) and n.name == "train"))
    for line in ("optimizer.zero_grad(set_to_none=True)", "out = model(x)", "loss = F.cross_entropy(out, y)",
                 "loss.backward()", "optimizer.step()"):
        assert source.count(line) == 1, line
    assert source.count("graph.") == 1 and "graph.step(x, y, model, optimizer, average)" in source


def imported_modules(path: Path) -> set[str]:
    """Every module a test file imports, by its dotted name: `import a.b` gives a.b, `from a.b import c`
    gives a.b and a.b.c (c may be a module or a name in it)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def test_every_module_has_a_test_file_named_for_it():
    """Each module of s7/ (read from its folders, __init__.py aside) and the learner's utils.py and models.py
    has tests/test_<its name>.py, and that file imports it (`from s7.core import verdict`,
    `from s7.core.verdict import ...`, `import utils`): a module's tests are found by its name."""
    modules = [module_name(p) for p in sorted((ROOT / "s7").rglob("*.py")) if p.name != "__init__.py"]
    modules += sorted(LEARNERS_FILES)
    stems = [m.rpartition(".")[2] for m in modules]
    assert len(set(stems)) == len(stems), "two modules share a name: a test file named for one would be ambiguous"
    problems = []
    for module, stem in zip(modules, stems):
        path = ROOT / "tests" / f"test_{stem}.py"
        if not path.exists():
            problems.append(f"{module} has no tests/{path.name}")
        elif module not in imported_modules(path):
            problems.append(f"tests/{path.name} does not import {module}")
    assert not problems, problems
