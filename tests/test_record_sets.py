"""s7/studies/record_sets.py: which runs each published table reads: a tuning file's round and candidate from
its name, and a notebook's seed study and its fit at seeds 1-5 whatever further seeds it has."""
import json

from s7.core.places import ROOT
from s7.studies import record_sets


def test_a_tuning_file_is_read_as_its_round_and_its_candidate():
    assert record_sets.round_of("round10_b_mom0.9_seed1") == "round10"
    assert record_sets.candidate_of("round10_b_mom0.9_seed1") == "b_mom0.9"
    assert record_sets.round_of("nodrop_aug5_cos_seed2") == "round1"           # no prefix: round 1
    assert record_sets.candidate_of("nodrop_aug5_cos_seed2") == "nodrop_aug5_cos"
    assert record_sets.candidate_of("nodrop_aug5") == "nodrop_aug5"            # round 1's files without a seed
    assert record_sets.round_of("roundabout_x_seed1") == "round1"              # "round" not followed by a number
    assert record_sets.round_label("round11") == "round 11"


def test_a_seed_study_and_its_fit_are_read_at_seeds_1_to_5():
    """Step 6 has ten seeds; the tables compare every step at seeds 1-5: those runs, and the fit gap of each
    (its kept weights on the clean training images minus its test accuracy at the last epoch)."""
    files = sorted((ROOT / "results" / "seeds").glob("S7_Model_6_seed*.json"))
    runs = {r["seed"]: r for r in (json.loads(f.read_text()) for f in files)}
    assert len(runs) > 5
    assert sorted(r["seed"] for r in record_sets.study_records(6)) == [1, 2, 3, 4, 5]
    fitted = [s for s in range(1, 6) if "clean_train_acc" in runs[s]]
    assert fitted and record_sets.clean_training(6) == {s: runs[s]["clean_train_acc"] for s in fitted}
    assert record_sets.fit_gaps(6) == {s: runs[s]["clean_train_acc"] - runs[s]["history"]["test_acc"][-1] for s in fitted}
