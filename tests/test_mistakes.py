"""s7/core/mistakes.py: the errors a learner looks at: predictions with their confidence, the confusion
matrix and the surest mistakes first."""
import pytest

from s7.core.mistakes import confusion_matrix, misclassified, predictions


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
