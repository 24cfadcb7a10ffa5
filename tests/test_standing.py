"""s7/core/standing.py: a run is told where it stands among the published seeds in the right words; only
the published recipe at its own seed, on its own kind of device, is the published run; two means of the
same figures tie."""
import copy
import json

from s7.core.places import ROOT, results_path
from s7.core.records import load_results
from s7.core.standing import is_published_run, where_it_stands

PUBLISHED_RECIPE_WORDS = " This is the published recipe; its seeds are in results/seeds/."
NO_COMPARISON_WORDS = "a quick run or a validation run: its figures do not compare with the published seeds"


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


def test_where_a_run_stands_among_the_published_seeds():
    from s7.core.records import load_results
    record = load_results(results_path(6))
    assert is_published_run(record)
    line = where_it_stands(record)
    assert "inside the range of the published recipe's" in line and "This is the published recipe" in line
    other = dict(record, seed=7, optimizer=dict(record["optimizer"], lr=0.3))
    other["history"] = dict(record["history"], test_acc=record["history"]["test_acc"][:-3] + [90.0] * 3)
    assert not is_published_run(other)
    line = where_it_stands(other)
    assert "lies below the range" in line and "one seed cannot tell" in line
    assert "python -m scripts.run --notebook 6 --seeds 1 2 3 4 5 --set NAME=VALUE" in line
    assert "do not compare" in where_it_stands(dict(other, quick=True))


def test_the_published_run_is_held_to_its_target_only_on_its_own_kind_of_device():
    record = load_results(results_path(6))
    assert is_published_run(record)
    assert not is_published_run(dict(record, device="cuda:0")) and not is_published_run(dict(record, device="mps"))
    assert not is_published_run(dict(record, seed=2))


def test_two_means_of_the_same_figures_tie_whatever_the_order_of_the_sum():
    from s7.core.standing import where
    a, b = (98.0 + 99.2 + 99.1) / 3, (98.0 + 99.0 + 99.3) / 3     # both 98.7666... on paper
    assert a != b                                                   # in floats they differ in the last bit
    assert where(a, [b]) == "inside" and where(b, [a]) == "inside"


def test_where_says_above_or_below_for_any_real_difference_and_inside_for_a_tie():
    from s7.core.standing import where
    assert where(99.504, [99.50]) == "above" and where(99.496, [99.50]) == "below"
    assert where(99.50, [99.50, 99.60]) == "inside" and where(99.55, [99.50, 99.60]) == "inside"


def test_where_counts_names_only_the_places_a_figure_was():
    from s7.core.standing import where_counts
    assert where_counts({"above": 3, "inside": 0, "below": 0}, 3, "its runs") == "above every one of its runs at 3 of 3 epochs"
    assert where_counts({"above": 1, "inside": 1, "below": 1}, 3, "the seeds") == (
        "above every one of the seeds at 1 of 3 epochs, inside the range of the seeds at 1 of 3 epochs, "
        "below every one of the seeds at 1 of 3 epochs")


def test_a_record_that_names_no_device_trained_on_the_cpu():
    from s7.core.standing import device_kind
    assert device_kind({}) == "cpu" and device_kind({"device": "cuda:0"}) == "cuda"
    published = load_results(results_path(6))
    assert published["device"] == "cpu"
    assert is_published_run({k: v for k, v in published.items() if k != "device"})
