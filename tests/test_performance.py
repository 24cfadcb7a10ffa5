"""s7/studies/report/performance.py: RESULTS.md's performance figures, recomputed from the committed files:
each data path's images per second, its milliseconds per step and its speed against the DataLoader, and the
final run's training time with the epoch from which it holds the target."""
import json

from s7.core.places import ROOT
from s7.studies.report import performance

PATHS = ("dataloader", "dataloader_workers", "fast", "floor", "graphed", "graphed_repeatable")


def test_each_data_path_is_its_images_per_second_its_time_per_step_and_its_speed_against_the_dataloader():
    files = sorted((ROOT / "results").glob("benchmark*.json"))
    assert files
    for path in files:
        b = json.loads(path.read_text())
        rows = [line for line in performance.benchmark_table(path) if line.startswith("| (")]
        cells = [[c.strip() for c in line.strip("|").split("|")][1:] for line in rows]
        expected = [[f"{b[f'{p}_img_s']:,}", f"{1000 * b['batch_size'] / b[f'{p}_img_s']:.2f}",
                     f"{b[f'{p}_img_s'] / b['dataloader_img_s']:.2f}x"] for p in PATHS if f"{p}_img_s" in b]
        assert cells == expected, path.name
        assert cells[0][2] == "1.00x"                               # the DataLoader against itself


def test_the_final_runs_time_is_its_epochs_and_the_epoch_from_which_it_holds_the_target():
    record = json.loads((ROOT / "results" / "S7_Model_6.json").read_text())
    seconds, acc = record["history"]["seconds"], record["history"]["test_acc"]
    held = next(e for e in range(len(acc)) if all(a >= 99.4 for a in acc[e:]))      # 0-based
    text = performance.performance_section()
    assert (f"The final model's published run trains its {len(seconds)} epochs in **{sum(seconds):.0f} s** on "
            f"{record['device']} (evaluation excluded); its test accuracy is >= 99.40% from epoch {held + 1} on, "
            f"reached after {sum(seconds[:held + 1]):.0f} s.") in text
