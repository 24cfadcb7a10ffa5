"""utils.py, the file a learner reads beside a notebook: train() and test(), the loaders' options, the
model report, the checks before training (one batch counted as fitted only when every one of its images is
right), step 6's weight average, the fit, the history plot and the plots of the errors."""
import copy
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import utils
from models import Model4
from s7.core.loaders import TensorLoader, load_mnist_tensors
from s7.core.model_size import count_params


def test_train_refuses_a_per_epoch_scheduler(fake_root):
    model = Model4()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    step_lr = torch.optim.lr_scheduler.StepLR(optimizer, 1)
    loader = [(torch.randn(4, 1, 28, 28), torch.randint(0, 10, (4,)))]
    with pytest.raises(TypeError, match="once per epoch"):
        utils.train(model, loader, optimizer, "cpu", step_lr)


def test_quick_loaders_take_the_first_images(fake_root, monkeypatch):
    monkeypatch.setattr(utils, "QUICK_TRAIN", 40)
    monkeypatch.setattr(utils, "QUICK_EVAL", 10)
    loaders = utils.get_loaders(batch_size=16, root=fake_root, quick=True)
    images, labels = load_mnist_tensors(True, fake_root)
    assert len(loaders.train.labels) == 40 and len(loaders.eval.labels) == 10
    assert sorted(loaders.train.labels.tolist()) == sorted(labels[:40].tolist())


def test_holdout_evaluates_on_end_of_training_set(fake_root):
    loaders = utils.get_loaders(batch_size=8, holdout=10, root=fake_root)
    train_images, train_labels = load_mnist_tensors(True, fake_root)
    assert loaders.eval_split == "val"
    assert loaders.eval.labels.tolist() == train_labels[-10:].tolist()
    assert len(loaders.train.labels) == 54


def test_model1_reports_rf_28(capsys):
    from models import Model1
    assert utils.model_report(Model1())["final_rf"] == 28
    assert "final receptive field: 28" in capsys.readouterr().out


def test_model_report_runs_on_cpu_and_leaves_rng_and_bn_alone(capsys):
    from models import Model4
    model = Model4()
    bn = model.block1[0][2]
    before = bn.running_mean.clone()
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    totals = utils.model_report(model)
    assert torch.equal(torch.rand(3), expected)
    assert torch.equal(bn.running_mean, before)
    out = capsys.readouterr().out
    assert "Total params" in out and "RF" in out
    assert totals["params"] == count_params(model) and totals["final_rf"] >= 28


def test_the_checks_before_training_leave_the_run_alone(fake_root, capsys):
    """The untrained network's loss against -ln(1/10), and a copy fitting one batch by heart: computed by
    the cells, and neither the model, the loader's order nor the random numbers of the run change."""
    import copy
    utils.seed_everything(3)
    model = Model4()
    loaders = utils.get_loaders(batch_size=16, augment={"degrees": 8, "shift": 2}, root=fake_root, seed=3)
    before = copy.deepcopy(model.state_dict())
    rng = torch.get_rng_state()
    loss = utils.initial_loss(model, loaders.train, "cpu")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    steps = utils.overfit_one_batch(model, loaders.train, "cpu", optimizer=optimizer, n=16)
    assert 1.8 < loss < 2.8 and "against -ln(1/10) = 2.303" in capsys.readouterr().out
    assert steps is not None and steps <= 200
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert torch.equal(rng, torch.get_rng_state()) and loaders.train.epoch == 0 and model.training


def tiny_batch(n: int = 10, contradiction: bool = False, extra: int = 2):
    """n distinct noise images with the labels 0-9 (a linear network learns them by heart in a few steps),
    then `extra` more that copy image 0 under other labels (past the first n: not part of the batch).
    With `contradiction`, image 1 is image 0 under another label: at most n - 1 of the n can be right."""
    g = torch.Generator().manual_seed(2024)
    images = torch.rand(n, 1, 28, 28, generator=g)
    labels = torch.arange(n) % 10
    if contradiction:
        images[1] = images[0]
        labels[1] = (labels[0] + 1) % 10
    images = torch.cat([images] + [images[:1]] * extra)
    labels = torch.cat([labels] + [torch.tensor([(labels[0] + 1 + k) % 10]) for k in range(extra)])
    return SimpleNamespace(images=images, labels=labels)


