"""s7/studies/fidelity.py: where a figure lies among runs (a tie with the highest or lowest is inside their
range), and the fidelity check's widening: an author's train accuracy up to 0.3 points outside the re-run
seeds' range, that far included, is inside it."""
from decimal import Decimal

import pytest

from s7.studies import fidelity


def test_a_tie_with_the_highest_or_lowest_run_is_inside():
    where = fidelity.where
    runs = [99.30, 99.42, 99.50]
    assert where(99.50, runs) == "inside"          # equal to the highest: not above every one
    assert where(99.30, runs) == "inside"          # equal to the lowest: not below every one
    assert where(99.51, runs) == "above" and where(99.29, runs) == "below"
    assert where(99.40, [99.40]) == "inside"       # one run: its own figure is inside
    assert where(99.41, [99.40]) == "above" and where(99.39, [99.40]) == "below"


def test_the_test_side_counts_a_tie_as_inside():
    """An author's test accuracy over 4 epochs against two runs here: equal to the higher run, equal to the
    lower, above both, below both; the mean of its last 3 epochs inside the runs' own, then equal to the
    lower run's and to the higher run's own."""
    def run(test_acc):
        return {"history": {"test_acc": test_acc, "train_acc": [90.0] * 4}}
    a, b = run([97.0, 98.0, 99.0, 99.25]), run([97.5, 98.3, 99.1, 99.2])
    log = {"test_acc": [97.5, 98.0, 99.2, 99.1], "train_acc": [90.0] * 4}
    check = fidelity.test_side({"log": log}, [a, b])
    assert [e["where"] for e in check["epochs"]] == ["inside", "inside", "above", "below"]
    assert check["counts"] == {"above": 1, "inside": 2, "below": 1}
    # the last 3: the author's 98.77 against the runs' own 98.75 and 98.87
    assert check["last3"] == pytest.approx(sum(log["test_acc"][-3:]) / 3)
    assert check["last3_where"] == "inside"
    twin = run([96.0, 98.0, 99.2, 99.1])                     # the author's last 3 exactly: a tie, to the bit
    assert fidelity.test_side({"log": log}, [twin, b])["last3_where"] == "inside"      # with the lower run's own
    assert fidelity.test_side({"log": log}, [a, twin])["last3_where"] == "inside"      # with the higher run's own


def inside_by_hand(published: float, seeds: list[float]) -> bool:
    """The rule in decimals, as a reader reads the two-decimal figures: within [lowest - 0.3, highest + 0.3]."""
    p, s = Decimal(str(published)), [Decimal(str(x)) for x in seeds]
    return min(s) - Decimal("0.3") <= p <= max(s) + Decimal("0.3")


@pytest.mark.parametrize("low, high", [(98.5, 98.9), (99.25, 99.5), (97.0, 97.75), (90.0, 90.2)])
def test_an_authors_train_accuracy_up_to_0_3_outside_the_range_is_inside_the_widening(low, high):
    """Two re-run seeds with train accuracy `low` and `high` at epochs 1, 2 and the last; the author's
    logged figure at each of those epochs 0.3 under the lowest, 0.3 over the highest, a hundredth
    further out, a hundredth less far out: inside exactly when within 0.3 points of the range."""
    assert fidelity.FIDELITY_MARGIN == 0.3
    for offset in ("0.3", "0.31", "0.29", "0"):
        for published in (float(Decimal(str(low)) - Decimal(offset)), float(Decimal(str(high)) + Decimal(offset))):
            log = {"train_acc": [published, published, published], "lr": None}
            runs = [{"history": {"train_acc": [low] * 3}}, {"history": {"train_acc": [high] * 3}}]
            check = fidelity.fidelity({"log": log}, runs)
            expected = inside_by_hand(published, [low, high])
            assert expected == (offset != "0.31")
            assert [a["inside"] for a in check["accuracy"]] == [expected] * 3, (published, low, high)
            assert [(a["epoch"], a["low"], a["high"]) for a in check["accuracy"]] == [(1, low, high), (2, low, high), (3, low, high)]
            assert check["faithful"] == expected


def test_one_epoch_outside_the_widening_makes_the_rerun_unfaithful():
    """Epochs 1, 2 and the last are each checked: the last alone 0.31 under the range fails the re-run."""
    runs = [{"history": {"train_acc": [90.0, 96.0, 98.0, 99.0]}}, {"history": {"train_acc": [90.2, 96.25, 98.1, 99.1]}}]
    log = {"train_acc": [89.7, 96.55, 50.0, 98.69], "lr": None}     # epoch 3 is not checked
    check = fidelity.fidelity({"log": log}, runs)
    assert [(a["epoch"], a["inside"]) for a in check["accuracy"]] == [(1, True), (2, True), (4, False)]
    assert not check["faithful"]
    log["train_acc"][-1] = 98.7
    assert fidelity.fidelity({"log": log}, runs)["faithful"]


def test_the_widening_is_read_as_a_learner_subtracts_printed_accuracies():
    """98.9 - 98.6 is 0.3 on paper; in floats it is 0.30000000000001137: still inside the widening."""
    from s7.studies.fidelity import FIDELITY_MARGIN, fidelity
    assert FIDELITY_MARGIN == 0.3
    for low, high, author in ((98.9, 99.0, 98.6), (96.0, 96.1, 96.4)):
        runs = [{"history": {"train_acc": [low, low, low], "lr": [0.1] * 3}},
                {"history": {"train_acc": [high, high, high], "lr": [0.1] * 3}}]
        solution = {"log": {"train_acc": [author] * 3}}
        assert fidelity(solution, runs)["faithful"], (low, high, author)


def test_a_rate_off_by_a_thousandth_either_way_is_not_the_logged_one():
    runs = [{"history": {"train_acc": [90.0, 95.0, 99.0], "lr": [0.05 * f, 0.05, 0.05]}} for f in (1 - 1e-3, 1 + 1e-3)]
    solution = {"log": {"train_acc": [90.0, 95.0, 99.0], "lr": [0.05, 0.05, 0.05]}}
    for run in runs:
        check = fidelity.fidelity(solution, [run])
        assert not check["rates"][0]["equal"] and not check["faithful"]
    exact = [{"history": {"train_acc": [90.0, 95.0, 99.0], "lr": [0.05, 0.05, 0.05]}}]
    assert fidelity.fidelity(solution, exact)["faithful"]
