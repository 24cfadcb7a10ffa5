"""s7/studies/recipe.py: the studies' runs, built from a recipe dict, trained by the notebooks' loop, written where they belong."""

import pytest
import torch

import utils
from models import Model1, Model4, Model6
from s7.core.history import History
from s7.core.loaders import Loaders, TensorLoader, load_mnist_tensors
from s7.core.model_size import count_params
from s7.core.places import results_path
from s7.core.records import load_results
from s7.studies.recipe import GradientClipping, SeededRun, build_scheduler

SGD = {"name": "SGD", "lr": 0.05, "momentum": 0.9}

def run(root, seed, epochs=1, **kw):
    recipe = SeededRun(Model4, notebook=4, seed=seed, epochs=epochs, batch_size=16, optimizer=SGD,
                    augment={"degrees": 10, "shift": 2}, data_root=root, device="cpu", **kw)
    recipe.train()
    return recipe

def test_seeded_cpu_trainings_are_identical(fake_root):
    a, b = run(fake_root, 7), run(fake_root, 7)
    for (name, pa), pb in zip(a.model.state_dict().items(), b.model.state_dict().values()):
        assert torch.equal(pa, pb), name
    c = run(fake_root, 8)
    assert not torch.equal(c.model.state_dict()["classifier.weight"], a.model.state_dict()["classifier.weight"])

def test_results_json_has_settings_and_history(fake_root, tmp_path):
    recipe = run(fake_root, 1, epochs=2, lr_schedule={"name": "OneCycleLR", "max_lr": 0.1})
    record = recipe.save(tmp_path)
    saved = load_results(tmp_path / "S7_Model_4.json")
    assert saved == record
    for key in ("notebook", "model", "seed", "epochs", "batch_size", "optimizer", "lr_schedule", "augment",
                "torch", "device", "params", "history"):
        assert key in saved, key
    assert "step" not in saved and "ema_decay" not in saved and "label_smoothing" not in saved
    assert saved["model"] == "Model4" and saved["params"] == count_params(Model4())
    assert saved["optimizer"] == SGD and saved["lr_schedule"]["name"] == "OneCycleLR"
    assert set(saved["history"]) == set(History())
    assert all(len(v) == 2 for v in saved["history"].values())
    assert all(0 <= a <= 100 for a in saved["history"]["test_acc"])
    assert saved["history"]["lr"][0] < saved["history"]["lr"][1]     # OneCycle warms up, per batch
    assert (tmp_path / "S7_Model_4.pt").exists()
    train = recipe.loaders.train                                    # the fit: the kept weights on the clean
    fit = utils.test(recipe.final_model, [(train.images, train.labels)], "cpu")      # training images
    assert (saved["clean_train_loss"], saved["clean_train_acc"]) == pytest.approx(fit, abs=1e-6)

def test_step_lr_is_stepped_per_epoch(fake_root):
    recipe = run(fake_root, 1, epochs=3, lr_schedule={"name": "StepLR", "step_size": 1, "gamma": 0.1})
    assert recipe.history["lr"] == pytest.approx([0.05, 0.005, 0.0005])

def test_plateau_schedule_refuses_the_test_split(fake_root):
    model = Model4()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="test loss"):
        build_scheduler(optimizer, {"name": "ReduceLROnPlateau"}, 10, 2, "test")
    assert build_scheduler(optimizer, {"name": "ReduceLROnPlateau"}, 10, 2, "val") is not None
    with pytest.raises(ValueError, match="test loss"):
        run(fake_root, 1, lr_schedule={"name": "ReduceLROnPlateau"})
    assert run(fake_root, 1, holdout=16, lr_schedule={"name": "ReduceLROnPlateau"}).history["val_acc"]

def test_short_real_training_learns(real_root):
    recipe = SeededRun(Model1, notebook=1, seed=1, epochs=2, batch_size=64, optimizer=SGD, data_root=real_root,
                    device="cpu")
    train_x, train_y = load_mnist_tensors(True, real_root)
    test_x, test_y = load_mnist_tensors(False, real_root)
    recipe.loaders = Loaders(TensorLoader(train_x[:4000], train_y[:4000], 64, shuffle=True, seed=1),
                                   TensorLoader(test_x[:2000], test_y[:2000], 2000), "test")
    history = recipe.train()
    assert history["train_loss"][1] < history["train_loss"][0] < 2.3     # below chance's log(10)
    assert history["test_acc"][-1] > 75                                   # chance is 10%

def test_notebook_6_recipe_reproduces_its_committed_first_epoch(real_root, assert_repeats):
    """938 batches of the committed seeded run of notebook 6, retrained through utils.train: the
    first epoch's figures (train loss and accuracy, both test accuracies, test loss, rate), see assert_repeats."""
    committed = load_results(results_path(6))
    recipe = SeededRun(Model6, notebook=6, seed=committed["seed"], epochs=committed["epochs"],
                    batch_size=committed["batch_size"], optimizer=committed["optimizer"],
                    lr_schedule=committed["lr_schedule"], augment=committed["augment"],
                    ema_decay=committed["ema_decay"], data_root=real_root, device="cpu")
    recipe.train(epochs=1)
    assert_repeats({"history": recipe.history}, committed)

def test_weight_average_leaves_training_alone_and_is_what_is_kept(fake_root, tmp_path):
    plain = run(fake_root, 5, epochs=2)
    averaged = run(fake_root, 5, epochs=2, ema_decay=0.9)
    for (name, pa), pb in zip(plain.model.state_dict().items(), averaged.model.state_dict().values()):
        assert torch.equal(pa, pb), name                              # the trained weights are the same
    assert averaged.history["raw_test_acc"] == plain.history["test_acc"]
    assert averaged.final_model is averaged.average.model
    saved = averaged.save(tmp_path / "avg")
    assert saved["ema_decay"] == 0.9 and "ema_decay" not in plain.save(tmp_path / "plain")
    assert saved["history"]["test_acc"] == averaged.history["test_acc"]
    reloaded = utils.evaluate_weights(Model4, tmp_path / "avg" / "S7_Model_4.pt", root=fake_root, device="cpu")
    assert reloaded == pytest.approx(saved["history"]["test_acc"][-1], abs=1e-6)

def test_gradient_clipping_bounds_the_update():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 10), torch.nn.LogSoftmax(dim=1))
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)        # the update is the (clipped) gradient
    batch = [(torch.randn(8, 1, 4, 4) * 10, torch.randint(0, 10, (8,)))]
    utils.train(model, batch, GradientClipping(optimizer, max_norm=0.01), "cpu")
    moved = torch.sqrt(sum(((p.detach() - b) ** 2).sum() for p, b in zip(model.parameters(), before)))
    assert float(moved) == pytest.approx(0.01, rel=1e-4)
