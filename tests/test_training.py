"""utils.py's training: train() and test(), step 6's weight average, the history plot and the errors a learner looks at."""
import pytest
import torch

import utils
from models import Model4
from s7.core.loaders import TensorLoader
from s7.core.mistakes import confusion_matrix, misclassified, predictions
from s7.core.places import results_path
from s7.core.standing import is_published_run, where_it_stands


def test_train_refuses_a_per_epoch_scheduler(fake_root):
    model = Model4()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    step_lr = torch.optim.lr_scheduler.StepLR(optimizer, 1)
    loader = [(torch.randn(4, 1, 28, 28), torch.randint(0, 10, (4,)))]
    with pytest.raises(TypeError, match="once per epoch"):
        utils.train(model, loader, optimizer, "cpu", step_lr)

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
    _, labels, preds, confidence = predictions(Fixed(logits), loader, "cpu")
    assert preds.tolist() == [0, 7, 2, 8, 9, 5] and labels.tolist() == truth.tolist()
    assert confidence[3] == pytest.approx(torch.softmax(logits[3], 0).max().item())
    counts = confusion_matrix(labels, preds)
    assert counts.sum() == 6 and counts[1, 7] == counts[3, 8] == counts[4, 9] == 1 and counts.trace() == 3
    wrong, total = misclassified(Fixed(logits), loader, "cpu", n=2)
    assert total == 3 and [(t, p) for _, t, p, _ in wrong] == [(3, 8), (1, 7)]     # the surest mistakes first
    assert wrong[0][3] > wrong[1][3]


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
    steps = utils.fit_one_batch(model, loaders.train, "cpu", optimizer=optimizer, n=16)
    assert 1.8 < loss < 2.8 and "against -ln(1/10) = 2.303" in capsys.readouterr().out
    assert steps is not None and steps <= 200
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert torch.equal(rng, torch.get_rng_state()) and loaders.train.epoch == 0 and model.training


def test_where_a_run_stands_among_the_published_seeds():
    from s7.core.records import load_results
    record = load_results(results_path(6))
    assert is_published_run(record)
    line = where_it_stands(record)
    assert "inside the range of the published recipe's" in line and "This is the published recipe" in line
    other = dict(record, seed=7, optimizer=dict(record["optimizer"], lr=0.3))
    other["history"] = dict(record["history"], test_acc=record["history"]["test_acc"][:-3] + [90.0] * 3)
    assert not is_published_run(other)
    line = where_it_stands(other)
    assert "lies below the range" in line and "one seed cannot tell" in line
    assert "python -m scripts.run --notebook 6 --seeds 1 2 3 4 5 --set NAME=VALUE" in line
    assert "do not compare" in where_it_stands(dict(other, quick=True))
