"""README.md, RESULTS.md, TUNING.md, the plots and the notebooks' Results cells, generated from results/.

  python -m scripts.run --report

Writes every block between the files' "generated" markers (README's, RESULTS.md's, TUNING.md's), the
plots (plots.py), each notebook's Results cell and the answers of its Try it cell (notebook_cells.py,
try_it_cells.py), after evaluating the committed weights for the robustness table. Which runs each
table reads is in s7/studies/record_sets.py. Nothing here is typed by hand: change a result by re-running
its notebook.
"""
from __future__ import annotations

import json
import re

from s7.core.places import ROBUSTNESS, ROOT
from s7.core.standing import published_seeds
from s7.studies.report.colab import colab_note, fill_colab_links, git_remote, github_repo
from s7.studies.report.ladder_tables import LADDER_TITLES, ablation_table, ladder_block, step4_line, takeaway_line
from s7.studies.report.notebook_cells import samples_block, update_notebooks
from s7.studies.report.performance import performance_section
from s7.studies.report.plots import (DIFFERENCE_PLOTS, plot_ablation, plot_accuracy, plot_differences, plot_fit_map,
                                     plot_frontier)
from s7.studies.report.public_tables import (comparison_table, fidelity_table, original_code_lines, public_table,
                                             test_side_table)
from s7.studies.report.robustness_table import robustness_table
from s7.studies.report.seed_table import seed_table
from s7.studies.report.steps import compact_table, fit_table, gains, headline, steps_table
from s7.studies.report.teaching import times_table
from s7.studies.report.tuning_md import tuning_blocks
from s7.studies.robustness import evaluate_published

README = ROOT / "README.md"
TUNING_MD = ROOT / "TUNING.md"
RESULTS_MD = ROOT / "RESULTS.md"
TEACHING_MD = ROOT / "TEACHING.md"


START, END = "<!-- generated:{} start -->", "<!-- generated:{} end -->"


def replace_block(text: str, name: str, body: str) -> str:
    start, end = START.format(name), END.format(name)
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise ValueError(f"the markers {start} ... {end} are missing")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


def readme_blocks(repo: str | None = None) -> dict:
    return {"headline": headline(), "compact": compact_table(), "steps": steps_table(), "gains": gains(), "fit": fit_table(),
            "takeaway": takeaway_line(), "step4": step4_line(), "seeds": seed_table(published_seeds(6)),
            "comparison": comparison_table(), "colab": colab_note(repo),
            "robustness": robustness_table(json.loads(ROBUSTNESS.read_text()) if ROBUSTNESS.exists() else None),
            "samples": samples_block()}


def results_blocks() -> dict:
    """RESULTS.md's generated parts: the full comparison and the performance figures."""
    return {"public": public_table(), "fidelity": fidelity_table(), "test_side": test_side_table(),
            "original": "\n".join(original_code_lines()) or "*The author's own code has not been run here yet.*",
            "ablation": ablation_table(),
            "ablation_without": ladder_block("step6_without"), "step4": ladder_block("step4"),
            "performance": performance_section()}


def regenerate(with_robustness: bool = True) -> None:
    """Every generated part written into place (first the robustness table's evaluation of the committed weights)."""
    if with_robustness:
        evaluate_published()
    plot_accuracy()
    for ladder in LADDER_TITLES:
        plot_ablation(ladder)
    for name in DIFFERENCE_PLOTS:
        plot_differences(name)
    plot_frontier()
    plot_fit_map()
    repo = github_repo(git_remote())
    for path, blocks in ((README, readme_blocks(repo)), (RESULTS_MD, results_blocks()), (TUNING_MD, tuning_blocks()),
                         (TEACHING_MD, {"times": times_table()})):
        text = path.read_text()
        for name, body in blocks.items():
            text = replace_block(text, name, body)
        path.write_text(fill_colab_links(text, repo) if repo else text)
    update_notebooks(repo)
    print(f"updated {README.name}, {RESULTS_MD.name}, {TUNING_MD.name}, {TEACHING_MD.name}, the plots in results/, the notebooks' Results cells"
          + (f", the Colab links ({repo})" if repo else "") + (f" and {ROBUSTNESS.relative_to(ROOT)}" if with_robustness else ""))

