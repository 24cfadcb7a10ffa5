import pytest
import torch

import utils
from models import Model1, Model4, Model5, Model6
from recipe import Recipe, build_scheduler
from s7.records import HISTORY_KEYS, load_results, results_path

SGD = {"name": "SGD", "lr": 0.05, "momentum": 0.9}


def run(root, seed, epochs=1, **kw):
    recipe = Recipe(Model4, notebook=4, seed=seed, epochs=epochs, batch_size=16, optimizer=SGD,
                    augment={"degrees": 10, "shift": 2}, data_root=root, device="cpu", **kw)
    recipe.fit()
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
    assert saved["model"] == "Model4" and saved["params"] == utils.count_params(Model4())
    assert saved["optimizer"] == SGD and saved["lr_schedule"]["name"] == "OneCycleLR"
    assert set(saved["history"]) == set(HISTORY_KEYS)
    assert all(len(v) == 2 for v in saved["history"].values())
    assert all(0 <= a <= 100 for a in saved["history"]["test_acc"])
    assert saved["history"]["lr"][0] < saved["history"]["lr"][1]     # OneCycle warms up, per batch
    assert (tmp_path / "S7_Model_4.pt").exists()


def test_step_lr_is_stepped_per_epoch(fake_root):
    recipe = run(fake_root, 1, epochs=3, lr_schedule={"name": "StepLR", "step_size": 1, "gamma": 0.1})
    assert recipe.history["lr"] == pytest.approx([0.05, 0.005, 0.0005])


def test_train_refuses_a_per_epoch_scheduler(fake_root):
    model = Model4()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    step_lr = torch.optim.lr_scheduler.StepLR(optimizer, 1)
    loader = [(torch.randn(4, 1, 28, 28), torch.randint(0, 10, (4,)))]
    with pytest.raises(TypeError, match="once per epoch"):
        utils.train(model, loader, optimizer, "cpu", step_lr)


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
    recipe = Recipe(Model1, notebook=1, seed=1, epochs=2, batch_size=64, optimizer=SGD, data_root=real_root,
                    device="cpu")
    recipe.loaders = utils.get_loaders(64, None, 0, "cpu", 1, real_root, train_subset=4000, eval_subset=2000)
    history = recipe.fit()
    assert history["train_loss"][1] < history["train_loss"][0] < 2.3     # below chance's log(10)
    assert history["test_acc"][-1] > 75                                   # chance is 10%


def test_notebook_6_recipe_reproduces_its_committed_first_epoch(real_root, assert_repeats):
    """938 batches of the committed seeded run of notebook 6, retrained through utils.train: the
    first epoch's figures (train loss and accuracy, both test accuracies, test loss, rate), see assert_repeats."""
    committed = load_results(results_path(6))
    recipe = Recipe(Model6, notebook=6, seed=committed["seed"], epochs=committed["epochs"],
                    batch_size=committed["batch_size"], optimizer=committed["optimizer"],
                    lr_schedule=committed["lr_schedule"], augment=committed["augment"],
                    ema_decay=committed["ema_decay"], data_root=real_root, device="cpu")
    recipe.fit(epochs=1)
    assert_repeats({"history": recipe.history}, committed)


def test_label_smoothing_is_trained_and_recorded(fake_root, tmp_path):
    plain, smooth = run(fake_root, 3), run(fake_root, 3, label_smoothing=0.1)
    assert "label_smoothing" not in plain.save(tmp_path / "a") and smooth.save(tmp_path / "b")["label_smoothing"] == 0.1
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


def test_notebook_5_reproduces_its_committed_first_epoch(real_root, tmp_path, assert_repeats):
    """Notebook 5 (dropout and augmentation) executed through its own cells for one epoch (469
    batches; its rate is constant, so the first epoch is the published run's): its figures, see assert_repeats."""
    import run as runner
    assert runner.main(["--notebook", "5", "--epochs", "1", "--out", str(tmp_path), "--silent"]) == 0
    rerun, committed = load_results(tmp_path / "S7_Model_5.json"), load_results(results_path(5))
    assert_repeats(rerun, committed)
    same = ("model", "seed", "batch_size", "optimizer", "lr_schedule", "augment", "holdout", "params", "macs")
    assert {k: rerun[k] for k in same} == {k: committed[k] for k in same}


