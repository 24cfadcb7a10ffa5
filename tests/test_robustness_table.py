"""s7/studies/report/robustness_table.py: RESULTS.md's robustness table: a row per step, a column per
perturbation, each accuracy to two decimals, and the seed the perturbations were drawn with."""
import json

from s7.core.places import ROOT
from s7.studies.report.robustness_table import robustness_table


def test_the_table_has_a_row_per_step_and_a_column_per_perturbation():
    data = {"seed": 7, "steps": {"1": {"clean": 98.764, "rotated by 15°": 90.0},
                                 "6": {"clean": 99.5, "rotated by 15°": 97.126}}}
    assert robustness_table(data) == (
        "| Step | clean | rotated by 15° |\n|---|---:|---:|\n| 1 | 98.76 | 90.00 |\n| 6 | 99.50 | 97.13 |\n\n"
        "Test accuracy (%) on the 10,000 test images under each perturbation, drawn with seed 7.")
    assert robustness_table(None).startswith("*Not computed yet")


def test_the_committed_figures_are_the_tables_cells():
    data = json.loads((ROOT / "results" / "robustness.json").read_text())
    lines = robustness_table(data).splitlines()
    for step, accs in data["steps"].items():
        assert f"| {step} | " + " | ".join(f"{a:.2f}" for a in accs.values()) + " |" in lines, step
