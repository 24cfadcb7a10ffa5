"""s7/core/numbers.py: how the tables pool and print several runs' accuracies: the last 3 epochs of every
run in one list (on the split each run was evaluated on), their mean, and two decimals each."""
import pytest

from s7.core.numbers import mean, pct, pooled_last


def run(last3, split="test"):
    return {"params": 7000, "history": {"train_acc": [99.0] * 15, f"{split}_acc": [98.0] * 12 + list(last3)}}


def test_the_tables_pool_the_last_three_epochs_of_every_run_and_print_two_decimals():
    a, b, val = run([99.41, 99.38, 99.50]), run([99.2, 99.6, 99.45]), run([99.1, 99.3, 99.7], split="val")
    assert pooled_last([a, b]) == [99.41, 99.38, 99.50, 99.2, 99.6, 99.45]
    assert pooled_last([val]) == [99.1, 99.3, 99.7]                       # a validation run: its val figures
    assert mean([1.0, 2.0, 6.0]) == 3.0
    assert mean(x for x in (99.4, 99.6)) == pytest.approx(99.5)            # any iterable, as the tables pass them
    assert pct([99.611, 99.6, 99.004, 100]) == "99.61, 99.60, 99.00, 100.00"
