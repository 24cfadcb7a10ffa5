"""s7/core/target.py: the exercise's rule, as every table and notebook applies it."""
from s7.core.target import meets_target


def test_target_rule():
    def record(params, accs):
        return {"params": params, "history": {"train_acc": accs, "test_acc": accs, "seconds": [1] * len(accs)}}
    assert meets_target(record(7999, [99.0, 99.4, 99.41, 99.5]))
    assert not meets_target(record(8000, [99.5] * 3))                   # < 8,000 parameters
    assert not meets_target(record(5000, [99.5, 99.39, 99.6]))          # every one of the last 3
    assert not meets_target(record(5000, [99.5] * 16))                  # at most 15 epochs


def test_the_limits_are_fewer_than_8000_parameters_and_at_most_15_epochs():
    def record(params, epochs):
        accs = [99.5] * epochs
        return {"params": params, "history": {"train_acc": accs, "test_acc": accs, "seconds": [1] * epochs}}
    assert meets_target(record(7999, 15)) and meets_target(record(7999, 3))
    assert not meets_target(record(8000, 15)) and not meets_target(record(7999, 16))
