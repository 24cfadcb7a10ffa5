"""s7/studies/report/notebook_cells.py: a Results cell's line on the fit, from its run's record: the kept
weights on the clean training images against the last epoch's test accuracy, the gap between them, the
reading on both axes, and why the running train accuracy differs; a folded block a learner may open; and a
learner who switches a notebook's optimizer to Adam gets a record and a Results cell that say Adam."""
import json

import nbformat
import pytest

from s7.core.places import results_path
from s7.core.records import load_results
from s7.studies.notebooks import notebook_path
from s7.studies.report.notebook_cells import fit_lines, folded, results_markdown
from s7.studies.runner import execute_notebook


def record(model="Model4", augment=None, clean=99.62, last_test=99.31, averaged=False):
    history = {"train_acc": [97.0, 98.87], "test_acc": [99.0, last_test]}
    if averaged:
        history["raw_test_acc"] = [98.9, 99.2]
    return {"model": model, "augment": augment, "params": 7000, "clean_train_acc": clean, "clean_train_loss": 0.01234,
            "history": history}


def test_the_fit_line_is_the_clean_training_accuracy_against_the_last_test_accuracy():
    # 99.62 - 99.31 = 0.31 points: at least 99.5% right, no under-fitting; a gap from 0.15 up to 0.40, some
    (line,) = fit_lines(record(augment={"degrees": 8, "shift": 2}))
    assert line == ("- The fit: the kept weights, scored like the test set on the 60,000 clean training images, get "
                    "**99.62%** right (loss 0.0123), against **99.31%** on the test set at the last epoch: a gap of "
                    "0.31 points, no under-fitting, some over-fitting. The running train accuracy of the last epoch, "
                    "98.87%, was measured while the weights still change, with dropout and augmentation on.")
    # Model1 has no dropout; 99.45 is under 99.5, and 99.45 - 99.40 = 0.05 is no over-fitting
    (line,) = fit_lines(record(model="Model1", clean=99.45, last_test=99.40, averaged=True))
    assert "the kept weights (the weight average), scored" in line
    assert "a gap of 0.05 points, under-fitting, no over-fitting." in line
    assert line.endswith("while the weights still change, and for the trained weights, not their average.")
    assert fit_lines({k: v for k, v in record().items() if k != "clean_train_acc"}) == []


def test_a_folded_block_is_blank_lines_around_its_markdown_and_nothing_without_lines():
    assert folded("Where it stands", ["- a line"]) == ["", "<details><summary>Where it stands</summary>", "",
                                                       "- a line", "", "</details>"]
    assert folded("Where it stands", []) == []


@pytest.mark.slow
def test_notebook_2_switched_to_adam_records_adam(real_root, tmp_path):
    nb = nbformat.read(notebook_path(2), as_version=4)
    setup = [c for c in nb.cells if c.cell_type == "code" and "torch.optim.SGD(model.parameters(), **OPTIMIZER)" in c.source]
    assert len(setup) == 1, "notebook 2 builds its optimizer in one cell"
    setup[0].source = setup[0].source.replace("torch.optim.SGD(model.parameters(), **OPTIMIZER)",
                                              "torch.optim.Adam(model.parameters(), lr=0.002)")
    edited = tmp_path / "S7_Model_2.ipynb"
    nbformat.write(nb, edited)
    out = tmp_path / "out"
    execute_notebook(edited, {"QUICK": True, "EPOCHS": 1, "OUT_DIR": str(out), "DATA_ROOT": str(real_root)},
                     tmp_path, echo=False)
    record = load_results(results_path(2, out))
    assert record["optimizer"] == {"name": "Adam", "lr": 0.002}
    assert "SGD" not in json.dumps(record["optimizer"])
    cell = results_markdown(record)
    assert "epochs of Adam(lr=0.002)." in cell and "SGD" not in cell


def test_the_results_cell_names_the_optimizer_and_its_schedule():
    from s7.studies.report.notebook_cells import optimizer_words
    assert optimizer_words({"optimizer": {"name": "SGD", "lr": 0.1}, "lr_schedule": {"name": "OneCycleLR"}}) == \
        "SGD(lr=0.1) under OneCycleLR"
    assert optimizer_words({"optimizer": {"name": "Adam", "lr": 0.002}, "lr_schedule": None}) == "Adam(lr=0.002)"
