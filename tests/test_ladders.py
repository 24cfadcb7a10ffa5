"""The one-change-at-a-time ladders (s7/studies/ladders.py): each row ran what its label says, and each table
row is recomputed from its files."""
import inspect
import json

import pytest
from conftest import difference_cell

from s7.core.model_size import count_params
from s7.core.places import ROOT
from s7.studies import ladders
from s7.studies.notebooks import notebook_parameters
from s7.studies.recipe import notebook_recipe

# the rows read as a weight-average run's trained weights (raw_test_acc), written here, not read from the code
TRAINED_WEIGHTS_ROWS = {"wider", "without_average"}


def accuracy_key(row: dict) -> str:
    assert bool(row.get("trained_weights")) == (row["name"] in TRAINED_WEIGHTS_ROWS), row["name"]
    return "raw_test_acc" if row["name"] in TRAINED_WEIGHTS_ROWS else "test_acc"


def ran_as(record: dict, row: dict) -> None:
    """What a run of the one-change-at-a-time table recorded is what its row says it changed: read
    from the file (its widths, dropout, batch, optimizer, schedule, weight average), not from the
    generator's selection, and the row's label written from those values."""
    widths = getattr(inspect.signature(ladders.model_class(record["model"])).parameters.get("widths"), "default", None)
    dropout = (record.get("model_kwargs") or {}).get("dropout", 0.05 if record["model"] in ("Model4", "Model5") else 0.0)
    widths = (record.get("model_kwargs") or {}).get("widths", widths)
    schedule, optimizer = record["lr_schedule"], record["optimizer"]
    ema = record.get("ema_decay", 0.0)
    expect = {  # row -> (model, dropout, batch, schedule?, nesterov and decay?, average?)
        "step5": ("Model5", 0.05, 128, False, False, False), "onecycle": ("Model5", 0.05, 128, True, False, False),
        "nesterov_wd": ("Model5", 0.05, 128, True, True, False), "nodropout": ("Model5", 0.0, 128, True, True, False),
        "batch64": ("Model5", 0.0, 64, True, True, False), "wider": ("Model6", 0.0, 64, True, True, True),
        "average": ("Model6", 0.0, 64, True, True, True), "model6": ("Model6", 0.0, 64, True, True, True),
        "without_onecycle": ("Model6", 0.0, 64, False, True, True), "without_nesterov_wd": ("Model6", 0.0, 64, True, False, True),
        "without_nodropout": ("Model6", 0.05, 64, True, True, True), "without_batch64": ("Model6", 0.0, 128, True, True, True),
        "without_wider": ("Model6", 0.0, 64, True, True, True), "without_average": ("Model6", 0.0, 64, True, True, True),
        "step3": ("Model3", 0.0, 128, False, False, False), "step4_gap": ("GapHead", 0.0, 128, False, False, False),
        "step4_wider": ("GapHead", 0.0, 128, False, False, False), "step4_transition": ("Model4", 0.0, 128, False, False, False),
        "step4": ("Model4", 0.05, 128, False, False, False)}[row["name"]]
    assert (record["model"], dropout, record["batch_size"], schedule is not None,
            bool(optimizer.get("nesterov")) and optimizer.get("weight_decay", 0) > 0, ema > 0) == expect, row["name"]
    if row["runs_here"]:
        assert record["row"] == row["name"]
        assert all(record[k] == row["recipe"][k] for k in ("batch_size", "optimizer", "lr_schedule", "augment", "epochs"))
        assert record.get("model_kwargs") == row["recipe"].get("model_kwargs") and ema == row["recipe"]["ema_decay"]
    label = row["change"]
    if row["name"] == "step5":
        assert f"constant rate {optimizer['lr']}" in label and f"batch {record['batch_size']}" in label
    if row["name"] == "onecycle":
        assert f"peak {schedule['max_lr']}, {ladders.ANNEAL[schedule['anneal_strategy']]}" in label
    if row["name"] == "nesterov_wd":
        assert label.endswith(f"weight decay {ladders.sci(optimizer['weight_decay'])}")
    if row["name"] == "batch64":
        assert label == f"+ batch {record['batch_size']}"
    if row["name"] == "wider":
        assert tuple(widths[-2:]) == (16, 24) and "16→24" in label
    if row["name"] == "without_wider":
        assert tuple(widths[-2:]) == (14, 16) and "14, 16" in label
    if row["name"] == "without_onecycle":
        assert label.endswith(f"a constant rate {optimizer['lr']}")
    if row["name"] == "step4_wider":
        assert label == "+ wider: " + ", ".join(map(str, widths)) + " channels"