def linear_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))


def by_hand(model, loader, n: int, steps: int, lr: float) -> tuple[int | None, float]:
    """A copy of the network trained on the first n images by plain SGD, as the check is taught: the first
    step whose forward pass gets every image right (None: none within `steps`), and the best fraction right."""
    twin = copy.deepcopy(model).train()
    optimizer = torch.optim.SGD(twin.parameters(), lr=lr)
    x, y = loader.images[:n], loader.labels[:n]
    best = 0.0
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        out = twin(x)
        F.cross_entropy(out, y).backward()
        optimizer.step()
        right = (out.argmax(1) == y).float().mean().item()
        best = max(best, right)
        if right == 1.0:
            return step, best
    return None, best


def test_one_batch_is_fitted_when_every_image_is_right(capsys):
    model, loader = linear_model(), tiny_batch()
    expected, _ = by_hand(model, loader, n=10, steps=60, lr=0.5)
    assert expected is not None and expected > 1
    steps = utils.overfit_one_batch(model, loader, "cpu", optimizer=torch.optim.SGD(model.parameters(), lr=0.5), n=10, steps=60)
    assert steps == expected
    out = capsys.readouterr().out
    assert f"one batch of 10 images fitted to 100% in {expected} steps" in out and "NOT fitted" not in out


def test_a_batch_that_cannot_be_fitted_returns_none_and_says_so(capsys):
    """Two copies of one image under different labels: 9 of the 10 right is reached (90%), all 10 never,
    so the check reports no fit after its steps."""
    model, loader = linear_model(), tiny_batch(contradiction=True)
    expected, best = by_hand(model, loader, n=10, steps=40, lr=0.5)
    assert expected is None and best == pytest.approx(0.9)        # 90% is reached; it is not enough
    before = copy.deepcopy(model.state_dict())
    steps = utils.overfit_one_batch(model, loader, "cpu", optimizer=torch.optim.SGD(model.parameters(), lr=0.5), n=10, steps=40)
    assert steps is None
    out = capsys.readouterr().out
    assert "one batch of 10 images NOT fitted in 40 steps: look for a bug before training" in out
    assert "fitted to 100%" not in out
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())     # the run's network untouched


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


def test_the_fit_is_scored_on_the_clean_training_images_whatever_the_loader_augments():
    """training_fit reads the loader's clean tensors: an augmenting loader (notebooks 5 and 6 pass theirs)
    gives the same figures as plain test() on the clean training images, and not the test images'."""
    class SaysThree(torch.nn.Module):       # right on every training image, wrong on every test image
        def forward(self, x):
            out = torch.full((len(x), 10), -10.0)
            out[:, 3] = 0.0
            return torch.log_softmax(out, dim=1)
    train_x = torch.randint(0, 255, (40, 28, 28), dtype=torch.uint8)
    train = TensorLoader(train_x, torch.full((40,), 3), 8, shuffle=True, augment={"degrees": 30, "shift": 4}, seed=1)
    test = TensorLoader(train_x[:10], torch.full((10,), 5), 8)
    loss, acc = utils.training_fit(SaysThree(), train, "cpu", batch_size=16)
    assert acc == 100.0 and (loss, acc) == pytest.approx(utils.test(SaysThree(), [(train.images, train.labels)], "cpu"))
    assert utils.test(SaysThree(), test, "cpu")[1] == 0.0
    assert train.epoch == 0                                  # the loader's own order untouched


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
    rate = fig.axes[2].lines[0]
    assert list(rate.get_xdata()) == [1, 2, 3] and list(rate.get_ydata()) == [0.004, 0.1, 0.01]   # epoch by epoch
    from matplotlib.ticker import MaxNLocator
    for ax in fig.axes:                                            # whole epochs on every panel
        locator = ax.xaxis.get_major_locator()
        assert isinstance(locator, MaxNLocator) and locator._integer, ax.get_ylabel()
    fig = utils.plot_history(dict(history, train_acc=[97.9, 98.0, 98.5], test_acc=[98.5, 98.8, 99.0]))
    assert fig.axes[1].get_title() == ""                           # nothing cut: every epoch shown


