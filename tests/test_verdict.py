"""s7/core/verdict.py: every verdict on a change follows the one rule, recomputed from the files with the
tests' own arithmetic (conftest.one_rule): seeds paired by number, whatever order the runs come in; the
interval judged unrounded at the boundaries today's data never reaches; a figure that keeps its sign; and
the fit read at the lines notebook 1 teaches."""
import json
import math
import statistics
from pathlib import Path

import pytest
from conftest import difference_sentence, one_rule

from s7.core.places import ROOT
from s7.core.verdict import (CLEAR_GAIN, CLEAR_LOSS, NOISE, difference_words, fit_reading, over_fitting,
                             paired_difference, under_fitting)


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


# ----------------------------------------------------------------------------
# Seeds are paired by number, whatever order the runs come in
# ----------------------------------------------------------------------------
BEFORE = {1: 99.10, 2: 99.30, 3: 99.20}
AFTER = {1: 99.25, 2: 99.45, 3: 99.33}          # per seed: +0.15, +0.15, +0.13


def by_hand(before: dict, after: dict) -> dict:
    """The rule as taught: the difference at each seed number, their mean, mean ± t·sd/√n (t = 4.303 at 2
    degrees of freedom), the verdict read off the unrounded interval."""
    seeds = sorted(set(before) & set(after))
    diffs = [after[s] - before[s] for s in seeds]
    m = sum(diffs) / len(diffs)
    half = 4.303 * statistics.stdev(diffs) / math.sqrt(len(diffs))
    verdict = "a clear gain" if m - half > 0 else "a clear loss" if m + half < 0 else "within the seed noise"
    return dict(seeds=seeds, diffs=diffs, mean=m, low=m - half, high=m + half, verdict=verdict)


def test_the_difference_pairs_seeds_by_number_in_any_order():
    """The changed runs in the order 3, 2, 1 against the baseline in 1, 2, 3 (and every other mix of
    orders): the same per-seed differences, interval and verdict as in order."""
    expected = by_hand(BEFORE, AFTER)
    assert expected["diffs"] == pytest.approx([0.15, 0.15, 0.13])
    reversed_after = {s: AFTER[s] for s in (3, 2, 1)}
    reversed_before = {s: BEFORE[s] for s in (3, 2, 1)}
    mixed_before = {s: BEFORE[s] for s in (2, 3, 1)}
    for before, after in ((BEFORE, AFTER), (BEFORE, reversed_after), (reversed_before, AFTER),
                          (reversed_before, reversed_after), (mixed_before, reversed_after)):
        d = paired_difference(before, after)
        assert d.seeds == (1, 2, 3), (list(before), list(after))
        assert list(d.diffs) == pytest.approx(expected["diffs"], abs=1e-12), (list(before), list(after))
        assert (d.mean, d.low, d.high) == pytest.approx((expected["mean"], expected["low"], expected["high"]), abs=1e-9)
        assert d.verdict == expected["verdict"] == one_rule(BEFORE, AFTER)["verdict"]
        assert difference_words(d) == difference_sentence(BEFORE, AFTER)


def test_pairing_by_position_would_change_the_verdict_here():
    """The example above is one where pairing the third run with seed 1 gives another answer, so the
    test above can tell the two apart."""
    assert by_hand(BEFORE, AFTER)["verdict"] == CLEAR_GAIN
    by_position = {1: AFTER[3], 2: AFTER[2], 3: AFTER[1]}      # the runs 3, 2, 1 paired with seeds 1, 2, 3
    assert by_hand(BEFORE, by_position)["verdict"] == NOISE


# ----------------------------------------------------------------------------
# The fit, read at the lines notebook 1 teaches
# ----------------------------------------------------------------------------
def hundredths(lo: float, hi: float):
    """Accuracies to two decimals, as a record prints them and a learner types them."""
    return [k / 100 for k in range(round(lo * 100), round(hi * 100) + 1)]


def test_under_fitting_is_under_99_5_percent_of_the_training_images_right():
    """Under 99.5% clean training accuracy is under-fitting; 99.5% and above is not."""
    assert under_fitting(99.5) == "no under-fitting"
    assert under_fitting(99.49) == "under-fitting"
    assert under_fitting(99.499999) == "under-fitting"
    assert under_fitting(99.500001) == "no under-fitting"
    for acc in hundredths(98.0, 100.0):
        assert under_fitting(acc) == ("under-fitting" if acc < 99.5 else "no under-fitting"), acc


def test_the_gap_lines_hold_as_a_learner_subtracts_two_printed_accuracies():
    """A gap of 0.40 points or more is over-fitting, 0.15 up to 0.40 some over-fitting, under 0.15
    none: at every pair of two-decimal accuracies that lie exactly on a line (99.7 - 99.3 is
    0.4000000000000057 in floats, 99.55 - 99.15 is 0.3999999999999915), and a hundredth either side."""
    for clean in hundredths(99.0, 100.0):
        c = round(clean * 100)
        for gap_hundredths, expected in ((41, "over-fitting"), (40, "over-fitting"), (39, "some over-fitting"),
                                         (16, "some over-fitting"), (15, "some over-fitting"), (14, "no over-fitting"),
                                         (0, "no over-fitting"), (-10, "no over-fitting")):
            test = (c - gap_hundredths) / 100
            assert over_fitting(clean, test) == expected, (clean, test)


def test_the_fit_reads_under_fitting_from_the_clean_training_accuracy_alone():
    """The two axes apart: under-fitting from the clean training accuracy, over-fitting from the gap;
    the test accuracy never decides under-fitting."""
    assert fit_reading(99.6, 99.0) == "no under-fitting, over-fitting"          # test under 99.5, training above
    assert fit_reading(99.45, 99.6) == "under-fitting, no over-fitting"         # test above 99.5, training under
    assert fit_reading(99.49, 99.49) == "under-fitting, no over-fitting"
    assert fit_reading(99.5, 99.1) == "no under-fitting, over-fitting"          # both lines exactly
    assert fit_reading(99.21, 98.71) == "under-fitting, over-fitting"
    assert fit_reading(99.8, 99.6) == "no under-fitting, some over-fitting"
    assert fit_reading(99.55, 99.15) == "no under-fitting, over-fitting"        # 0.3999999999999915 in floats