def test_gradient_clipping_bounds_the_update():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 10), torch.nn.LogSoftmax(dim=1))
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)        # the update is the (clipped) gradient
    batch = [(torch.randn(8, 1, 4, 4) * 10, torch.randint(0, 10, (8,)))]
    utils.train(model, batch, optimizer, "cpu", max_grad_norm=0.01)
    moved = torch.sqrt(sum(((p.detach() - b) ** 2).sum() for p, b in zip(model.parameters(), before)))
    assert float(moved) == pytest.approx(0.01, rel=1e-4)


def test_the_errors_a_learner_looks_at():
    """Predictions with their confidence; the confusion matrix counts each (true, predicted) pair; the
    misclassified grid ranks mistakes by confidence, the surest first."""
    import torch

    class Fixed(torch.nn.Module):            # returns preset log-probabilities, one image per row
        def __init__(self, logits):
            super().__init__()
            self.logits = logits

        def forward(self, x):
            return torch.log_softmax(self.logits[x.flatten(1)[:, 0].long()], dim=1)
    logits = torch.zeros(6, 10)
    truth = torch.tensor([0, 1, 2, 3, 4, 5])
    for i, (pred, strength) in enumerate([(0, 5.0), (7, 2.0), (2, 4.0), (8, 6.0), (9, 1.0), (5, 3.0)]):
        logits[i, pred] = strength
    images = torch.arange(6.0).view(6, 1, 1, 1).expand(6, 1, 2, 2).clone()
    loader = [(images[:4], truth[:4]), (images[4:], truth[4:])]
    _, labels, preds, confidence = utils.predictions(Fixed(logits), loader, "cpu")
    assert preds.tolist() == [0, 7, 2, 8, 9, 5] and labels.tolist() == truth.tolist()
    assert confidence[3] == pytest.approx(torch.softmax(logits[3], 0).max().item())
    counts = utils.confusion_matrix(labels, preds)
    assert counts.sum() == 6 and counts[1, 7] == counts[3, 8] == counts[4, 9] == 1 and counts.trace() == 3
    wrong, total = utils.misclassified(Fixed(logits), loader, "cpu", n=2)
    assert total == 3 and [(t, p) for _, t, p, _ in wrong] == [(3, 8), (1, 7)]     # the surest mistakes first
    assert wrong[0][3] > wrong[1][3]
    import matplotlib
    matplotlib.use("Agg")
    utils.show_confusion(Fixed(logits), loader, "cpu")
    utils.show_misclassified(Fixed(logits), loader, "cpu")


def test_history_plot_shows_the_rate_only_where_it_changes_and_says_what_it_cuts():
    import matplotlib
    matplotlib.use("Agg")
    history = {"train_acc": [80.0, 98.0, 98.5], "test_acc": [95.0, 98.8, 99.0], "train_loss": [0.5, 0.1, 0.05],
               "test_loss": [0.2, 0.05, 0.04], "lr": [0.01, 0.01, 0.01], "seconds": [1, 1, 1]}
    fig = utils.plot_history(history)
    assert len(fig.axes) == 2                                      # a constant rate: no rate panel
    assert fig.axes[1].get_title() == "epoch 1 below the axis: train 80.00%, test 95.00%"
    assert all(float(t).is_integer() for t in fig.axes[1].get_xticks())
    fig = utils.plot_history(dict(history, lr=[0.004, 0.1, 0.01]))
    assert len(fig.axes) == 3 and fig.axes[2].get_ylabel() == "learning rate at the epoch's start"
    fig = utils.plot_history(dict(history, train_acc=[97.9, 98.0, 98.5], test_acc=[98.5, 98.8, 99.0]))
    assert fig.axes[1].get_title() == ""                           # nothing cut: every epoch shown
