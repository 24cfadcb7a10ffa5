"""Student copies (python -m scripts.student_copies DEST, s7/studies/student_copies.py): no answers, every question
kept, no outputs, no Analysis, the published notebooks never overwritten, and a copy that still runs."""
import nbformat
import pytest

from s7.core.places import ROOT
from s7.studies import runner
from s7.studies.notebooks import NOTEBOOKS, notebook_path
from s7.studies.student_copies import RESULTS_LINE, StudentCopyError, student_notebook
from s7.studies.try_it import QUESTIONS, command
from scripts import student_copies

ANSWER_WORDS = ("The measured answer", "results/try_it", "generated:try_it")


def published_bytes() -> list[bytes]:
    return [notebook_path(n).read_bytes() for n in NOTEBOOKS]


@pytest.fixture(scope="module")
def dest(tmp_path_factory):
    """The six copies, written once by the command as an instructor types it."""
    before = published_bytes()
    folder = tmp_path_factory.mktemp("class") / "students"
    assert student_copies.main([str(folder)]) == 0
    assert published_bytes() == before                       # the published notebooks are left as they are
    return folder


def copy_of(dest, n):
    return nbformat.read(dest / notebook_path(n).name, as_version=4)


def tagged(nb, tag):
    return [c for c in nb.cells if tag in c.metadata.get("tags", [])]


@pytest.mark.parametrize("n", NOTEBOOKS)
def test_no_answer_is_left(dest, n):
    raw = (dest / notebook_path(n).name).read_text()
    for words in ANSWER_WORDS:
        assert words not in raw, (n, words)
    (try_it,) = tagged(copy_of(dest, n), "try-it")
    assert "<details>" not in try_it.source, n             # no folded answer (other cells may fold tables)
    assert "Why:" not in try_it.source and "Each answer was measured" not in try_it.source


@pytest.mark.parametrize("n", NOTEBOOKS)
def test_every_question_is_kept(dest, n):
    (try_it,) = tagged(copy_of(dest, n), "try-it")
    assert QUESTIONS[n]
    for k, (_, settings, _) in enumerate(QUESTIONS[n], 1):
        assert f"**{k}. " in try_it.source
        assert command(n, settings) in try_it.source, command(n, settings)
    for line in ("- In the config cell: `", "- Predict first: "):
        assert try_it.source.count(line) == len(QUESTIONS[n]), line
    (published,) = tagged(nbformat.read(notebook_path(n), as_version=4), "try-it")
    assert try_it.source.count("- What it costs: ") == published.source.count("- What it costs: ")
    assert "<!--" not in try_it.source


@pytest.mark.parametrize("n", NOTEBOOKS)
def test_no_outputs_no_analysis_and_the_results_left_to_the_run(dest, n):
    nb, published = copy_of(dest, n), nbformat.read(notebook_path(n), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert not tagged(nb, "analysis") and tagged(published, "analysis")
    (results,) = tagged(nb, "results")
    assert results.source == f"## Results\n\n{RESULTS_LINE}" and not results.get("attachments")
    # the only pictures left are those of the cells kept as published (notebook 1's reading guide)
    assert ([c.get("attachments") for c in nb.cells if c.get("attachments")]
            == [c.get("attachments") for c in published.cells if c.get("attachments") and "results" not in c.metadata.get("tags", [])])
    # every other cell is the published one, in order: the code a student runs is the code CI runs quick
    changed = ("analysis", "results", "try-it")
    kept = [c.source for c in published.cells if not set(changed) & set(c.metadata.get("tags", []))]
    assert [c.source for c in nb.cells if not set(changed) & set(c.metadata.get("tags", []))] == kept
    nbformat.validate(nb)


def test_a_copy_that_would_still_give_an_answer_or_lose_a_question_is_refused():
    nb = nbformat.read(notebook_path(1), as_version=4)
    (try_it,) = tagged(nb, "try-it")
    source = try_it.source
    try_it.source = source + "\n\nThe runs: `results/try_it/S7_Model_1_EPOCHS-5_seed*.json`."
    with pytest.raises(StudentCopyError, match="results/try_it"):
        student_notebook(nb, 1)
    try_it.source = source.replace("</details>", "", 1)      # an answer left open would swallow the next question
    with pytest.raises(StudentCopyError, match="would lose the Try it line '\\*\\*2\\. "):
        student_notebook(nb, 1)


@pytest.mark.parametrize("where", ["root", "link to the root"])
def test_the_published_notebooks_are_never_overwritten(where, tmp_path, capsys):
    target = ROOT
    if where == "link to the root":
        target = tmp_path / "link"
        target.symlink_to(ROOT, target_is_directory=True)
    before = published_bytes()
    assert student_copies.main([str(target)]) == 1
    assert "would overwrite the published S7_Model_1.ipynb" in capsys.readouterr().err
    assert published_bytes() == before


@pytest.mark.slow
def test_a_student_copy_runs_in_quick_mode(dest, real_root, tmp_path):
    """Step 6's copy, the one with the most code, through a real kernel as the runner's --quick runs a
    notebook (one epoch on 5,000 images); the other copies' code is their published notebooks' (above),
    which tests/test_runner.py runs quick."""
    runner.use_data_root(str(real_root))
    nb = runner.execute_notebook(dest / notebook_path(6).name, runner.parameter_overrides(quick=True), tmp_path,
                                 echo=False)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
