"""What the six notebooks call, in the order a notebook calls it: train() and test() first, then
seeding and device -> data (and step 6's weight average) -> the model report and the pictures of the
data -> the checks before training -> the fit and the saved run -> plots and the errors.

This is the file to read beside a notebook. What a learner need not read lives in the package s7/
(s7/core/: the IDX file checks, the data path, the augmentation op, the CUDA graphs, results files,
your own digit). The few names a notebook uses from there are imported here, at the top.
"""
from __future__ import annotations

import copy
import math
import os
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from s7.core.augment import random_affine
from s7.core.history import eval_split, trained_key
from s7.core.loaders import EVAL_BATCH, QUICK_EVAL, QUICK_TRAIN, Loaders, TensorLoader, load_mnist_tensors
from s7.core.mistakes import confusion_matrix, misclassified, predictions
from s7.core.model_size import count_macs, count_params, format_rf_table, receptive_field_table
from s7.core.pictures import image_grid
from s7.core.pil_loader import NO_AUGMENTATION
from s7.core.records import changed_arguments, load_model, optimizer_record, write_run
from s7.core.schedules import check_per_batch
from s7.core.target import TARGET_ACC

# What the notebooks call from s7, so that a notebook needs `import utils` alone:
# History, target_line, where_it_stands and cuda_graph every notebook; torchvision_augment notebook 5;
# the rest notebook 6
from s7.core.canvas import draw_digit  # noqa: F401
from s7.core.digits import show_predictions  # noqa: F401
from s7.core.gpu import cuda_graph  # noqa: F401
from s7.core.history import History  # noqa: F401
from s7.core.pil_loader import torchvision_augment  # noqa: F401
from s7.core.places import SAMPLES_DIR, results_path  # noqa: F401
from s7.core.standing import is_published_run, where_it_stands  # noqa: F401
from s7.core.target import meets_target, summarize, target_line  # noqa: F401


# ----------------------------------------------------------------------------
# Training and testing
# ----------------------------------------------------------------------------

def train(model, loader, optimizer, device, scheduler=None, average=None, graph=None, desc: str = "train"):
    """One epoch of training. Returns (mean loss, accuracy in %) over its batches.

    Per batch: zero the gradients, forward, loss, backward, optimizer step; then the weight
    average's update (`average`, step 6) and the scheduler's step (`scheduler`: one that steps per
    batch, such as OneCycleLR; step a per-epoch one in the epoch loop). `graph` (utils.cuda_graph(device),
    None on a CPU): on CUDA, train() hands each batch to it, and it replays these same lines captured
    once as a CUDA graph (s7/core/gpu.py). Loss and accuracy add up on the device; the bar reads them
    (one host sync) every 20 batches.
    """
    check_per_batch(scheduler)
    model.train()
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), dtype=torch.long, device=device)
    seen = 0
    bar = tqdm(loader, desc=desc, leave=False, mininterval=0.5)
    for i, (x, y) in enumerate(bar):
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        if graph is not None:
            out, loss = graph.step(x, y, model, optimizer, average)    # CUDA: the lines below, replayed
        else:
            optimizer.zero_grad(set_to_none=True)
            out = model(x)                         # log-probabilities (the models end in log_softmax)
            # cross_entropy applies log_softmax again, which leaves log-probabilities as they are (their
            # exponentials already sum to 1): this is nll_loss, the loss the course uses
            loss = F.cross_entropy(out, y)
            loss.backward()
            optimizer.step()
            if average is not None:
                average.update(model)
        if scheduler is not None:
            scheduler.step()
        loss_sum += loss.detach() * len(y)
        correct += (out.argmax(1) == y).sum()
        seen += len(y)
        if (i + 1) % 20 == 0:
            bar.set_postfix(loss=f"{loss_sum.item() / seen:.4f}", acc=f"{100.0 * correct.item() / seen:.2f}%")
    return loss_sum.item() / seen, 100.0 * correct.item() / seen


@torch.inference_mode()
def test(model, loader, device):
    """Evaluate. Returns (mean loss, accuracy in %)."""
    model.eval()
    loss_sum, correct, seen = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        out = model(x)
        loss_sum += F.cross_entropy(out, y, reduction="sum").item()
        correct += (out.argmax(1) == y).sum().item()
        seen += len(y)
    return loss_sum / seen, 100.0 * correct / seen


# ----------------------------------------------------------------------------
# Seeding and device
# ----------------------------------------------------------------------------
def seed_everything(seed: int) -> None:
    """Seed Python and torch (CPU and CUDA); a seeded CPU run then repeats bit for bit."""
    random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


def pick_device(prefer: str | None = None) -> torch.device:
    """CUDA, then Apple MPS, then CPU (or `prefer` if given)."""
    if prefer:
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def set_threads() -> int:
    """One intra-op thread per core the process may use (torch's default can count SMT siblings)."""
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    torch.set_num_threads(n)
    return n


