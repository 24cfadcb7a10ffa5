import pytest
import torch

import utils
from models import Model1, Model4

SGD = {"name": "SGD", "lr": 0.05, "momentum": 0.9}


def run(root, seed, tmp_path, epochs=1, **kw):
    exp = utils.Experiment(Model4, step=4, seed=seed, epochs=epochs, batch_size=16, optimizer=SGD,
                           augment={"degrees": 10, "shift": 2}, data_root=root, out_dir=tmp_path,
                           device="cpu", **kw)
    exp.fit()
    return exp


def test_seeded_cpu_trainings_are_identical(fake_root, tmp_path):
    a, b = run(fake_root, 7, tmp_path), run(fake_root, 7, tmp_path)
    for (name, pa), pb in zip(a.model.state_dict().items(), b.model.state_dict().values()):
        assert torch.equal(pa, pb), name
    c = run(fake_root, 8, tmp_path)
    assert not torch.equal(c.model.state_dict()["classifier.weight"], a.model.state_dict()["classifier.weight"])


def test_results_json_has_settings_and_history(fake_root, tmp_path):
    exp = run(fake_root, 1, tmp_path, epochs=2, lr_schedule={"name": "OneCycleLR", "max_lr": 0.1})
    record = exp.save()
    saved = utils.load_results(tmp_path / "S7_Model_4.json")
    assert saved == record
    for key in ("model", "seed", "epochs", "batch_size", "optimizer", "lr_schedule", "augment",
                "torch", "device", "params", "history"):
        assert key in saved, key
    assert saved["model"] == "Model4" and saved["params"] == utils.count_params(Model4())
    assert saved["optimizer"] == SGD and saved["lr_schedule"]["name"] == "OneCycleLR"
    assert set(saved["history"]) == set(utils.HISTORY_KEYS)
    assert all(len(v) == 2 for v in saved["history"].values())
    assert all(0 <= a <= 100 for a in saved["history"]["test_acc"])
    assert saved["history"]["lr"][0] < saved["history"]["lr"][1]     # OneCycle warms up, per batch
    assert (tmp_path / "S7_Model_4.pt").exists()


def test_step_lr_is_stepped_per_epoch(fake_root, tmp_path):
    exp = run(fake_root, 1, tmp_path, epochs=3, lr_schedule={"name": "StepLR", "step_size": 1, "gamma": 0.1})
    assert exp.history["lr"] == pytest.approx([0.05, 0.005, 0.0005])


def test_short_real_training_learns(real_root, tmp_path):
    exp = utils.Experiment(Model1, step=1, seed=1, epochs=2, batch_size=64, optimizer=SGD,
                           data_root=real_root, out_dir=tmp_path, device="cpu")
    exp.loaders = utils.get_loaders(64, None, 0, True, "cpu", 1, real_root, train_subset=4000, eval_subset=2000)
    exp.scheduler = None
    history = exp.fit()
    assert history["train_loss"][1] < history["train_loss"][0] < 2.3     # below chance's log(10)
    assert history["test_acc"][-1] > 75                                   # chance is 10%
