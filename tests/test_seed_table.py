"""s7/studies/report/seed_table.py: a recipe's seed study as a table: one row per seed (its last 3 test
accuracies, their mean and minimum, whether it meets the target) and the line that sums it up."""
from s7.studies.report.seed_table import seed_table


def run(seed, last3, params=7000):
    return {"seed": seed, "params": params, "history": {"train_acc": [99.0] * 15, "test_acc": [98.0] * 12 + list(last3)}}


def test_each_seed_is_a_row_and_the_summary_pools_their_last_three_epochs():
    records = [run(1, (99.41, 99.45, 99.43)), run(2, (99.38, 99.50, 99.47)), run(3, (99.52, 99.55, 99.60))]
    lines = seed_table(records).splitlines()
    # seed 1: mean 298.29 / 3 = 99.43, each at 99.40 or more; seed 2: 99.45, but 99.38 misses; seed 3: 99.5567
    assert lines[2:5] == ["| 1 | 99.41, 99.45, 99.43 | 99.43 | 99.41 | yes |",
                          "| 2 | 99.38, 99.50, 99.47 | 99.45 | 99.38 | no |",
                          "| 3 | 99.52, 99.55, 99.60 | 99.56 | 99.52 | yes |"]
    # the nine last-3 accuracies add up to 895.31: a mean of 99.479
    assert lines[-1] == ("2 of 3 seeds (7,000 parameters) meet the target; over all 9 last-3 epochs: "
                         "mean 99.48%, minimum 99.38%.")
    two_sizes = seed_table([run(1, (99.5,) * 3, params=7500), run(2, (99.6,) * 3, params=8000)]).splitlines()
    assert two_sizes[-1].startswith("1 of 2 seeds (7,500 or 8,000 parameters) meet the target")    # 8,000 is too many
    assert seed_table([]).startswith("*No seed runs yet")