# ----------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------
def get_loaders(batch_size: int = 128, augment: dict | None = None, holdout: int = 0, device="cpu",
                seed: int = 1, root=None, quick: bool = False) -> Loaders:
    """Train and evaluation loaders.

    holdout > 0 keeps the last `holdout` training images out of training and evaluates on them
    (for choosing recipes without looking at the test set). quick: the first QUICK_TRAIN (5,000)
    training and QUICK_EVAL (1,000) evaluation images (smoke runs).
    """
    train_x, train_y = load_mnist_tensors(True, root)
    if holdout:
        eval_x, eval_y = train_x[-holdout:], train_y[-holdout:]
        train_x, train_y = train_x[:-holdout], train_y[:-holdout]
    else:
        eval_x, eval_y = load_mnist_tensors(False, root)
    if quick:
        train_x, train_y, eval_x, eval_y = train_x[:QUICK_TRAIN], train_y[:QUICK_TRAIN], eval_x[:QUICK_EVAL], eval_y[:QUICK_EVAL]
    return Loaders(TensorLoader(train_x, train_y, batch_size, shuffle=True, augment=augment, device=device, seed=seed),
                   TensorLoader(eval_x, eval_y, EVAL_BATCH, device=device), "val" if holdout else "test")


# ----------------------------------------------------------------------------
# Step 6's weight average
# ----------------------------------------------------------------------------
class WeightAverage:
    """An exponential moving average of a model's weights, updated after every optimizer step.

    The average of weights is a different network from the one whose activations the BatchNorm
    layers tracked, so before it is evaluated its BatchNorm statistics are measured afresh, on the
    clean (un-augmented) training images: the images the test set resembles. Training itself is
    untouched; only what is evaluated and kept changes.
    """

    def __init__(self, model: nn.Module, decay: float):
        self.decay = decay
        self.ema = torch.optim.swa_utils.AveragedModel(
            model, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(decay))
        self.model = None   # the last model evaluation_model() built

    def update(self, model: nn.Module) -> None:
        self.ema.update_parameters(model)

    @torch.no_grad()
    def evaluation_model(self, images: torch.Tensor, batch_size: int = 1000) -> nn.Module:
        """A copy of the averaged network with BatchNorm statistics recomputed over `images`."""
        model = copy.deepcopy(self.ema.module).eval()     # dropout off: it would skew the statistics
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.reset_running_stats()
                m.momentum = None            # the mean over the batches, not a running average
                m.train()                    # only BatchNorm measures
        for start in range(0, len(images), batch_size):
            model(images[start:start + batch_size])
        self.model = model.eval()
        return self.model


# ----------------------------------------------------------------------------
# The model report and the pictures of the data
# ----------------------------------------------------------------------------
def model_report(model: nn.Module, input_size=(1, 28, 28)) -> dict:
    """Print torchsummary's summary, the receptive-field table and the totals; return the totals.

    torchsummary runs on a CPU copy in eval mode inside fork_rng, so it neither needs CUDA,
    nor moves the global RNG, nor touches BatchNorm statistics of the real model.
    """
    from torchsummary import summary
    probe = copy.deepcopy(model).cpu().eval()
    with torch.random.fork_rng(devices=[]):
        summary(probe, input_size, device="cpu")
    rows = receptive_field_table(probe, input_size)
    print(format_rf_table(rows))
    totals = {"params": count_params(model), "macs": sum(r["macs"] for r in rows), "final_rf": rows[-1]["rf"]}
    print(f"\nparameters: {totals['params']:,}   multiply-adds per image: {totals['macs']:,}   "
          f"final receptive field: {totals['final_rf']}")
    return totals


def show(fig):
    """Show a figure in a notebook (and close it elsewhere)."""
    import matplotlib.pyplot as plt
    if "inline" in plt.get_backend() or "ipympl" in plt.get_backend():
        plt.show()
    else:
        plt.close(fig)


def show_samples(loader: TensorLoader, n: int = 32):
    """A grid of training images as the model sees them (augmented if on); leaves the loader's
    epoch order and the global RNG alone."""
    x, y = loader.images[:n], loader.labels[:n]
    if loader.augment:
        x = random_affine(x, generator=torch.Generator(device=x.device).manual_seed(0), **loader.augment)
    return image_grid(x, [str(int(v)) for v in y], title="training samples")


