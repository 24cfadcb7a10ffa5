"""s7/core/records.py: a run's record says what ran, from the objects that ran: the optimizer and schedule,
and the model's arguments only where they differ from its class's defaults."""
import json

import torch

import utils
from models import Model2
from s7.core.places import results_path
from s7.core.records import load_results


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
