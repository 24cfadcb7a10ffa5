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


def test_label_smoothing_is_trained_and_recorded(fake_root, tmp_path):
    plain, smooth = run(fake_root, 3, tmp_path), run(fake_root, 3, tmp_path, label_smoothing=0.1)
    assert "label_smoothing" not in plain.config and smooth.config["label_smoothing"] == 0.1
    assert not torch.equal(plain.model.state_dict()["classifier.weight"], smooth.model.state_dict()["classifier.weight"])


def test_weight_average_is_an_ema_of_the_weights():
    model = torch.nn.Linear(2, 1, bias=False)
    average = utils.WeightAverage(model, decay=0.9)
    with torch.no_grad():
        model.weight.fill_(1.0)
        average.update(model)            # the first update copies
        model.weight.fill_(2.0)
        average.update(model)            # then 0.9 * old + 0.1 * new
    assert average.ema.module.weight.flatten().tolist() == pytest.approx([1.1, 1.1])


def test_evaluation_model_measures_batchnorm_on_the_given_images():
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 1), torch.nn.BatchNorm2d(2))
    average = utils.WeightAverage(model, decay=0.5)
    average.update(model)
    images = torch.randn(30, 1, 4, 4) * 3 + 5
    evaluated = average.evaluation_model(images, batch_size=10)
    with torch.no_grad():
        conv_out = average.ema.module[0](images)
    assert torch.allclose(evaluated[1].running_mean, conv_out.mean((0, 2, 3)), atol=1e-5)
    assert not evaluated.training and average.model is evaluated
    assert torch.equal(average.ema.module[1].running_mean, torch.zeros(2))   # the average itself untouched


def test_weight_average_leaves_training_alone_and_is_what_is_kept(fake_root, tmp_path):
    plain = run(fake_root, 5, tmp_path / "plain", epochs=2)
    averaged = run(fake_root, 5, tmp_path / "avg", epochs=2, ema_decay=0.9)
    for (name, pa), pb in zip(plain.model.state_dict().items(), averaged.model.state_dict().values()):
        assert torch.equal(pa, pb), name                              # the trained weights are the same
    assert averaged.history["raw_test_acc"] == plain.history["test_acc"]
    assert averaged.config["ema_decay"] == 0.9 and "ema_decay" not in plain.config
    assert averaged.final_model is averaged.average.model
    averaged.save()
    saved = utils.load_results(tmp_path / "avg" / "S7_Model_4.json")
    assert saved["history"]["test_acc"] == averaged.history["test_acc"]
    reloaded = utils.evaluate_weights(Model4, tmp_path / "avg" / "S7_Model_4.pt", root=fake_root, device="cpu")
    assert reloaded == pytest.approx(saved["history"]["test_acc"][-1], abs=1e-6)
