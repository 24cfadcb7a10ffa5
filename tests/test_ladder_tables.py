"""s7/studies/report/ladder_tables.py: a one-change-at-a-time ladder as a table, built from small runs made
here: each row's parameters, the mean of its seeds' last 3 epochs, the range of their means, the seeds meeting
the target and its difference from the row above by the one rule; a row not run yet says so."""
from conftest import difference_cell

from s7.studies.report import differences, ladder_tables


def run(seed, mean, params=6000):
    return {"seed": seed, "params": params, "macs": 100_000,
            "history": {"train_acc": [99.0] * 15, "test_acc": [98.0] * 12 + [mean] * 3}}


A = {1: 99.30, 2: 99.42, 3: 99.38, 4: 99.45, 5: 99.35}
B = {1: 99.40, 2: 99.54, 3: 99.46, 4: 99.56, 5: 99.44}          # A plus 0.10, 0.12, 0.08, 0.11, 0.09


def test_each_row_is_its_seeds_figures_and_its_difference_from_the_row_above(monkeypatch):
    rows = [({"label": "a", "change": "row a"}, [run(s, m) for s, m in A.items()]),
            ({"label": "b", "change": "+ row b"}, [run(s, m, params=6200) for s, m in B.items()]),
            ({"label": "c", "change": "+ row c"}, [])]
    monkeypatch.setattr(differences, "ablation_records", lambda ladder: rows)
    lines = ladder_tables.ablation_table("step6").splitlines()
    assert lines[0].startswith("| Change (each row adds one to the row above) | Params | Mean of last 3, seeds 1-5 |")
    # row a: the means add up to 496.90, a mean of 99.38; 99.42 and 99.45 meet the target
    assert lines[2] == "| row a | 6,000 | 99.38 | 99.30-99.45 | 2 of 5 |  |"
    # row b: 497.40 / 5 = 99.48, every seed at 99.40 or more
    assert lines[3] == f"| + row b | 6,200 | 99.48 | 99.40-99.56 | 5 of 5 | {difference_cell(A, B)} |"
    assert difference_cell(A, B).endswith("a clear gain")
    assert lines[4] == "| + row c | not run yet | | | | |"