def test_the_confusion_plot_rows_are_the_true_digits_and_the_mistakes_grid_says_which_is_which():
    """What the plots draw, not only that they run: the matrix of mistakes with the true digit down the
    side (rows) and the prediction along the bottom, the right answers left out, each row's errors
    out of its images beside it, the digits 0-9 as tick labels; each mistake titled true, then said."""
    import matplotlib
    matplotlib.use("Agg")

    class Fixed(torch.nn.Module):           # predicts 7 for every image, with a confidence that grows with it
        def forward(self, x):
            logits = torch.zeros(len(x), 10)
            logits[:, 7] = x.flatten(1)[:, 0]
            return torch.log_softmax(logits, dim=1)
    truth = torch.tensor([1, 1, 7, 3])
    images = torch.tensor([1.0, 2.0, 3.0, 4.0]).view(4, 1, 1, 1).expand(4, 1, 2, 2).clone()
    loader = [(images, truth)]
    fig = utils.show_confusion(Fixed(), loader, "cpu")
    ax = fig.axes[0]
    drawn = ax.images[0].get_array()
    assert drawn[1, 7] == 2 and drawn[3, 7] == 1 and drawn[7, 1] == 0 and drawn[7, 7] == 0   # row true, column said
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(d) for d in range(10)]
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(d) for d in range(10)]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    side = {t.get_position()[1]: t.get_text() for t in ax.texts if " of " in t.get_text()}
    assert side[1] == "2 of 2" and side[7] == "0 of 1" and side[3] == "1 of 1"              # errors of all
    grid = utils.show_misclassified(Fixed(), loader, "cpu")
    titles = [a.get_title() for a in grid.axes if a.get_title()]
    assert titles[0].startswith("true 3, said 7") and titles[1].startswith("true 1, said 7")   # surest first


def test_one_batch_fitted_at_the_last_allowed_step_counts():
    model, loader = linear_model(), tiny_batch()
    expected, _ = by_hand(model, loader, n=10, steps=60, lr=0.5)
    steps = utils.overfit_one_batch(model, loader, "cpu", optimizer=torch.optim.SGD(model.parameters(), lr=0.5), n=10,
                                    steps=expected)
    assert steps == expected


def test_the_copy_trains_with_the_runs_optimizer_class_and_arguments():
    """Momentum changes the path: the copy must take the run's SGD with momentum, not a plain SGD."""
    model, loader = linear_model(), tiny_batch()
    twin = copy.deepcopy(model).train()
    optimizer = torch.optim.SGD(twin.parameters(), lr=0.01, momentum=0.9)
    x, y = loader.images[:10], loader.labels[:10]
    expected = None
    for step in range(1, 61):
        optimizer.zero_grad()
        out = twin(x)
        F.cross_entropy(out, y).backward()
        optimizer.step()
        if (out.argmax(1) == y).all():
            expected = step
            break
    plain, _ = by_hand(model, loader, n=10, steps=60, lr=0.01)
    assert expected is not None and expected != plain                # the two optimizers differ here
    run_optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    assert utils.overfit_one_batch(model, loader, "cpu", optimizer=run_optimizer, n=10, steps=60) == expected


def test_train_returns_the_mean_loss_over_images_not_over_batches():
    model = linear_model()
    batches = [(torch.rand(3, 1, 28, 28), torch.tensor([0, 1, 2])), (torch.rand(7, 1, 28, 28), torch.arange(7))]
    twin = copy.deepcopy(model)
    by_hand_losses = []
    for x, y in batches:                                    # a zero rate below: the weights stay, the losses are these
        by_hand_losses.append((F.cross_entropy(twin(x), y).item(), len(y)))
    loss, _ = utils.train(model, batches, torch.optim.SGD(model.parameters(), lr=0.0), "cpu")
    expected = sum(l * n for l, n in by_hand_losses) / 10
    assert loss == pytest.approx(expected, rel=1e-6)


def test_save_run_records_the_clean_training_loss_and_accuracy_each_in_its_place(tmp_path):
    model = linear_model()
    history = {"train_loss": [1.0], "train_acc": [60.0], "test_loss": [0.9], "test_acc": [70.0], "lr": [0.1], "seconds": [1.0]}
    record = utils.save_run(tmp_path, 2, model, history, "cpu", fit=(0.05, 99.1),
                            optimizer=torch.optim.SGD(model.parameters(), lr=0.1), seed=1, epochs=1)
    assert record["clean_train_loss"] == 0.05 and record["clean_train_acc"] == 99.1
