"""Everything the S7 notebooks share: data, training, reports, plots, results.

The notebooks hold the recipes (one config cell each); this file holds the
machinery. Read top to bottom: data -> device and seeding -> training ->
model report -> results -> plots -> robustness -> your own digit.
"""
from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import platform
import random
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

MEAN, STD = 0.1307, 0.3081          # MNIST training-set pixel statistics
BACKGROUND = (0.0 - MEAN) / STD     # a blank pixel after Normalize
DEFAULT_ROOT = "./data"             # where torchvision downloads on a connected machine
ROOT_ENV = "MNIST_ROOT"
TARGET_ACC = 99.4                   # the exercise: % test accuracy in each of the last 3 epochs
RESULTS_DIR = Path(__file__).resolve().parent / "results"
SAMPLES_DIR = Path(__file__).resolve().parent / "samples"   # digits drawn for the project

# name -> (IDX magic number, shape of one item); the four files torchvision expects
MNIST_FILES = {
    "train-images-idx3-ubyte": (2051, (28, 28)),
    "train-labels-idx1-ubyte": (2049, ()),
    "t10k-images-idx3-ubyte": (2051, (28, 28)),
    "t10k-labels-idx1-ubyte": (2049, ()),
}


# ----------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------
class MNISTDataError(RuntimeError):
    """The MNIST files are missing, truncated or corrupt; the message says what to do."""


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The data root: the argument, else $MNIST_ROOT, else ./data."""
    return Path(root or os.environ.get(ROOT_ENV) or DEFAULT_ROOT).expanduser()


def check_idx_file(path: Path, magic: int, item_shape: tuple[int, ...] | None = None) -> tuple[int, ...]:
    """Validate an uncompressed IDX file's header and size; return its shape. Never modifies it."""
    fix = (f"Delete {path} and run again to re-download it, or point {ROOT_ENV} "
           f"(or the data_root argument) at a good copy of MNIST.")
    size = path.stat().st_size
    with open(path, "rb") as f:
        header = f.read(4)
        if len(header) < 4 or int.from_bytes(header, "big") != magic:
            raise MNISTDataError(f"{path} is not an MNIST IDX file (bad magic number). {fix}")
        ndim = header[3]
        dims_raw = f.read(4 * ndim)
    if len(dims_raw) < 4 * ndim:
        raise MNISTDataError(f"{path} is truncated (header cut short). {fix}")
    dims = tuple(int.from_bytes(dims_raw[4 * i:4 * i + 4], "big") for i in range(ndim))
    expected = 4 + 4 * ndim + math.prod(dims)
    if size != expected:
        raise MNISTDataError(f"{path} is truncated or corrupt: {size} bytes, expected {expected}. {fix}")
    if item_shape is not None and dims[1:] != item_shape:
        raise MNISTDataError(f"{path} holds items of shape {dims[1:]}, expected {item_shape}. {fix}")
    return dims


def ensure_mnist(root=None, download: bool = True) -> Path:
    """Make sure the four MNIST files are under <root>/MNIST/raw and valid; return the root.

    Downloads (through torchvision) only when files are absent and download is True.
    Existing files are checked, never deleted or overwritten.
    """
    root = data_root(root)
    raw = root / "MNIST" / "raw"
    missing = [name for name in MNIST_FILES if not (raw / name).exists()]
    if missing and not download:
        raise MNISTDataError(
            f"MNIST not found: {', '.join(missing)} missing in {raw}. Set {ROOT_ENV} "
            f"(or pass data_root) to the folder that holds MNIST/raw/, or allow the download.")
    if missing:
        from torchvision.datasets import MNIST
        try:
            MNIST(str(root), train=True, download=True)
            MNIST(str(root), train=False, download=True)
        except Exception as err:  # no network, no write permission, server down
            raise MNISTDataError(
                f"Could not download MNIST into {root} ({type(err).__name__}: {err}). "
                f"Check the network and that the folder is writable, or set {ROOT_ENV} to a "
                f"folder that already holds MNIST/raw/.") from err
    counts = {name: check_idx_file(raw / name, magic, item)[0] for name, (magic, item) in MNIST_FILES.items()}
    for split in ("train", "t10k"):
        images, labels = counts[f"{split}-images-idx3-ubyte"], counts[f"{split}-labels-idx1-ubyte"]
        if images != labels:
            raise MNISTDataError(f"{raw}: {split} has {images} images but {labels} labels; the files do not "
                                 f"belong together. Replace them with a matching pair of MNIST files.")
    return root


def load_mnist_tensors(train: bool, root=None, download: bool = True):
    """The raw split as (uint8 images N x 28 x 28, int64 labels N), via torchvision."""
    from torchvision.datasets import MNIST
    dataset = MNIST(str(ensure_mnist(root, download)), train=train, download=False)
    return dataset.data, dataset.targets.long()


