"""Every verdict on a change follows the one rule (s7/core/verdict.py), recomputed from the files with the tests'
own arithmetic (conftest.one_rule), and the rule holds at the boundaries today's data never reaches."""
import json
from pathlib import Path

import pytest
from conftest import difference_sentence, one_rule

from s7.core.places import ROOT
from s7.core.verdict import CLEAR_GAIN, CLEAR_LOSS, NOISE, difference_words, paired_difference
from s7.studies.report import differences


def last3(path: Path) -> list[float]:
    return json.loads(path.read_text())["history"]["test_acc"][-3:]


def means(step: int) -> dict[int, float]:
    files = [ROOT / "results" / "seeds" / f"S7_Model_{step}_seed{seed}.json" for seed in range(1, 6)]
    return {json.loads(f.read_text())["seed"]: sum(last3(f)) / 3 for f in files}


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_each_steps_verdict_is_recomputed_from_the_seed_studies(n):
    """README's lines and each notebook's Results cell: step n against step n - 1 at seeds 1-5, the
    differences listed seed by seed."""
    before, after = means(n - 1), means(n)
    diffs = ", ".join(f"{round(after[s] - before[s], 2) + 0.0:+.2f}" for s in sorted(after))
    line = f"Step {n} vs {n - 1}: {difference_sentence(before, after)}; per seed {diffs}."
    assert line in (ROOT / "README.md").read_text()
    cells = json.loads((ROOT / f"S7_Model_{n}.ipynb").read_text())["cells"]
    assert any(line in "".join(c["source"]) for c in cells if "results" in c["metadata"].get("tags", []))


def verdict_of(diffs: list[float]) -> str:
    before = {s: 99.0 for s in range(1, len(diffs) + 1)}
    after = {s: 99.0 + d for s, d in zip(before, diffs)}
    d = paired_difference(before, after)
    assert d.verdict == one_rule(before, after)["verdict"]
    return d.verdict


def test_tied_differences():
    assert verdict_of([0.0] * 5) == NOISE                   # no change at any seed: nothing to claim
    assert verdict_of([0.1] * 5) == CLEAR_GAIN              # the same gain at every seed: a zero-width interval
    assert verdict_of([-0.1] * 3) == CLEAR_LOSS
    d = paired_difference({1: 99.0, 2: 99.0}, {1: 99.0, 2: 99.0})
    assert difference_words(d).endswith("within the seed noise, an interval 0.00 points wide")


def spread(mean: float, half: float) -> list[float]:
    """Five differences with this mean and this 95% half-width (t = 2.776 for 4 degrees of freedom)."""
    c = half / (2.776 * (2.5 ** 0.5) / 5 ** 0.5)
    return [mean + c * k for k in (-2, -1, 0, 1, 2)]


def test_the_interval_is_judged_unrounded_at_the_four_boundaries():
    """An end at -0.004 or -0.0006 holds zero; at +0.0006 or +0.004 it does not, though both would read
    0.00 to two decimals: such a figure prints to its first non-zero decimal (+0.001, +0.004), and the
    words give the margin."""
    for end, verdict in ((-0.004, NOISE), (-0.0006, NOISE), (0.0006, CLEAR_GAIN), (0.004, CLEAR_GAIN)):
        gains = spread(0.10, 0.10 - end)                     # the lower end at `end`
        assert verdict_of(gains) == verdict, end
        assert verdict_of([-d for d in gains]) == {NOISE: NOISE, CLEAR_GAIN: CLEAR_LOSS}[verdict], -end
    before = {s: 99.0 for s in range(1, 6)}
    d = paired_difference(before, {s: 99.0 + x for s, x in zip(before, spread(-0.10, 0.10 - 0.0006))})
    words = difference_words(d)
    assert words.endswith("to -0.001, seeds 1-5): a clear loss, by 0.001"), words
    assert words == difference_sentence(before, {s: 99.0 + x for s, x in zip(before, d.diffs)})
    d = paired_difference(before, {s: 99.0 + x for s, x in zip(before, spread(0.10, 0.104))})
    assert "(95% interval -0.004 to +0.20" in difference_words(d) and difference_words(d).endswith("points wide")


def test_a_figure_keeps_its_sign():
    from s7.core.verdict import points
    assert [points(x) for x in (0.2149, -0.002, -0.0006, 0.004, 0.0, -0.05)] == \
        ["+0.21", "-0.002", "-0.001", "+0.004", "0.00", "-0.05"]


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