def show_augmented(loader: TensorLoader, n: int = 8, draws: int = 2):
    """The same training digits clean (top row) and under `draws` augmentations (rows below); without
    augmentation (AUGMENT = None) the clean row alone, its title saying so."""
    x, y = loader.images[:n], loader.labels[:n]
    if not loader.augment:
        return image_grid(x, [f"clean {int(v)}" for v in y], ncols=n, title=NO_AUGMENTATION)
    g = torch.Generator(device=x.device).manual_seed(0)
    rows = [x] + [random_affine(x, generator=g, **loader.augment) for _ in range(draws)]
    titles = [f"clean {int(v)}" for v in y] + [f"augmented {int(v)}" for _ in range(draws) for v in y]
    return image_grid(torch.cat(rows), titles, ncols=n, title=f"clean and augmented: {loader.augment}")


# ----------------------------------------------------------------------------
# The checks before training
# ----------------------------------------------------------------------------
@torch.no_grad()
def initial_loss(model, loader, device, n: int = 1000) -> float:
    """The untrained network's mean loss on the first n training images (eval mode, no augmentation).
    A network that knows nothing spreads its belief over the 10 digits: -ln(1/10) = 2.303."""
    was_training = model.training
    model.eval()
    loss = F.cross_entropy(model(loader.images[:n].to(device)), loader.labels[:n].to(device)).item()
    model.train(was_training)
    print(f"loss before training: {loss:.3f}, against -ln(1/10) = {math.log(10):.3f} for a network that knows nothing "
          f"(far above it: the first outputs are confidently wrong; far below: the inputs give the labels away)")
    return loss


def overfit_one_batch(model, loader, device, *, optimizer: torch.optim.Optimizer, n: int = 32,
                      steps: int = 200) -> int | None:
    """Overfit a copy of the network to its first n training images alone, until it gets all of them right:
    a network and a loop that can learn must manage that in a few dozen steps. Returns the steps it
    took (None: not within `steps`). The model, its optimizer and the random numbers of the run are
    untouched: the copy trains under a forked RNG, with a fresh optimizer of the run's class and arguments."""
    x, y = loader.images[:n].to(device), loader.labels[:n].to(device)
    copy_ = copy.deepcopy(model).train()
    optimizer = type(optimizer)(copy_.parameters(), **optimizer.defaults)
    with torch.random.fork_rng(devices=[device] if torch.device(device).type == "cuda" else []):
        for step in range(1, steps + 1):
            optimizer.zero_grad(set_to_none=True)
            out = copy_(x)
            loss = F.cross_entropy(out, y)
            loss.backward()
            optimizer.step()
            if (out.argmax(1) == y).all():
                print(f"one batch of {n} images fitted to 100% in {step} steps (loss {loss.item():.3f}): "
                      f"the network and the loop can learn; if they could not, no amount of epochs would help")
                return step
    print(f"one batch of {n} images NOT fitted in {steps} steps: look for a bug before training "
          f"(labels that do not match their images, a wrong loss, a learning rate far off)")
    return None


# ----------------------------------------------------------------------------
# The fit and the saved run
# ----------------------------------------------------------------------------
def training_fit(model, train_loader, device, batch_size: int = EVAL_BATCH):
    """How well the weights a run keeps fit the training set: (mean loss, accuracy in %) on every
    training image, in eval mode and without augmentation. The running train accuracy train()
    returns is measured during the epoch, with dropout and augmentation on and the weights still
    moving, so with either of them it reads lower than this: compare this one with the test accuracy."""
    images, labels = train_loader.images, train_loader.labels     # a TensorLoader's clean tensors
    batches = ((images[i:i + batch_size], labels[i:i + batch_size]) for i in range(0, len(labels), batch_size))
    return test(model, batches, device)


def save_run(out_dir, notebook: int, model: nn.Module, history: dict, device, graph=None, fit=None,
             optimizer=None, scheduler=None, **recipe) -> dict:
    """<out_dir>/S7_Model_<notebook>.json (the recipe, the model's size, the history, and `fit`, the
    (loss, accuracy) of training_fit) and its weights (.pt), for the runner and the README; returns
    the record. The optimizer and the scheduler are the objects that ran: the record names their
    classes (and the optimizer's arguments) from them, so it cannot say SGD where Adam trained."""
    if isinstance(optimizer, torch.optim.Optimizer):
        optimizer = optimizer_record(optimizer)
    if recipe.get("model_kwargs"):            # like the optimizer's: only what differs from the class's defaults
        recipe["model_kwargs"] = changed_arguments(type(model), recipe["model_kwargs"]) or None
    if scheduler is not None:
        recipe["lr_schedule"] = {"name": type(scheduler).__name__, **(recipe.get("lr_schedule") or {})}
    if optimizer is not None:
        recipe["optimizer"] = optimizer
    if fit is not None:
        recipe.update(clean_train_loss=round(fit[0], 6), clean_train_acc=round(fit[1], 6))
    return write_run(out_dir, notebook, model, history=history, device=device, params=count_params(model),
                     macs=count_macs(model), graph=graph, **recipe)


