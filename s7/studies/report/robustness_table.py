"""RESULTS.md's robustness table: each step's committed weights under perturbations of the test images
(results/robustness.json, which s7/studies/robustness.py computes)."""
from __future__ import annotations


def robustness_table(data: dict | None) -> str:
    """The table from results/robustness.json's contents (None: not computed yet)."""
    if data is None:
        return "*Not computed yet: `python -m scripts.run --report` computes it from the committed weights.*"
    names = list(next(iter(data["steps"].values())).keys())
    rows = ["| Step | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for notebook, accs in data["steps"].items():
        rows.append(f"| {notebook} | " + " | ".join(f"{accs[n]:.2f}" for n in names) + " |")
    return "\n".join(rows) + f"\n\nTest accuracy (%) on the 10,000 test images under each perturbation, drawn with seed {data['seed']}."
