"""s7/studies/epoch_times.py: the back-to-back timing measures every step and step 4 without its dropout,
and saves what it measured."""
import pytest

from s7.studies import epoch_times


def test_the_back_to_back_timing_times_every_step_and_dropout(fake_root, tmp_path):
    result = epoch_times.measure(rounds=1, quick=True, data_root=fake_root)
    assert set(result["steps"]) == {"1", "2", "3", "4", "5", "6", epoch_times.NO_DROPOUT}
    for step in result["steps"].values():
        assert len(step["epochs_s"]) == 1 and step["median_s"] == step["epochs_s"][0] > 0
    assert result["steps"]["6"]["batch_size"] == 64 and result["steps"][epoch_times.NO_DROPOUT]["model"] == "Model4"
    path = epoch_times.save(result, tmp_path / "epoch_times.json")
    assert epoch_times.load(path) == result
    assert epoch_times.run_minutes(result, 4, epochs=15, seeds=5) == pytest.approx(result["steps"]["4"]["median_s"] * 75 / 60)
