"""Every generated TUNING.md table selects exactly the runs its round names: its figures are
recomputed here from the files in results/tuning/, read directly, round by round."""
import json
import re
from pathlib import Path

import pytest

from s7.core.places import RESULTS_DIR, ROOT, results_path
from s7.core.records import load_results
from s7.studies.report import tuning_md

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
    # short enough to read: one table per round, not a log of every run (its opening summary and contents included)
    assert "generated:tuning start" not in TUNING_MD and len(TUNING_MD) < 42_000


def test_size_sweep_is_the_final_recipe_with_narrower_widths():
    record = load_results(results_path(6))
    runs = [load_results(f) for f in sorted((RESULTS_DIR / "sizes").glob("*.json"))]
    by_width = {}
    for r in runs:
        by_width.setdefault(tuple(r["model_kwargs"]["widths"]), []).append(r["seed"])
    assert by_width and all(sorted(seeds) == [1, 2, 3, 4, 5] for seeds in by_width.values())
    same = ("model", "epochs", "batch_size", "optimizer", "lr_schedule", "augment", "holdout", "quick",
            "ema_decay", "label_smoothing")
    assert all({k: r.get(k) for k in same} == {k: record.get(k) for k in same} for r in runs)
    assert all(r["params"] < record["params"] for r in runs)



def test_a_runs_settings_are_described_in_words():
    """A TUNING.md row's model settings, augmentation and schedule, from its record."""
    r = {"model": "Model6", "model_kwargs": {"widths": (6, 8)},
         "lr_schedule": {"name": "OneCycleLR", "max_lr": 0.1, "anneal_strategy": "linear"}, "ema_decay": 0.99,
         "label_smoothing": 0.05, "augment": {"degrees": 8, "shift": 2, "scale": 0.1, "p": 0.5, "interpolation": "nearest"}}
    assert tuning_md.describe(r) == ("Model6(widths=(6, 8))", "±8°, ±2 px, scale ±10%, p 0.5, nearest",
                                     "OneCycleLR max 0.1, linear anneal, weight average 0.99, label smoothing 0.05")
    assert tuning_md.describe({"model": "Model4", "lr_schedule": None, "augment": None}) == \
        ("Model4(defaults)", "none", "constant")
    assert tuning_md.describe({"model": "Model4", "lr_schedule": {"name": "StepLR"},
                               "augment": {"degrees": 5, "shift": 1, "p": 1.0}})[1:] == ("±5°, ±1 px", "StepLR")