# ----------------------------------------------------------------------------
# Plots and the errors
# ----------------------------------------------------------------------------
def plot_history(history: dict, title: str = ""):
    """Loss and accuracy per epoch, train and evaluation split, and, where a schedule moves it, the
    learning rate each epoch started at (one that steps per batch moves it within the epoch too).
    The accuracy axis leaves out epoch 1 when showing it would squash the others, and says so."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    split = eval_split(history)
    epochs = range(1, len(history["train_acc"]) + 1)
    averaged = trained_key(split) in history   # a WeightAverage run: show the trained weights too
    scheduled = len(set(history["lr"])) > 1
    widths = [1, 1, 0.7] if scheduled else [1, 1]
    fig, axes = plt.subplots(1, len(widths), figsize=(14 if scheduled else 11, 3.8), gridspec_kw={"width_ratios": widths})
    ax_loss, ax_acc = axes[:2]
    for ax, metric in ((ax_loss, "loss"), (ax_acc, "acc")):
        ax.plot(epochs, history[f"train_{metric}"], "o-", label="train (running, during the epoch)")
        ax.plot(epochs, history[f"{split}_{metric}"], "o-", label=f"{split}, weight average" if averaged else split)
        if metric == "acc" and averaged:
            ax.plot(epochs, history[trained_key(split)], ".--", label=f"{split}, trained weights")
        if metric == "acc":
            ax.axhline(TARGET_ACC, color="grey", ls="--", lw=0.8, label=f"target {TARGET_ACC}%")
        ax.set_ylabel("accuracy (%)" if metric == "acc" else "loss")
    first = [history["train_acc"][0], history[f"{split}_acc"][0]]
    later = history["train_acc"][1:] + history[f"{split}_acc"][1:]
    if later and min(first) < min(later) - 1.0:        # epoch 1 far below: it would squash the rest
        low = min(later) - 0.3
        ax_acc.set_ylim(low, max(max(later), TARGET_ACC) + 0.2)
        cut = [f"{name} {v:.2f}%" for name, v in (("train", first[0]), (split, first[1])) if v < low]
        ax_acc.set_title("epoch 1 below the axis: " + ", ".join(cut), fontsize=9)
    ax_loss.set_yscale("log")
    if scheduled:
        axes[2].plot(epochs, history["lr"], "o-", color="tab:purple")
        axes[2].set_ylabel("learning rate at the epoch's start")
        axes[2].set_ylim(bottom=0)
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    ax_loss.legend(fontsize=8)
    ax_acc.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_confusion(model, loader, device):
    """Which digits a model takes for which: the confusion matrix of its mistakes (the diagonal, the
    right answers, left blank) with each digit's errors in all beside its row; prints the three most
    frequent mistakes."""
    import matplotlib.pyplot as plt
    _, labels, preds, _ = predictions(model, loader, device)
    counts = confusion_matrix(labels, preds)
    errors = counts.clone()
    errors.fill_diagonal_(0)
    fig, ax = plt.subplots(figsize=(6.2, 5))
    ax.imshow(errors.numpy(), cmap="Reds")
    for t in range(10):
        for p in range(10):
            if t != p and errors[t, p]:
                ax.text(p, t, int(errors[t, p]), ha="center", va="center", fontsize=8,
                        color="white" if errors[t, p] > errors.max() / 2 else "black")
        ax.text(10.1, t, f"{int(errors[t].sum())} of {int(counts[t].sum())}", va="center", fontsize=8)
    ax.set_xticks(range(10)), ax.set_yticks(range(10))
    ax.set(xlabel="predicted", ylabel="true", title=f"mistakes by class: {int(errors.sum())} in all (right: per true digit)")
    ax.title.set_fontsize(10)
    fig.tight_layout()
    worst = errors.flatten().argsort(descending=True, stable=True)[:3]
    print(f"{int(errors.sum())} mistakes; the most frequent: "
          + ", ".join(f"{int(i) // 10} taken for {int(i) % 10} ({int(errors.flatten()[i])})" for i in worst))
    return fig


def show_misclassified(model, loader, device, n: int = 32):
    """The mistakes a learner should look at first: the ones the model was surest of."""
    wrong, total = misclassified(model, loader, device, n=n)
    return image_grid([w[0] for w in wrong], [f"true {t}, said {p}\n{c:.0%} sure" for _, t, p, c in wrong],
                       title=f"the {len(wrong)} most confident of {total} mistakes (true label, prediction, confidence)")


def evaluate_weights(model_cls, path, root=None, device=None) -> float:
    """Load saved weights and return their test accuracy (%) on the real test set."""
    device = device or pick_device()
    model = load_model(model_cls, path, device)
    x, y = load_mnist_tensors(False, root)
    return test(model, TensorLoader(x, y, EVAL_BATCH, device=device), device)[1]
