"""A trained network's mistakes: every prediction with its confidence, the confusion matrix, and the
mistakes it was surest of (utils.show_confusion and utils.show_misclassified draw them)."""
from __future__ import annotations

import torch


@torch.inference_mode()
def predictions(model, loader, device):
    """Every image of a loader with its true label, the model's prediction and its confidence (the
    predicted class's probability): four tensors on the CPU, in loader order."""
    model.eval()
    images, labels, preds, confidence = [], [], [], []
    for x, y in loader:
        probs = model(x.to(device)).exp()              # the models return log-probabilities
        top, pred = probs.max(1)
        images.append(x.cpu()), labels.append(y.cpu()), preds.append(pred.cpu()), confidence.append(top.cpu())
    return torch.cat(images), torch.cat(labels), torch.cat(preds), torch.cat(confidence)


def confusion_matrix(labels, preds, classes: int = 10) -> torch.Tensor:
    """counts[true, predicted]: how often each digit was taken for each other one."""
    return torch.bincount(labels * classes + preds, minlength=classes * classes).reshape(classes, classes)


def misclassified(model, loader, device, n: int = 32):
    """Up to n mistakes, the most confident first: (image, true, predicted, confidence), and how
    many mistakes there are in all."""
    images, labels, preds, confidence = predictions(model, loader, device)
    wrong = torch.nonzero(preds != labels).flatten()
    order = wrong[confidence[wrong].argsort(descending=True, stable=True)][:n]
    return [(images[i], int(labels[i]), int(preds[i]), float(confidence[i])) for i in order], len(wrong)
