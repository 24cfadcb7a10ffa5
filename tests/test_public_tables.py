"""s7/studies/report/public_tables.py: the public comparison's rows: a recipe's seeded runs as the mean and
minimum of their last 3 epochs and the seeds meeting the target, Model6's row from its seed study."""
import json

from s7.core.places import ROOT
from s7.studies.report import public_tables


def run(seed, last3, params=6000):
    return {"seed": seed, "params": params, "history": {"train_acc": [99.0] * 15, "test_acc": [98.0] * 12 + list(last3)}}


def test_a_recipes_row_pools_its_seeds_last_three_epochs():
    records = [run(1, (99.41, 99.45, 99.43)), run(2, (99.38, 99.50, 99.47)), run(3, (99.52, 99.55, 99.60))]
    # nine accuracies adding up to 895.31: mean 99.479, the lowest 99.38; seed 2's 99.38 misses the target
    assert public_tables.seeds_row("mine", records) == \
        "| mine | 6,000 | last 3: mean 99.48, min 99.38; 2 of 3 seeds meet the target | 3 |"


def test_the_short_comparison_holds_model6s_row_from_its_seed_study():
    runs = [json.loads(f.read_text()) for f in sorted((ROOT / "results" / "seeds").glob("S7_Model_6_seed*.json"))]
    lasts = [a for r in runs for a in r["history"]["test_acc"][-3:]]
    meeting = sum(r["params"] < 8000 and len(r["history"]["test_acc"]) <= 15 and min(r["history"]["test_acc"][-3:]) >= 99.4
                  for r in runs)
    row = (f"| **this project: Model6** | {runs[0]['params']:,} | last 3: mean {sum(lasts) / len(lasts):.2f}, "
           f"min {min(lasts):.2f}; {meeting} of {len(runs)} seeds meet the target | {len(runs)} |")
    assert row in public_tables.comparison_table().splitlines()
