"""utils.py's training: train() and test(), step 6's weight average, the history plot and the errors a learner looks at."""
import pytest
import torch

import utils
from models import Model4


def test_train_refuses_a_per_epoch_scheduler(fake_root):
    model = Model4()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    step_lr = torch.optim.lr_scheduler.StepLR(optimizer, 1)
    loader = [(torch.randn(4, 1, 28, 28), torch.randint(0, 10, (4,)))]
    with pytest.raises(TypeError, match="once per epoch"):
        utils.train(model, loader, optimizer, "cpu", step_lr)

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
