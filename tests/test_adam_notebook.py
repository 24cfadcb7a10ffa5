"""A learner who switches a notebook's optimizer to Adam gets a record and a Results cell that say Adam:
the record is made from the optimizer object that ran, not typed beside it."""
import json

import nbformat
import pytest

from s7.core.places import results_path
from s7.core.records import load_results
from s7.studies.notebooks import notebook_path
from s7.studies.report.notebook_cells import results_markdown
from s7.studies.runner import execute_notebook


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
