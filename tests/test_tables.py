"""Every generated TUNING.md table selects exactly the runs its round names: its figures are
recomputed here from the files in results/tuning/, read directly, round by round."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUNING_MD = (ROOT / "TUNING.md").read_text()
TUNING = ROOT / "results" / "tuning"


def block(name: str) -> str:
    m = re.search(rf"<!-- generated:{name} start -->\n(.*?)\n<!-- generated:{name} end -->", TUNING_MD, re.S)
    assert m, f"TUNING.md has no '{name}' table"
    return m.group(1)


def table_rows(text: str) -> list[list[str]]:
    lines = [line for line in text.splitlines() if line.startswith("|")][2:]      # past header and rule
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def last3(path: Path, key: str | None = None) -> list[float]:
    h = json.loads(path.read_text())["history"]
    return h[key or ("val_acc" if "val_acc" in h else "test_acc")][-3:]


def runs_of(round_name: str) -> dict[str, dict[int, Path]]:
    """candidate -> seed -> file, by file name alone (no prefix: round 1)."""
    found: dict[str, dict[int, Path]] = {}
    for f in TUNING.glob("*.json"):
        prefix = f.stem.split("_", 1)[0]
        in_round = (prefix == round_name) if round_name != "round1" else not re.fullmatch(r"round\d+", prefix)
        if not in_round:
            continue
        name = f.stem[len(round_name) + 1:] if round_name != "round1" else f.stem
        name = re.sub(r"_seed\d+$", "", name)
        found.setdefault(name, {})[json.loads(f.read_text())["seed"]] = f
    return found


@pytest.mark.parametrize("round_name", ["round1", "round2", "round3", "round4", "round5"])
def test_early_round_tables_hold_exactly_their_rounds_runs(round_name):
    runs = runs_of(round_name)
    rows = {r[0]: r for r in table_rows(block(round_name))}
    assert set(rows) == set(runs)                                 # every candidate of the round, no other
    for name, by_seed in runs.items():
        lasts = [a for seed in sorted(by_seed) for a in last3(by_seed[seed])]
        seeds, mean, low = rows[name][5], float(rows[name][7]), float(rows[name][8])
        assert seeds == ", ".join(map(str, sorted(by_seed))), name
        assert mean == pytest.approx(sum(lasts) / len(lasts), abs=5e-4) and low == pytest.approx(min(lasts)), name


@pytest.mark.parametrize("round_name", ["round7", "round8", "round9", "round10", "round11", "round12"])
def test_search_round_tables_hold_exactly_their_rounds_runs(round_name):
    # a candidate has figures once its 4 seeds ran, or earlier when a run already fell under 99.40 (ruled out)
    runs = {name: by_seed for name, by_seed in runs_of(round_name).items()
            if len(by_seed) == 4 or any(a < 99.40 for f in by_seed.values() for a in last3(f))}
    rows = {r[0]: r for r in table_rows(block(round_name)) if len(r) == 9 and r[6]}           # with figures
    assert set(rows) == set(runs)
    for name, by_seed in runs.items():
        lasts = [a for seed in sorted(by_seed) for a in last3(by_seed[seed])]
        if len(by_seed) == 4:
            assert sorted(by_seed) == [1, 2, 3, 4] and rows[name][5] == "1-4", name
        else:
            assert rows[name][5].startswith(", ".join(map(str, sorted(by_seed))) + " (ruled out") and min(lasts) < 99.40
            assert rows[name][8] == "no", name
        assert float(rows[name][6]) == pytest.approx(sum(lasts) / len(lasts), abs=5e-4), name
        assert float(rows[name][7]) == pytest.approx(min(lasts)), name


def test_round_6_table_holds_its_weight_average_runs_only():
    runs = runs_of("round6")
    assert set(runs) == {"ema"}
    text = block("averaging")
    rows = {int(r[0]): r for r in table_rows(text)}
    assert set(rows) == set(runs["ema"]) == set(range(1, 9))
    for seed, path in runs["ema"].items():
        trained, average = last3(path, "raw_val_acc"), last3(path)
        assert rows[seed][1] == ", ".join(f"{a:.2f}" for a in trained)
        assert rows[seed][2] == ", ".join(f"{a:.2f}" for a in average)
    for label, seeds in (("seeds 1-4", range(1, 5)), ("seeds 5-8", range(5, 9))):
        trained = [a for s in seeds for a in last3(runs["ema"][s], "raw_val_acc")]
        average = [a for s in seeds for a in last3(runs["ema"][s])]
        line = next(line for line in text.splitlines() if line.startswith(f"- {label}"))
        assert (f"trained weights mean {sum(trained) / 12:.3f}%, worst {min(trained):.2f}%; weight average mean "
                f"{sum(average) / 12:.3f}%, worst {min(average):.2f}%") in line


def test_every_tuning_run_is_in_one_rounds_table_and_the_log_is_gone():
    last = max(int(m.group(1)) for f in TUNING.glob("*.json") if (m := re.match(r"round(\d+)_", f.name)))
    counted = sum(len(by_seed) for r in range(1, last + 1) for by_seed in runs_of(f"round{r}").values())
    assert counted == len(list(TUNING.glob("*.json")))             # each file belongs to exactly one round
    for r in range(1, last + 1):
        assert TUNING_MD.count(f"<!-- generated:round{r} start -->") == (0 if r == 6 else 1)
    assert "generated:tuning start" not in TUNING_MD and len(TUNING_MD) < 40_000


def gain_words(before: dict, after: dict) -> str:
    """A gain line's words, recomputed: the mean's move, the seeds (paired by number) where the later
    row is higher (in words when every seed moved the same way), the range verdict."""
    gain = sum(after.values()) / len(after) - sum(before.values()) / len(before)
    seeds = sorted(set(before) & set(after))
    higher = [after[s] > before[s] for s in seeds]
    lower = [after[s] < before[s] for s in seeds]
    count = (f"higher at all {len(seeds)} seeds" if all(higher) else
             f"lower at all {len(seeds)} seeds" if all(lower) else f"higher at {sum(higher)} of {len(seeds)} seeds")
    apart = min(after.values()) > max(before.values()) or max(after.values()) < min(before.values())
    verdict = "larger than the seed spread (the ranges do not overlap)" if apart else "within the seed spread"
    return f"{round(gain, 2) + 0.0:+.2f} points, {count}: {verdict}"


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_gain_lines_are_recomputed_from_the_seed_studies(n):
    """README's gain lines and each notebook's Results cell: step n against step n - 1 at seeds 1-5."""
    def means(step):
        files = [ROOT / "results" / "seeds" / f"S7_Model_{step}_seed{seed}.json" for seed in range(1, 6)]
        return {json.loads(f.read_text())["seed"]: sum(last3(f)) / 3 for f in files}
    before, after = means(n - 1), means(n)
    words = gain_words(before, after)
    amount, _, verdict = words.partition(": ")
    ranges = (f"(seed means {min(before.values()):.2f}-{max(before.values()):.2f}% -> "
              f"{min(after.values()):.2f}-{max(after.values()):.2f}%)")
    verdict += "" if "do not overlap" in verdict else " (the ranges overlap or touch)"
    line = f"Step {n} vs {n - 1}: {amount} {ranges}: {verdict}."
    assert line in (ROOT / "README.md").read_text()
    cells = json.loads((ROOT / f"S7_Model_{n}.ipynb").read_text())["cells"]
    assert any(line in "".join(c["source"]) for c in cells if "results" in c["metadata"].get("tags", []))


def ran_as(record: dict, row: dict) -> None:
    """What a run of the one-change-at-a-time table recorded is what its row says it changed: read
    from the file (its widths, dropout, batch, optimizer, schedule, weight average), not from the
    generator's selection, and the row's label written from those values."""
    import inspect
    import ablation
    import models
    widths = getattr(inspect.signature(ablation.model_class(record["model"])).parameters.get("widths"), "default", None)
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
    if row["trained"]:
        assert record["row"] == row["name"]
        assert all(record[k] == row["recipe"][k] for k in ("batch_size", "optimizer", "lr_schedule", "augment", "epochs"))
        assert record.get("model_kwargs") == row["recipe"].get("model_kwargs") and ema == row["recipe"]["ema_decay"]
    label = row["change"]
    if row["name"] == "step5":
        assert f"constant rate {optimizer['lr']}" in label and f"batch {record['batch_size']}" in label
    if row["name"] == "onecycle":
        assert f"peak {schedule['max_lr']}, {ablation.ANNEAL[schedule['anneal_strategy']]}" in label
    if row["name"] == "nesterov_wd":
        assert label.endswith(f"weight decay {ablation.sci(optimizer['weight_decay'])}")
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
    import ablation
    readme = (ROOT / "README.md").read_text()
    rows = ablation.rows()
    assert [r["name"] for r in rows] == ["step5", "onecycle", "nesterov_wd", "nodropout", "batch64", "wider", "average"]
    before = None
    for row in rows:
        files = [ablation.row_path(row, seed) for seed in range(1, 6)]
        records = [json.loads(f.read_text()) for f in files if f.exists()]
        if not records:
            assert f"| {row['change']} | not run yet |" in readme
            before = None
            continue
        key = "raw_test_acc" if row.get("raw") else "test_acc"
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
            assert gain_words(before, means) in line, line
        before = means


@pytest.mark.parametrize("ladder", ["step6_without", "step4"])
def test_the_other_ladders_are_recomputed_from_their_files(ladder):
    """Step 6's changes taken away one at a time (each row against Model6) and step 4's added one at a
    time (each row against the row above, with its cost): every row from the files it recorded; the
    tables appear in README and RESULTS.md once a trained row has runs."""
    import ablation
    rows = ablation.rows(ladder)
    readme, results_md = (ROOT / "README.md").read_text(), (ROOT / "RESULTS.md").read_text()
    tables = {"step6_without": (readme, results_md), "step4": (results_md,)}[ladder]
    trained_runs = [f for row in rows if row["trained"] for seed in range(1, 6) if (f := ablation.row_path(row, seed)).exists()]
    if not trained_runs:
        for text in tables:
            assert f"<!-- generated:{ladder if ladder == 'step4' else 'ablation_without'} start -->\n\n<!--" in text
        return
    first = before = None
    for row in rows:
        records = [json.loads(f.read_text()) for f in (ablation.row_path(row, seed) for seed in range(1, 6)) if f.exists()]
        line = next(l for text in tables for l in text.splitlines() if l.startswith(f"| {row['change']}"))
        if not records:
            assert "| not run yet |" in line
            continue
        for r in records:
            ran_as(r, row)
        key = "raw_test_acc" if row.get("raw") else "test_acc"
        means = {r["seed"]: sum(r["history"][key][-3:]) / 3 for r in records}
        lasts = [a for r in records for a in r["history"][key][-3:]]
        meeting = sum(min(r["history"][key][-3:]) >= 99.4 for r in records)
        assert f"| {records[0]['params']:,} |" in line and f"| {sum(lasts) / len(lasts):.2f} |" in line
        assert f"| {min(means.values()):.2f}-{max(means.values()):.2f} | {meeting} of {len(records)} |" in line
        if ladder == "step4":
            seconds = sum(sum(r["history"]["seconds"]) / len(r["history"]["seconds"]) for r in records) / len(records)
            assert f"| {records[0]['macs']:,} | {seconds:.1f} |" in line
        reference = first if ladder == "step6_without" else before
        if reference:       # a row short of seeds is compared at its own seeds
            assert gain_words({s: m for s, m in reference.items() if s in means}, means) in line
        first, before = first or means, means


def test_step4_ladder_starts_from_step_3s_recipe_which_step_4_keeps():
    import ablation
    from run import notebook_parameters
    import utils
    assert ablation.recipe(notebook_parameters(3)) == ablation.recipe(notebook_parameters(4))
    sizes = [utils.count_params(ablation.model_class(r["model"])(**(r.get("recipe", {}).get("model_kwargs") or {})))
             for r in ablation.rows("step4")]
    assert sizes == [7598, 4098, 6054, 5734, 5734]
