"""The one rule pairs seeds by their number, a run is told where it stands in the right words, only the published recipe at its own seed is the published run, and the fit is read at the lines notebook 1 teaches."""
import copy
import json
import math
import statistics

import pytest
from conftest import difference_sentence, one_rule

from s7.core.places import ROOT
from s7.core.standing import is_published_run, where_it_stands
from s7.core.verdict import (
    CLEAR_GAIN,
    NOISE,
    difference_words,
    fit_reading,
    over_fitting,
    paired_difference,
    under_fitting,
)
from s7.studies import change

PUBLISHED_RECIPE_WORDS = " This is the published recipe; its seeds are in results/seeds/."
NO_COMPARISON_WORDS = "a quick run or a validation run: its figures do not compare with the published seeds"


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


def test_a_change_whose_runs_come_in_reverse_seed_order_gets_the_same_verdict():
    """The runner's verdict on a change: its records listed seed 3, 2, 1 read as listed 1, 2, 3."""
    def record(seed, acc):
        return {"seed": seed, "params": 7000, "history": {"train_acc": [99.0] * 15, "test_acc": [98.0] * 12 + [acc] * 3}}
    in_order = [record(s, AFTER[s]) for s in (1, 2, 3)]
    backwards = [record(s, AFTER[s]) for s in (3, 2, 1)]
    line = change.change_verdict(in_order, dict(BEFORE), "x")
    assert line == change.change_verdict(backwards, dict(BEFORE), "x")
    assert line == change.change_verdict(backwards, {s: BEFORE[s] for s in (3, 2, 1)}, "x")
    meeting = sum(acc >= 99.4 for acc in AFTER.values())                # every one of the last 3 at 99.40+
    assert difference_sentence(BEFORE, AFTER) in line and line.endswith(f"{meeting} of 3 seeds meet the target")


# ----------------------------------------------------------------------------
# Where one run stands, and which run is the published one
# ----------------------------------------------------------------------------
def published(n: int = 6) -> dict:
    return json.loads((ROOT / "results" / f"S7_Model_{n}.json").read_text())


def published_seed_means(n: int = 6) -> dict:
    runs = [json.loads(p.read_text()) for p in (ROOT / "results" / "seeds").glob(f"S7_Model_{n}_seed*.json")]
    return {r["seed"]: sum(r["history"]["test_acc"][-3:]) / 3 for r in runs}


def test_the_published_recipe_at_another_seed_is_the_published_recipe_but_not_the_published_run():
    """Notebook 6's recipe at seed 3, as a learner's run: where_it_stands places it among the published
    seed means and says it is the published recipe (not 'run your change at 5 seeds'); is_published_run
    is False, so notebook 6 does not hold it to the published run's target."""
    record = copy.deepcopy(published())
    record["seed"] = 3
    record["history"]["test_acc"][-3:] = [99.50, 99.52, 99.54]
    assert not is_published_run(record)
    means = published_seed_means()
    low, high = min(means.values()), max(means.values())
    where = "above" if 99.52 > high else "below" if 99.52 < low else "inside"
    line = where_it_stands(record)
    assert line == (f"this run: the mean of its last 3 epochs, 99.52%, lies {where} the range of the published recipe's "
                    f"{len(means)} seed means ({low:.2f}-{high:.2f}%); one seed cannot tell whether a change helped."
                    + PUBLISHED_RECIPE_WORDS)
    assert "For a verdict on your change" not in line


def test_a_validation_run_and_a_quick_run_are_not_compared_with_the_published_seeds():
    """A run evaluated on the held-out training images (holdout 5,000, val_* figures), of the published
    recipe at seed 1 on the published device: no standing among test accuracies and not the
    published-recipe sentence; likewise a quick run."""
    record = copy.deepcopy(published())
    record["holdout"] = 5000
    record["history"] = {k.replace("test_", "val_"): v for k, v in record["history"].items()}
    assert where_it_stands(record) == NO_COMPARISON_WORDS
    assert not is_published_run(record)
    quick = dict(published(), quick=True, epochs=1)
    assert where_it_stands(quick) == NO_COMPARISON_WORDS
    assert not is_published_run(quick)


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
