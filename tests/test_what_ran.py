"""A run's record says what ran, from the objects that ran; a publish keeps the prose written meanwhile;
the back-to-back timing measures every step; the published run is held to its target only on its own
kind of device."""
import json

import nbformat
import pytest
import torch

import utils
from models import Model2
from s7.core.places import results_path
from s7.core.records import load_results
from s7.core.standing import is_published_run
from s7.studies import epoch_times
from s7.studies.runner import keep_prose


def test_the_record_names_the_optimizer_and_schedule_that_ran(tmp_path):
    """Switch the optimizer to Adam and the record says Adam, with the arguments it was given beyond its
    class's defaults; SGD as the notebooks build it keeps the record it always had."""
    model = Model2()
    adam = torch.optim.Adam(model.parameters(), lr=0.003, betas=(0.8, 0.99))
    record = utils.save_run(tmp_path, 2, model, history={"test_acc": [50.0]}, device="cpu", optimizer=adam, seed=1)
    assert record["optimizer"] == {"name": "Adam", "lr": 0.003, "betas": (0.8, 0.99)}
    assert json.loads(results_path(2, tmp_path).read_text())["optimizer"]["name"] == "Adam"
    sgd = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(sgd, max_lr=0.1, total_steps=10)
    spec = {"max_lr": 0.1, "pct_start": 0.2, "anneal_strategy": "cos"}
    record = utils.save_run(tmp_path, 6, model, history={}, device="cpu", optimizer=sgd, scheduler=schedule,
                            lr_schedule=spec)
    published = load_results(results_path(6))
    assert record["optimizer"] == published["optimizer"] and record["lr_schedule"] == published["lr_schedule"]


def test_the_published_run_is_held_to_its_target_only_on_its_own_kind_of_device():
    record = load_results(results_path(6))
    assert is_published_run(record)
    assert not is_published_run(dict(record, device="cuda:0")) and not is_published_run(dict(record, device="mps"))
    assert not is_published_run(dict(record, seed=2))


def test_a_publish_keeps_the_prose_written_while_it_ran():
    executed = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("old words"),
                                               nbformat.v4.new_code_cell("x = 1")])
    executed.cells[1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    now = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("new words"), nbformat.v4.new_code_cell("x = 2")])
    keep_prose(executed, now)
    assert executed.cells[0].source == "new words"
    assert executed.cells[1].source == "x = 1" and executed.cells[1].outputs     # the code as it ran, its output
    moved = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 2")])
    keep_prose(executed, moved)                                                     # cells no longer line up
    assert executed.cells[0].source == "new words"


def test_the_back_to_back_timing_times_every_step_and_dropout(fake_root, tmp_path):
    result = epoch_times.measure(rounds=1, quick=True, data_root=fake_root)
    assert set(result["steps"]) == {"1", "2", "3", "4", "5", "6", epoch_times.NO_DROPOUT}
    for step in result["steps"].values():
        assert len(step["epochs_s"]) == 1 and step["median_s"] == step["epochs_s"][0] > 0
    assert result["steps"]["6"]["batch_size"] == 64 and result["steps"][epoch_times.NO_DROPOUT]["model"] == "Model4"
    path = epoch_times.save(result, tmp_path / "epoch_times.json")
    assert epoch_times.load(path) == result
    assert epoch_times.run_minutes(result, 4, epochs=15, seeds=5) == pytest.approx(result["steps"]["4"]["median_s"] * 75 / 60)


def test_the_record_names_model_arguments_only_where_they_differ_from_the_class(tmp_path):
    """Notebook 4 passes DROPOUT to Model4: its own 0.05 leaves the record as the published one; 0.1 is said."""
    from models import Model4
    history = {"test_acc": [50.0]}
    plain = utils.save_run(tmp_path, 4, Model4(dropout=0.05), history=history, device="cpu",
                           model_kwargs={"dropout": 0.05})
    assert "model_kwargs" not in plain
    more = utils.save_run(tmp_path, 4, Model4(dropout=0.1), history=history, device="cpu",
                          model_kwargs={"dropout": 0.1})
    assert more["model_kwargs"] == {"dropout": 0.1}