def test_step6_changes_table_is_recomputed_from_its_files():
    """Each row of the one-change-at-a-time table, from its files: step 5's seed study, the trained
    rows (results/ablation/, the recipe each row names), Model6's seed study (trained weights, then
    the weight average)."""
    readme = (ROOT / "RESULTS.md").read_text()          # the table lives in RESULTS.md (README links to it)
    rows = ladders.rows()
    assert [r["name"] for r in rows] == ["step5", "onecycle", "nesterov_wd", "nodropout", "batch64", "wider", "average"]
    before = None
    for row in rows:
        files = [ladders.row_path(row, seed) for seed in range(1, 6)]
        records = [json.loads(f.read_text()) for f in files if f.exists()]
        if not records:
            assert f"| {row['change']} | not run yet |" in readme
            before = None
            continue
        key = accuracy_key(row)
        for r in records:
            ran_as(r, row)
            assert r["holdout"] == 0 and not r["quick"] and r["model"] == row["model"]
        means = {r["seed"]: sum(r["history"][key][-3:]) / 3 for r in records}
        lasts = [a for r in records for a in r["history"][key][-3:]]
        meeting = sum(min(r["history"][key][-3:]) >= 99.4 for r in records)
        cells = (f"| {records[0]['params']:,} | {sum(lasts) / len(lasts):.2f} | "
                 f"{min(means.values()):.2f}-{max(means.values()):.2f} | {meeting} of {len(records)} |")
        line = next(l for l in readme.splitlines() if l.startswith(f"| {row['change']}"))
        assert cells in line, (line, cells)
        if before and len(records) > 1:
            assert line.endswith(f"| {difference_cell(before, means)} |"), line
        before = means

@pytest.mark.parametrize("ladder", ["step6_without", "step4"])
def test_the_other_ladders_are_recomputed_from_their_files(ladder):
    """Step 6's changes taken away one at a time (each row against Model6) and step 4's added one at a
    time (each row against the row above, with its cost): every row from the files it recorded; the
    tables appear in README and RESULTS.md once a trained row has runs."""
    rows = ladders.rows(ladder)
    results_md = (ROOT / "RESULTS.md").read_text()
    tables = (results_md,)
    trained_runs = [f for row in rows if row["runs_here"] for seed in range(1, 6) if (f := ladders.row_path(row, seed)).exists()]
    if not trained_runs:
        for text in tables:
            assert f"<!-- generated:{ladder if ladder == 'step4' else 'ablation_without'} start -->\n\n<!--" in text
        return
    first = before = None
    for row in rows:
        records = [json.loads(f.read_text()) for f in (ladders.row_path(row, seed) for seed in range(1, 6)) if f.exists()]
        line = next(l for text in tables for l in text.splitlines() if l.startswith(f"| {row['change']}"))
        if not records:
            assert "| not run yet |" in line
            continue
        for r in records:
            ran_as(r, row)
        key = accuracy_key(row)
        means = {r["seed"]: sum(r["history"][key][-3:]) / 3 for r in records}
        lasts = [a for r in records for a in r["history"][key][-3:]]
        meeting = sum(min(r["history"][key][-3:]) >= 99.4 for r in records)
        assert f"| {records[0]['params']:,} |" in line and f"| {sum(lasts) / len(lasts):.2f} |" in line
        assert f"| {min(means.values()):.2f}-{max(means.values()):.2f} | {meeting} of {len(records)} |" in line
        if ladder == "step4":
            assert f"| {records[0]['macs']:,} |" in line
        reference = first if ladder == "step6_without" else before
        if reference:       # a row short of seeds is compared at its own seeds
            assert line.endswith(f"| {difference_cell(reference, means)} |"), line
        first, before = first or means, means

def test_step4_ladder_starts_from_step_3s_recipe_which_step_4_keeps():
    assert notebook_recipe(notebook_parameters(3)) == notebook_recipe(notebook_parameters(4))
    sizes = [count_params(ladders.model_class(r["model"])(**(r.get("recipe", {}).get("model_kwargs") or {})))
             for r in ladders.rows("step4")]
    assert sizes == [7598, 4098, 6054, 5734, 5734]


def test_readme_says_what_each_take_away_row_finds():
    """README's one line on the take-away table: every row's difference from Model6 by the one rule."""
    readme = (ROOT / "README.md").read_text()
    rows = ladders.rows("step6_without")
    first = None
    for row in rows:
        records = [json.loads(f.read_text()) for f in (ladders.row_path(row, s) for s in range(1, 6)) if f.exists()]
        key = accuracy_key(row)
        means = {r["seed"]: sum(r["history"][key][-3:]) / 3 for r in records}
        if first is None:
            first = means
            continue
        cell = difference_cell(first, means)                     # '+0.01 (-0.10 to +0.12): within ...'
        amount, verdict = cell.split(": ", 1)
        assert f"{row['label']}: {amount}, {verdict}" in readme, row["label"]
