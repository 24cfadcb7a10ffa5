"""s7/core/places.py: where every file of a run lives and what it is called: a notebook's run, its seed
study, a study's runs and a change's, named after the notebook and the settings as given."""
from pathlib import Path

from s7.core.places import RESULTS_DIR, ROOT, change_name, change_path, results_path, seed_path, seed_paths, study_path


def test_each_file_of_a_run_is_named_for_its_notebook_its_seed_and_its_change(tmp_path):
    assert ROOT == Path(__file__).resolve().parents[1] and RESULTS_DIR == ROOT / "results"
    assert results_path(3) == ROOT / "results" / "S7_Model_3.json"
    assert results_path(3, tmp_path, suffix=".pt") == tmp_path / "S7_Model_3.pt"
    assert seed_path(6, 7, tmp_path) == tmp_path / "seeds" / "S7_Model_6_seed7.json"
    assert study_path("step6_on_3762", 2, tmp_path) == tmp_path / "step6_on_3762_seed2.json"
    assert change_name(5, ["AUGMENT.degrees=15"]) == "S7_Model_5_AUGMENT.degrees-15"
    # "=" becomes "-", every run of other characters but letters, digits, ".", "_" and "-" one "-", none at the ends
    assert change_name(4, ['AUGMENT={"degrees": 8, "shift": 2}', "DROPOUT=0.1"]) == \
        "S7_Model_4_AUGMENT--degrees-8-shift-2_DROPOUT-0.1"
    assert change_path(2, ["BATCH_SIZE=64"], 3, tmp_path) == tmp_path / "try_it" / "S7_Model_2_BATCH_SIZE-64_seed3.json"
    assert change_path(1, ["OPTIMIZER.momentum=0.0"], 1).exists()          # as the committed answers are named


def test_a_seed_study_is_the_files_of_its_own_notebook_that_are_there(tmp_path):
    (tmp_path / "seeds").mkdir()
    for name in ("S7_Model_6_seed3", "S7_Model_6_seed1", "S7_Model_6_seed2", "S7_Model_5_seed1", "S7_Model_66_seed1"):
        (tmp_path / "seeds" / f"{name}.json").write_text("{}")
    assert seed_paths(6, tmp_path) == [tmp_path / "seeds" / f"S7_Model_6_seed{s}.json" for s in (1, 2, 3)]
    assert seed_paths(4, tmp_path) == []