def normalise(images_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 N x 28 x 28 -> float N x 1 x 28 x 28, like ToTensor + Normalize."""
    return ((images_uint8.float() / 255.0 - MEAN) / STD).unsqueeze(1)


def affine(x: torch.Tensor, angle: torch.Tensor, tx: torch.Tensor, ty: torch.Tensor,
           mode: str = "bilinear", scale: torch.Tensor | None = None) -> torch.Tensor:
    """Rotate each image by angle (radians), scale it about the centre and shift it by (tx, ty)
    pixels, in one batched op.

    Works on normalised images: the empty border is filled with the background value.
    mode="nearest" moves pixels without blurring them (torchvision's RandomAffine default).
    """
    n, _, h, w = x.shape
    cos, sin = torch.cos(angle), torch.sin(angle)
    if scale is not None:   # sampling the input at coordinates / s draws the digit s times larger
        cos, sin = cos / scale, sin / scale
    # affine_grid maps output to input coordinates in [-1, 1]: a shift of 1 px is 2/size
    theta = torch.stack([torch.stack([cos, -sin, -tx * 2 / w], 1),
                         torch.stack([sin, cos, -ty * 2 / h], 1)], 1)
    grid = F.affine_grid(theta.to(x.dtype), [n, 1, h, w], align_corners=False)
    return F.grid_sample(x - BACKGROUND, grid, mode=mode, align_corners=False, padding_mode="zeros") + BACKGROUND


def random_affine(x: torch.Tensor, degrees: float, shift: float, generator: torch.Generator,
                  interpolation: str = "bilinear", p: float = 1.0, scale: float = 0.0) -> torch.Tensor:
    """Rotate by U(-degrees, degrees), shift by U(-shift, shift) pixels and, when scale > 0,
    resize by a factor U(1 - scale, 1 + scale), a fraction p of the images."""
    draws = draw_affine(len(x), generator, x.device, p, scale)
    return apply_affine(x, draws, degrees, shift, interpolation, p, scale)


def draw_affine(n: int, generator: torch.Generator, device, p: float = 1.0, scale: float = 0.0) -> list[torch.Tensor]:
    """The uniform draws of one batch of random_affine: angle and shifts, then the scale (when
    scale > 0; drawn after the others, so runs without scale keep their random stream), then which
    images move (when p < 1)."""
    def uniform(*shape):
        return torch.rand(*shape, generator=generator, device=generator.device).to(device)
    return [uniform(3, n)] + ([uniform(n)] if scale else []) + ([uniform(n)] if p < 1 else [])


def apply_affine(x: torch.Tensor, draws: list[torch.Tensor], degrees: float, shift: float,
                 interpolation: str = "bilinear", p: float = 1.0, scale: float = 0.0) -> torch.Tensor:
    """random_affine's transform, given its draws (no randomness here: a CUDA graph can hold it)."""
    u = draws[0] * 2 - 1
    size = 1 + scale * (draws[1] * 2 - 1) if scale else None
    moved = affine(x, u[0] * math.radians(degrees), u[1] * shift, u[2] * shift, mode=interpolation, scale=size)
    if p >= 1:
        return moved
    keep = draws[-1] >= p
    return torch.where(keep.view(-1, 1, 1, 1), x, moved)


class GraphedAugment:
    """apply_affine captured as one CUDA graph per batch size and replayed: a few launches instead
    of some thirty tiny ones per batch, which is what an augmented batch costs on a GPU. The draws
    still come from the loader's generator, outside the graph, so the images are the eager ones."""

    def __init__(self, augment: dict):
        self.augment, self.graphs, self.failed = augment, {}, False

    def __call__(self, x: torch.Tensor, draws: list[torch.Tensor]) -> torch.Tensor:
        if self.failed:
            return apply_affine(x, draws, **self.augment)
        if len(x) not in self.graphs:
            try:
                self._capture(x, draws)
            except Exception as err:   # any capture failure: augment on, eagerly
                self.failed = True
                warnings.warn(f"CUDA graph capture of the augmentation failed ({type(err).__name__}: {err}); "
                              f"augmenting eagerly")
                return apply_affine(x, draws, **self.augment)
        graph, static_x, static_draws, out = self.graphs[len(x)]
        static_x.copy_(x)
        for mine, new in zip(static_draws, draws):
            mine.copy_(new)
        graph.replay()
        return out.clone()       # the next replay overwrites `out`

    def _capture(self, x, draws) -> None:
        static_x, static_draws = x.clone(), [d.clone() for d in draws]
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            apply_affine(static_x, static_draws, **self.augment)      # warm-up, as for any capture
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            out = apply_affine(static_x, static_draws, **self.augment)
        self.graphs[len(x)] = (graph, static_x, static_draws, out)


class TensorLoader:
    """The fast data path: the whole split as one normalised tensor on the device.

    Each pass reshuffles with its own seeded generator, cuts batches by slicing and
    augments the batch in one tensor op (on CUDA, a replayed graph of it). Iterates
    (images, labels) like a DataLoader.
    """

    def __init__(self, images_uint8, labels, batch_size: int, shuffle: bool = False,
                 augment: dict | None = None, device="cpu", seed: int = 0):
        self.images = normalise(images_uint8).to(device)
        self.labels = labels.to(device)
        self.batch_size, self.shuffle, self.augment = batch_size, shuffle, augment
        self.device = torch.device(device)
        self.seed, self.epoch = seed, 0
        self.graphed_augment = GraphedAugment(augment) if augment and self.device.type == "cuda" else None

    def __len__(self):
        return math.ceil(len(self.labels) / self.batch_size)

    def __iter__(self):
        gen_device = "cuda" if self.device.type == "cuda" else "cpu"
        g = torch.Generator(device=gen_device).manual_seed(self.seed * 10_007 + self.epoch)
        self.epoch += 1
        n = len(self.labels)
        order = torch.randperm(n, generator=g, device=gen_device).to(self.device) if self.shuffle else None
        for start in range(0, n, self.batch_size):
            idx = order[start:start + self.batch_size] if order is not None else slice(start, start + self.batch_size)
            x, y = self.images[idx], self.labels[idx]
            if self.graphed_augment is not None:
                x = self.graphed_augment(x, draw_affine(len(x), g, x.device, self.augment.get("p", 1.0),
                                                        self.augment.get("scale", 0.0)))
            elif self.augment:
                x = random_affine(x, generator=g, **self.augment)
            yield x, y


def torchvision_transforms(augment: dict | None):
    """The classic per-image PIL pipeline (the DataLoader path)."""
    from torchvision import transforms as T
    steps = []
    if augment:
        shift = augment.get("shift", 0.0) / 28
        mode = T.InterpolationMode(augment.get("interpolation", "bilinear"))
        scale = augment.get("scale", 0.0)
        steps.append(T.RandomApply([T.RandomAffine(augment.get("degrees", 0.0), translate=(shift, shift),
                                                   scale=(1 - scale, 1 + scale) if scale else None,
                                                   interpolation=mode, fill=0)], p=augment.get("p", 1.0)))
    return T.Compose(steps + [T.ToTensor(), T.Normalize((MEAN,), (STD,))])


@dataclass
class Loaders:
    train: object
    eval: object
    eval_split: str   # "test", or "val" when a validation split is held out of the training set


def get_loaders(batch_size: int = 128, augment: dict | None = None, holdout: int = 0,
                fast: bool = True, device="cpu", seed: int = 1, root=None, download: bool = True,
                train_subset: int | None = None, eval_subset: int | None = None,
                eval_batch_size: int = 2000) -> Loaders:
    """Train and evaluation loaders.

    holdout > 0 keeps the last `holdout` training images out of training and evaluates
    on them (for choosing recipes without looking at the test set).
    fast=False gives the torchvision Dataset + DataLoader + PIL path instead.
    *_subset keep the first N images (smoke runs).
    """
    train_x, train_y = load_mnist_tensors(True, root, download)
    if holdout:
        eval_x, eval_y = train_x[-holdout:], train_y[-holdout:]
        train_x, train_y = train_x[:-holdout], train_y[:-holdout]
    else:
        eval_x, eval_y = load_mnist_tensors(False, root, download)
    train_x, train_y = train_x[:train_subset], train_y[:train_subset]
    eval_x, eval_y = eval_x[:eval_subset], eval_y[:eval_subset]
    split = "val" if holdout else "test"
    if fast:
        return Loaders(TensorLoader(train_x, train_y, batch_size, True, augment, device, seed),
                       TensorLoader(eval_x, eval_y, eval_batch_size, device=device), split)
    return Loaders(dataloader(train_x, train_y, batch_size, True, augment, seed),
                   dataloader(eval_x, eval_y, eval_batch_size, False, None, seed), split)


class _PILDataset(torch.utils.data.Dataset):
    """uint8 tensors served one PIL image at a time, as torchvision.datasets.MNIST does."""

    def __init__(self, images, labels, transform):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        from PIL import Image
        return self.transform(Image.fromarray(self.images[i].numpy(), mode="L")), int(self.labels[i])


def dataloader(images, labels, batch_size, shuffle, augment, seed, num_workers: int = 0, **kwargs):
    """torch DataLoader over PIL images. On 2 CPU cores, worker processes are slower than none
    (scripts/benchmark.py measures both)."""
    g = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(_PILDataset(images, labels, torchvision_transforms(augment)),
                                       batch_size=batch_size, shuffle=shuffle, generator=g,
                                       num_workers=num_workers, **kwargs)


# ----------------------------------------------------------------------------
# Device and seeding
# ----------------------------------------------------------------------------
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


def seed_everything(seed: int) -> None:
    """Seed Python, torch (CPU and CUDA); a seeded CPU run then repeats bit for bit."""
    random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


@contextlib.contextmanager
def cudnn_autotuned():
    """Inside: cuDNN times the candidate algorithms of each convolution shape on first use and
    keeps the fastest, instead of taking the deterministic default (a GPU-only matter)."""
    saved = torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic
    torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = True, False
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = saved


# ----------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------
PER_BATCH_SCHEDULERS = ("OneCycleLR", "CyclicLR")


def build_optimizer(model: nn.Module, spec: dict) -> torch.optim.Optimizer:
    """spec = {"name": "SGD", "lr": 0.01, "momentum": 0.9, ...}: any torch.optim class."""
    spec = dict(spec)
    cls = getattr(torch.optim, spec.pop("name"))
    return cls(model.parameters(), **spec)


def build_scheduler(optimizer, spec: dict | None, steps_per_epoch: int, epochs: int):
    """spec = {"name": "OneCycleLR", "max_lr": 0.1, ...}: any torch.optim.lr_scheduler class.

    OneCycleLR is told the run length here, so the notebook gives only its shape.
    """
    if not spec:
        return None
    spec = dict(spec)
    name = spec.pop("name")
    if name == "OneCycleLR":
        spec.update(steps_per_epoch=steps_per_epoch, epochs=epochs)
    return getattr(torch.optim.lr_scheduler, name)(optimizer, **spec)


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


def clean_images(loader, device) -> torch.Tensor:
    """The normalised, un-augmented images of a training loader (either data path)."""
    if isinstance(loader, TensorLoader):
        return loader.images.to(device)
    return normalise(loader.dataset.images).to(device)


class TrainStep:
    """One training step on one batch, eagerly: forward, loss, backward, optimizer step and
    weight-average update. Loss and correct predictions accumulate on the device (no host sync)."""

    def __init__(self, model: nn.Module, optimizer, label_smoothing: float = 0.0,
                 average: WeightAverage | None = None):
        self.model, self.optimizer = model, optimizer
        self.label_smoothing, self.average = label_smoothing, average
        device = next(model.parameters()).device
        self.loss_sum = torch.zeros((), device=device)
        self.correct = torch.zeros((), device=device, dtype=torch.long)
        self.seen = 0

    def reset_metrics(self) -> None:
        self.loss_sum.zero_()
        self.correct.zero_()
        self.seen = 0

    def metrics(self) -> tuple[float, float]:
        """(mean loss, accuracy in %) since the last reset: one host sync."""
        return self.loss_sum.item() / self.seen, 100.0 * self.correct.item() / self.seen

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        out = self.model(x)
        # log-probs or logits: log_softmax of log-probs is a no-op
        loss = F.cross_entropy(out, y, label_smoothing=self.label_smoothing)
        loss.backward()
        self.optimizer.step()
        if self.average is not None:
            self.average.update(self.model)
        self.loss_sum += loss.detach() * len(y)
        self.correct += (out.argmax(1) == y).sum()
        self.seen += len(y)


class CudaGraphStep(TrainStep):
    """The same step, captured once as a CUDA graph and then replayed: one launch instead of a few
    hundred tiny kernels, which is what a network this small spends its GPU time on.

    The batch is copied into static buffers. The SGD update (weight decay, momentum, Nesterov)
    is written out with foreach ops reading the learning rate and momentum from device tensors,
    which are refilled from the optimizer's param group before every replay: the schedule stays
    exact and the optimizer's momentum buffers are the ones the graph updates, so eager steps (the
    first step of a weight average, which copies, and an epoch's last, smaller batch) interleave
    freely. Warm-up iterations run on a side stream and the state is restored before capture, so
    replayed training is eager training within float rounding. capture=False runs the same update
    eagerly (for testing it on any device). With cudnn_autotune the warm-up lets cuDNN time its
    algorithms for the batch's shapes and the graph keeps the fastest: worth it for a graph replayed
    thousands of times (an H200 ran step 6's graphed step in 0.50 ms instead of 0.61), not for the
    eager steps and evaluations around it, which stay deterministic. GPU reruns may then differ in
    the last digits.
    """

    def __init__(self, model, optimizer, label_smoothing=0.0, average=None, capture: bool = True,
                 cudnn_autotune: bool = False):
        super().__init__(model, optimizer, label_smoothing, average)
        group = optimizer.param_groups[0]
        if (type(optimizer) is not torch.optim.SGD or len(optimizer.param_groups) != 1
                or group["dampening"] or group["maximize"]):
            raise ValueError("CudaGraphStep replays plain SGD (one param group, no dampening, not maximize)")
        self.params = list(group["params"])
        self.weight_decay, self.nesterov = group["weight_decay"], group["nesterov"]
        self.uses_momentum = group["momentum"] != 0
        device = self.params[0].device
        self.lr = torch.tensor(float(group["lr"]), device=device)
        self.momentum = torch.tensor(float(group["momentum"]), device=device)
        # SGD takes a buffer it finds and updates it in place: a zero buffer gives the same first step
        self.buffers = [optimizer.state[p].setdefault("momentum_buffer", torch.zeros_like(p))
                        for p in self.params] if self.uses_momentum else []
        self.capture, self.graph, self.failed = capture, None, False
        self.cudnn_autotune = cudnn_autotune
        self.static_x = self.static_y = None

    def _averaged_tensors(self):
        ema = self.average.ema
        return list(ema.module.parameters()), list(ema.module.buffers()), list(self.model.buffers())

    @torch.no_grad()
    def _update(self) -> None:
        """torch.optim.SGD's step, then the weight average's, with lr and momentum as tensors."""
        grads = [p.grad for p in self.params]
        if self.weight_decay:
            torch._foreach_add_(grads, self.params, alpha=self.weight_decay)
        step = grads
        if self.uses_momentum:
            torch._foreach_mul_(self.buffers, self.momentum)
            torch._foreach_add_(self.buffers, grads)
            if self.nesterov:
                torch._foreach_add_(grads, torch._foreach_mul(self.buffers, self.momentum))
            else:
                step = self.buffers
        torch._foreach_sub_(self.params, torch._foreach_mul(step, self.lr))
        if self.average is not None:
            ema_params, ema_buffers, model_buffers = self._averaged_tensors()
            torch._foreach_lerp_(ema_params, self.params, 1 - self.average.decay)
            torch._foreach_copy_(ema_buffers, model_buffers)       # as AveragedModel keeps them

    def _body(self) -> None:
        out = self.model(self.static_x)
        loss = F.cross_entropy(out, self.static_y, label_smoothing=self.label_smoothing)
        loss.backward()
        self._update()
        self.loss_sum += loss.detach() * len(self.static_y)
        self.correct += (out.argmax(1) == self.static_y).sum()

    def _state(self) -> list[torch.Tensor]:
        """Everything a step changes, to restore after the warm-up iterations."""
        state = self.params + list(self.model.buffers()) + self.buffers + [self.loss_sum, self.correct]
        if self.average is not None:
            ema_params, ema_buffers, _ = self._averaged_tensors()
            state += ema_params + ema_buffers
        return state

    def _capture(self, x, y) -> None:
        self.static_x, self.static_y = x.clone(), y.clone()
        state = self._state()
        saved = [t.detach().clone() for t in state]
        try:
            # the warm-up times cuDNN's algorithms (with autotuning) and the capture keeps the winners
            with cudnn_autotuned() if self.cudnn_autotune else contextlib.nullcontext():
                with torch.random.fork_rng(devices=[x.device]):      # warm-up draws no dropout masks
                    side = torch.cuda.Stream()
                    side.wait_stream(torch.cuda.current_stream())
                    with torch.cuda.stream(side):
                        for _ in range(3):                            # cuDNN, autograd, allocator settle
                            self.optimizer.zero_grad(set_to_none=True)
                            self._body()
                    torch.cuda.current_stream().wait_stream(side)
                graph = torch.cuda.CUDAGraph()
                self.optimizer.zero_grad(set_to_none=True)
                with torch.cuda.graph(graph):
                    self._body()
            # kept referenced: an eager step in between sets p.grad to None, and every replay still
            # writes the gradients into these buffers
            self.graph, self.graph_grads = graph, [p.grad for p in self.params]
        finally:
            with torch.no_grad():
                for tensor, value in zip(state, saved):
                    tensor.copy_(value)

    def _sync_hyperparameters(self) -> None:
        group = self.optimizer.param_groups[0]
        self.lr.fill_(group["lr"])
        self.momentum.fill_(group["momentum"])

    def __call__(self, x, y):
        first_average = self.average is not None and int(self.average.ema.n_averaged) == 0
        if self.failed or first_average or (self.graph is not None and len(y) != len(self.static_y)):
            return super().__call__(x, y)                 # eager: the average's first copy, a last small batch
        if self.graph is None and self.capture:
            try:
                self._capture(x, y)
            except Exception as err:   # any capture failure: train on, eagerly
                self.failed = True
                warnings.warn(f"CUDA graph capture failed ({type(err).__name__}: {err}); training eagerly")
                return super().__call__(x, y)
        self._sync_hyperparameters()
        if self.graph is not None:
            self.static_x.copy_(x)
            self.static_y.copy_(y)
            self.graph.replay()
        else:                                              # capture=False: the same update, eagerly
            self.static_x, self.static_y = x, y
            self.optimizer.zero_grad(set_to_none=True)
            self._body()
        if self.average is not None:
            self.average.ema.n_averaged += 1              # a CPU counter: kept outside the graph
        self.seen += len(y)


def train_step(model, optimizer, device, label_smoothing: float = 0.0, average: WeightAverage | None = None,
               cuda_graph: bool = True, cudnn_autotune: bool = True) -> TrainStep:
    """The step a run uses: replayed as a CUDA graph on a CUDA device (plain SGD), else eager."""
    if cuda_graph and torch.device(device).type == "cuda":
        try:                                   # CudaGraphStep refuses what it cannot replay
            return CudaGraphStep(model, optimizer, label_smoothing, average, cudnn_autotune=cudnn_autotune)
        except ValueError:
            pass
    return TrainStep(model, optimizer, label_smoothing, average)


def train(model, loader, optimizer, device, scheduler=None, refresh_every: int = 20, desc="train",
          label_smoothing: float = 0.0, average: WeightAverage | None = None, step: TrainStep | None = None):
    """One epoch. Steps a per-batch scheduler (OneCycleLR, CyclicLR) after each batch.

    `step` does the work on each batch (a TrainStep, eager, unless given: fit() passes one that
    lives for the whole run, a CudaGraphStep on CUDA). label_smoothing > 0 trains towards (1 - e)
    on the true class and e/10 spread over all classes; `average` (a WeightAverage) is updated
    after each optimizer step. The bar reads the device-side loss and accuracy (one host sync)
    only every `refresh_every` batches. Returns (mean loss, accuracy in %).
    """
    model.train()
    step = step or TrainStep(model, optimizer, label_smoothing, average)
    step.reset_metrics()
    per_batch = type(scheduler).__name__ in PER_BATCH_SCHEDULERS
    bar = tqdm(loader, desc=desc, leave=False, mininterval=0.5)
    for i, (x, y) in enumerate(bar):
        step(x.to(device, non_blocking=True), y.to(device, non_blocking=True))
        if per_batch:
            scheduler.step()
        if (i + 1) % refresh_every == 0:
            loss, acc = step.metrics()
            bar.set_postfix(loss=f"{loss:.4f}", acc=f"{acc:.2f}%")
    return step.metrics()


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


def fit(model, loaders: Loaders, optimizer, epochs: int, device, scheduler=None, log=print,
        label_smoothing: float = 0.0, average: WeightAverage | None = None, cuda_graph: bool = True,
        step: TrainStep | None = None) -> dict:
    """The epoch loop. Returns the history: per-epoch lists of loss, accuracy, lr and seconds.

    Evaluation keys are named after the split: test_* normally, val_* with a holdout.
    With a WeightAverage, the averaged model is the one evaluated (and the one to keep);
    the trained model's own accuracy goes to raw_test_acc / raw_val_acc for comparison.
    On a CUDA device each training step is a replayed CUDA graph (cuda_graph=False: eager);
    `step` gives the TrainStep to use instead.
    """
    split = loaders.eval_split
    keys = ("train_loss", "train_acc", f"{split}_loss", f"{split}_acc", "lr", "seconds")
    history = {k: [] for k in keys}
    if average is not None:
        history[f"raw_{split}_acc"] = []
        clean_train = clean_images(loaders.train, device)
    step = step or train_step(model, optimizer, device, label_smoothing, average, cuda_graph)
    per_epoch = scheduler is not None and type(scheduler).__name__ not in PER_BATCH_SCHEDULERS
    for epoch in range(1, epochs + 1):
        lr = optimizer.param_groups[0]["lr"]
        start = time.perf_counter()
        train_loss, train_acc = train(model, loaders.train, optimizer, device, scheduler,
                                      desc=f"epoch {epoch}/{epochs}", step=step)
        seconds = time.perf_counter() - start
        if average is not None:
            history[f"raw_{split}_acc"].append(round(test(model, loaders.eval, device)[1], 6))
            eval_loss, eval_acc = test(average.evaluation_model(clean_train), loaders.eval, device)
        else:
            eval_loss, eval_acc = test(model, loaders.eval, device)
        if per_epoch:
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(eval_loss)
            else:
                scheduler.step()
        for key, value in zip(keys, (train_loss, train_acc, eval_loss, eval_acc, lr, seconds)):
            history[key].append(round(value, 6))
        raw = f" (trained weights {history[f'raw_{split}_acc'][-1]:.2f}%)" if average is not None else ""
        log(f"epoch {epoch:2d}  lr {lr:.5f}  train loss {train_loss:.4f} acc {train_acc:.2f}%  "
            f"{split} loss {eval_loss:.4f} acc {eval_acc:.2f}%{raw}  ({seconds:.1f}s)")
    return history


# ----------------------------------------------------------------------------
# Model report
# ----------------------------------------------------------------------------
def count_params(model: nn.Module) -> int:
    """Trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _as_pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def receptive_field_table(model: nn.Module, input_size=(1, 28, 28)) -> list[dict]:
    """Per spatial layer, in execution order: output shape, jump, receptive field and multiply-adds.

    Computed by running the model once with forward hooks, so it follows the model as
    written. RF_out = RF_in + (k_eff - 1) * jump_in; jump_out = jump_in * stride.
    """
    rows, handles = [], []
    state = {"rf": 1, "jump": 1}

    def hook(module, inputs, output):
        in_h = inputs[0].shape[-1]
        if isinstance(module, nn.Conv2d):
            k, s, d = _as_pair(module.kernel_size)[0], _as_pair(module.stride)[0], _as_pair(module.dilation)[0]
            macs = output[0].numel() * module.in_channels // module.groups * k * k
        elif isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
            k, s = _as_pair(module.kernel_size)[0], _as_pair(module.stride or module.kernel_size)[0]
            d = _as_pair(getattr(module, "dilation", 1))[0]
            macs = 0
        elif isinstance(module, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
            s = in_h // output.shape[-1]           # global pooling: one window of the whole map
            k, d, macs = in_h - (output.shape[-1] - 1) * s, 1, 0
        elif isinstance(module, nn.Linear):
            rows.append(dict(layer=names[module], type="Linear", output=tuple(output.shape[1:]),
                             jump=state["jump"], rf=state["rf"], macs=module.in_features * module.out_features))
            return
        state["rf"] += (d * (k - 1)) * state["jump"]
        state["jump"] *= s
        rows.append(dict(layer=names[module], type=type(module).__name__, output=tuple(output.shape[1:]),
                         jump=state["jump"], rf=state["rf"], macs=macs))

    spatial = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.Linear)
    names = {m: n for n, m in model.named_modules()}
    for m in model.modules():
        if isinstance(m, spatial):
            handles.append(m.register_forward_hook(hook))
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, *input_size, device=next(model.parameters()).device))
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    return rows


def count_macs(model: nn.Module, input_size=(1, 28, 28)) -> int:
    """Multiply-adds per image of the convolutions and linear layers."""
    return sum(r["macs"] for r in receptive_field_table(model, input_size))


def format_rf_table(rows: list[dict]) -> str:
    lines = [f"{'layer':<14}{'type':<18}{'output (C,H,W)':<18}{'jump':>5}{'RF':>5}{'MACs':>10}"]
    for r in rows:
        lines.append(f"{r['layer']:<14}{r['type']:<18}{str(r['output']):<18}{r['jump']:>5}{r['rf']:>5}{r['macs']:>10,}")
    return "\n".join(lines)


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


# ----------------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------------
HISTORY_KEYS = ("train_loss", "train_acc", "test_loss", "test_acc", "lr", "seconds")


def results_path(step: int, out_dir=RESULTS_DIR, suffix=".json") -> Path:
    return Path(out_dir) / f"S7_Model_{step}{suffix}"


def save_results(path, *, model, history, config: dict, device) -> dict:
    """Write one run's settings, parameter count and history as JSON; return the record."""
    record = {
        "step": config.get("step"),
        "model": type(model).__name__,
        **{k: v for k, v in config.items() if k != "step"},
        "torch": torch.__version__,
        "device": str(device),
        "python": platform.python_version(),
        "params": count_params(model),
        "macs": count_macs(model),
        "history": history,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    return record


def load_results(path) -> dict:
    return json.loads(Path(path).read_text())


def summarize(record: dict, last: int = 3) -> dict:
    """The figures the README and the Results cells quote, from one record."""
    h = record["history"]
    split = "test" if "test_acc" in h else "val"
    acc = h[f"{split}_acc"]
    return {"params": record["params"], "macs": record.get("macs"), "epochs": len(acc),
            "best_train": max(h["train_acc"]), "best_eval": max(acc), f"best_{split}": max(acc),
            "last": acc[-last:], "min_last": min(acc[-last:]), "split": split,
            "sec_per_epoch": sum(h["seconds"]) / len(h["seconds"])}


def meets_target(record: dict, target: float = TARGET_ACC, last: int = 3, max_params: int = 8000,
                 max_epochs: int = 15) -> bool:
    """The exercise's rule: < max_params, <= max_epochs, every one of the last `last` epochs >= target."""
    s = summarize(record, last)
    return s["params"] < max_params and s["epochs"] <= max_epochs and s["min_last"] >= target


def save_weights(model, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, path)
    return path


def load_model(model_cls, path, device="cpu") -> nn.Module:
    """A model class with its committed weights, in eval mode."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No weights at {path}: train the step first (python scripts/run.py --step N).")
    model = model_cls().to(device)
    model.load_state_dict(torch.load(path, map_location=device, weights_only=True))
    return model.eval()


def evaluate_weights(model_cls, path, root=None, device=None, subset: int | None = None) -> float:
    """Load committed weights and return their test accuracy (%) on the real test set."""
    device = device or pick_device()
    model = load_model(model_cls, path, device)
    x, y = load_mnist_tensors(False, root)
    loader = TensorLoader(x[:subset], y[:subset], 2000, device=device)
    return test(model, loader, device)[1]


# ----------------------------------------------------------------------------
# Plots
# ----------------------------------------------------------------------------
def plot_history(history: dict, title: str = ""):
    """Loss and accuracy per epoch, train and evaluation split."""
    import matplotlib.pyplot as plt
    split = "test" if "test_acc" in history else "val"
    epochs = range(1, len(history["train_acc"]) + 1)
    averaged = f"raw_{split}_acc" in history   # a WeightAverage run: show the trained weights too
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 3.8))
    for ax, metric in ((ax_loss, "loss"), (ax_acc, "acc")):
        ax.plot(epochs, history[f"train_{metric}"], "o-", label="train")
        ax.plot(epochs, history[f"{split}_{metric}"], "o-", label=f"{split}, weight average" if averaged else split)
        if metric == "acc" and averaged:
            ax.plot(epochs, history[f"raw_{split}_acc"], ".--", label=f"{split}, trained weights")
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy (%)" if metric == "acc" else "loss")
        ax.grid(alpha=0.3)
        ax.legend()
    ax_acc.axhline(TARGET_ACC, color="grey", ls="--", lw=0.8, label=f"{TARGET_ACC}%")
    later = history["train_acc"][1:] + history[f"{split}_acc"][1:]   # epoch 1 would squash the rest
    if later:
        ax_acc.set_ylim(min(later) - 0.3, max(max(later), TARGET_ACC) + 0.2)
    ax_loss.set_yscale("log")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _image_grid(images, titles, ncols=8, title=""):
    import matplotlib.pyplot as plt
    nrows = max(1, math.ceil(len(images) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.4 * ncols, 1.6 * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, img, t in zip(axes.flat, images, titles):
        ax.imshow(img.squeeze().cpu(), cmap="gray_r")
        ax.set_title(t, fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_samples(loader, n: int = 32):
    """A grid of training images as the model sees them (augmented if on); leaves the loader's
    epoch order and the global RNG alone."""
    if isinstance(loader, TensorLoader):
        x, y = loader.images[:n], loader.labels[:n]
        if loader.augment:
            x = random_affine(x, generator=torch.Generator(device=x.device).manual_seed(0), **loader.augment)
    else:
        with torch.random.fork_rng(devices=[]):
            x, y = zip(*(loader.dataset[i] for i in range(n)))
        x, y = torch.stack(x), torch.tensor(y)
    return _image_grid(x[:n], [str(int(v)) for v in y[:n]], title="training samples")


@torch.inference_mode()
def misclassified(model, loader, device, n: int = 32):
    """Up to n (image, true, predicted) the model gets wrong, in loader order."""
    model.eval()
    found = []
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        pred = model(x).argmax(1)
        for i in torch.nonzero(pred != y).flatten().tolist():
            found.append((x[i].cpu(), int(y[i]), int(pred[i])))
            if len(found) == n:
                return found
    return found


def show_misclassified(model, loader, device, n: int = 32):
    wrong = misclassified(model, loader, device, n)
    return _image_grid([w[0] for w in wrong], [f"true {t} pred {p}" for _, t, p in wrong],
                       title=f"misclassified (first {len(wrong)})")


# ----------------------------------------------------------------------------
# One step of the series, end to end
# ----------------------------------------------------------------------------
QUICK_TRAIN, QUICK_EVAL = 5000, 1000   # smoke mode: one epoch on this many images


class Experiment:
    """A notebook's run: seeded model, loaders, optimizer and schedule from its config.

    exp = Experiment(Model6, step=6, seed=1, epochs=15, ...); exp.fit(); exp.save()
    quick=True is the smoke mode: one epoch on a small subset. On a CUDA device each step is a
    replayed CUDA graph (cuda_graph) whose convolutions cuDNN autotunes (cudnn_autotune=False: its
    deterministic algorithms, for GPU reruns that repeat); neither changes anything on a CPU.
    """

    def __init__(self, model_cls, *, step: int, seed: int = 1, epochs: int = 15, batch_size: int = 128,
                 optimizer: dict, lr_schedule: dict | None = None, augment: dict | None = None,
                 holdout: int = 0, quick: bool = False, out_dir=RESULTS_DIR, data_root=None,
                 fast: bool = True, device=None, model_kwargs: dict | None = None,
                 label_smoothing: float = 0.0, ema_decay: float = 0.0, cuda_graph: bool = True,
                 cudnn_autotune: bool = True):
        self.device = pick_device(device)
        self.threads = set_threads()
        epochs = 1 if quick else epochs
        self.config = dict(step=step, seed=seed, epochs=epochs, batch_size=batch_size,
                           optimizer=optimizer, lr_schedule=lr_schedule, augment=augment,
                           holdout=holdout, quick=quick, data_path="tensor" if fast else "dataloader")
        if model_kwargs:
            self.config["model_kwargs"] = model_kwargs
        if label_smoothing:
            self.config["label_smoothing"] = label_smoothing
        if ema_decay:
            self.config["ema_decay"] = ema_decay
        if self.device.type == "cuda":       # CPU records stay as they were
            self.config.update(cuda_graph=cuda_graph, cudnn_autotune=cudnn_autotune)
        self.out_dir = Path(out_dir)
        seed_everything(seed)
        self.model = model_cls(**(model_kwargs or {})).to(self.device)
        subsets = dict(train_subset=QUICK_TRAIN, eval_subset=QUICK_EVAL) if quick else {}
        self.loaders = get_loaders(batch_size, augment, holdout, fast, self.device, seed, data_root, **subsets)
        self.optimizer = build_optimizer(self.model, optimizer)
        self.scheduler = build_scheduler(self.optimizer, lr_schedule, len(self.loaders.train), epochs)
        self.average = WeightAverage(self.model, ema_decay) if ema_decay else None
        self.step = self.history = None

    @property
    def final_model(self) -> nn.Module:
        """The network this run evaluates and keeps: the weight average if there is one."""
        return self.average.model if self.average is not None and self.average.model is not None else self.model

    def fit(self) -> dict:
        self.step = train_step(self.model, self.optimizer, self.device, self.config.get("label_smoothing", 0.0),
                               self.average, cuda_graph=self.config.get("cuda_graph", False),
                               cudnn_autotune=self.config.get("cudnn_autotune", False))
        self.history = fit(self.model, self.loaders, self.optimizer, self.config["epochs"],
                           self.device, self.scheduler, average=self.average, step=self.step)
        return self.history

    def save(self) -> dict:
        """results/S7_Model_N.json and the weights results/S7_Model_N.pt (in out_dir)."""
        step = self.config["step"]
        self.record = save_results(results_path(step, self.out_dir), model=self.final_model,
                                   history=self.history, config=self.config, device=self.device)
        save_weights(self.final_model, results_path(step, self.out_dir, ".pt"))
        return self.record

    # The notebook views: draw and show (returning the figure too would show it twice).
    def show_samples(self):
        show(show_samples(self.loaders.train))

    def plot(self):
        show(plot_history(self.history, f"{type(self.model).__name__}, seed {self.config['seed']}"))

    def show_misclassified(self, n: int = 32):
        show(show_misclassified(self.final_model, self.loaders.eval, self.device, n))


def show(fig):
    """Show a figure in a notebook (and close it elsewhere)."""
    import matplotlib.pyplot as plt
    if "inline" in plt.get_backend() or "ipympl" in plt.get_backend():
        plt.show()
    else:
        plt.close(fig)


# ----------------------------------------------------------------------------
# Robustness: the test set under fixed, seeded perturbations
# ----------------------------------------------------------------------------
ROBUSTNESS_SEED = 0


def _signs(n, g):
    return torch.randint(0, 2, (n,), generator=g).float() * 2 - 1


def _pixels(x):       # normalised -> [0, 1]
    return x * STD + MEAN


def _normalised(p):   # [0, 1] -> normalised
    return (p - MEAN) / STD


def _morph(x, sign):
    """2x2 dilation (sign=+1) or erosion (sign=-1) of the ink; the size is kept."""
    padded = F.pad(sign * x, (0, 1, 0, 1), value=sign * BACKGROUND)
    return sign * F.max_pool2d(padded, 2, 1)


PERTURBATIONS = {
    "clean": lambda x, g: x,
    "rotate ±15°": lambda x, g: affine(x, _signs(len(x), g) * math.radians(15), torch.zeros(len(x)), torch.zeros(len(x))),
    "shift ±3 px": lambda x, g: affine(x, torch.zeros(len(x)), _signs(len(x), g) * 3, _signs(len(x), g) * 3),
    "noise σ=0.3": lambda x, g: _normalised((_pixels(x) + 0.3 * torch.randn(x.shape, generator=g)).clamp(0, 1)),
    "thicker": lambda x, g: _morph(x, +1),    # strokes 1 px wider
    "thinner": lambda x, g: _morph(x, -1),    # strokes 1 px narrower
}


@torch.inference_mode()
def robustness(model, images_uint8, labels, device="cpu", seed: int = ROBUSTNESS_SEED,
               batch_size: int = 2000) -> dict:
    """Accuracy (%) of the model on the images under each perturbation (same seed, same images)."""
    model.eval().to(device)
    x = normalise(images_uint8)
    out = {}
    for name, perturb in PERTURBATIONS.items():
        g = torch.Generator().manual_seed(seed)
        xp = perturb(x, g)
        correct = sum((model(xp[i:i + batch_size].to(device)).argmax(1).cpu() == labels[i:i + batch_size]).sum().item()
                      for i in range(0, len(x), batch_size))
        out[name] = round(100.0 * correct / len(x), 2)
    return out


# ----------------------------------------------------------------------------
# Your own digit: preprocess a photo or drawing the way MNIST was made
# ----------------------------------------------------------------------------
class ImageInputError(ValueError):
    """The image cannot be used as a digit; the message says why."""


def _read_grey(path) -> torch.Tensor:
    from PIL import Image, UnidentifiedImageError
    path = Path(path)
    if not path.is_file():
        raise ImageInputError(f"{path}: no such file")
    try:
        with Image.open(path) as img:
            img.load()
            if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
                # transparent drawings: put them on white first
                canvas = Image.new("RGBA", img.size, "white")
                canvas.alpha_composite(img.convert("RGBA"))
                img = canvas
            grey = img.convert("L")
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise ImageInputError(f"{path}: not a readable image ({err.__class__.__name__}); use a PNG or JPEG") from None
    return torch.frombuffer(bytearray(grey.tobytes()), dtype=torch.uint8).view(grey.height, grey.width).float() / 255


def to_mnist_format(grey: torch.Tensor) -> torch.Tensor:
    """A grey image in [0, 1] (any size, either polarity) -> 28x28 ink in [0, 1], as MNIST was made:
    light ink on dark, cropped to the ink, fitted in a 20x20 box keeping the aspect ratio,
    and placed so that its centre of mass is at the centre of the 28x28 field."""
    border = torch.cat([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    background = border.median()
    ink = grey - background if background < 0.5 else background - grey   # light-on-dark either way
    ink = (ink / max(float(ink.max()), 1e-6)).clamp(0, 1)
    if float((grey - background).abs().max()) < 0.15:
        raise ImageInputError("the image has no ink: draw a dark digit on a light background or the reverse")
    ink[ink < 0.2] = 0                                                      # paper texture, not strokes
    rows, cols = torch.nonzero(ink, as_tuple=True)
    ink = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    h, w = ink.shape
    scale = 20 / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    box = F.interpolate(ink[None, None], size=size, mode="bilinear", antialias=True, align_corners=False)[0, 0]
    box = box.clamp(0, 1)
    ys, xs = torch.arange(size[0]).float(), torch.arange(size[1]).float()
    mass = box.sum()
    com_y, com_x = float((box.sum(1) * ys).sum() / mass), float((box.sum(0) * xs).sum() / mass)
    top = min(max(round(13.5 - com_y), 0), 28 - size[0])
    left = min(max(round(13.5 - com_x), 0), 28 - size[1])
    out = torch.zeros(28, 28)
    out[top:top + size[0], left:left + size[1]] = box
    return out


def load_digit(path) -> torch.Tensor:
    """The image at `path` as a 28x28 MNIST-style digit in [0, 1]."""
    return to_mnist_format(_read_grey(path))


@torch.inference_mode()
def predict_digit(model, path, device="cpu"):
    """(predicted digit, probabilities of the ten classes, the 28x28 input the model saw)."""
    digit = load_digit(path)
    model.eval()
    logits = model(((digit - MEAN) / STD)[None, None].to(device))
    probs = F.softmax(logits, dim=1)[0].cpu()          # softmax of log-probs gives the probs back
    return int(probs.argmax()), probs, digit


def show_predictions(model, paths, device="cpu", pairs_per_row: int = 2):
    """For each image: the 28x28 input the model saw beside a bar chart of the ten probabilities."""
    import matplotlib.pyplot as plt
    paths = list(paths)
    nrows = math.ceil(len(paths) / pairs_per_row)
    fig, axes = plt.subplots(nrows, 2 * pairs_per_row, figsize=(5 * pairs_per_row, 1.7 * nrows), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 2.2] * pairs_per_row})
    for ax in axes.flat:
        ax.axis("off")
    for k, path in enumerate(paths):
        ax_img, ax_bar = axes[k // pairs_per_row, 2 * (k % pairs_per_row):2 * (k % pairs_per_row) + 2]
        digit, probs, image = predict_digit(model, path, device)
        ax_img.imshow(image, cmap="gray")
        ax_img.set_title(Path(path).name, fontsize=8)
        ax_bar.axis("on")
        ax_bar.bar(range(10), probs, color=["C3" if i == digit else "C0" for i in range(10)])
        ax_bar.set(xticks=range(10), ylim=(0, 1))
        ax_bar.set_title(f"predicted {digit} ({100 * probs[digit]:.1f}%)", fontsize=9)
    fig.tight_layout()
    return fig
