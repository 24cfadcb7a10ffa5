"""s7/studies/report/differences.py: the changes the series judges as per-seed differences; a ladder's
row compared at its own seeds."""
import pytest

from s7.studies.report import differences


def test_a_short_row_is_compared_at_its_own_seeds(monkeypatch):
    """A row with seeds 1-3 against a row above with 1-5: paired at 1-3 only; a row with no runs has no
    difference, and the row under it none either in an added-one-at-a-time ladder, while a taken-away
    ladder still compares every row with its first."""
    def run(seed, acc):
        return {"seed": seed, "history": {"test_acc": [acc] * 3}}
    full = [run(s, 99.0 + 0.01 * s) for s in range(1, 6)]
    short = [run(s, 99.5 - 0.01 * s) for s in range(1, 4)]
    rows = [({"label": "a"}, full), ({"label": "b"}, short), ({"label": "c"}, []), ({"label": "d"}, full)]
    monkeypatch.setattr(differences, "ablation_records", lambda ladder: rows)
    added = differences.ladder_rows("step6")
    assert added[1][2].seeds == (1, 2, 3) and added[1][2].diffs == pytest.approx([0.48, 0.46, 0.44])
    assert added[2][2] is None and added[3][2] is None
    taken = differences.ladder_rows("step6_without")
    assert taken[1][2].seeds == (1, 2, 3) and taken[2][2] is None and taken[3][2].seeds == (1, 2, 3, 4, 5)
    assert taken[3][2].diffs == pytest.approx([0.0] * 5)
