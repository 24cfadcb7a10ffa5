"""A seeded run built from a recipe dict, for the studies that train many runs (the one-at-a-time
ladders, the public recipes, the validation search, the benchmark): the cells of a notebook, config
to saved record, as one object.

  run = SeededRun(Model6, seed=1, **notebook_recipe(notebook_parameters(6)))
  run.train(); run.save(out_dir)

The optimizer and the schedule are torch classes named in the dicts. The epoch loop is the
notebooks' loop over utils.train and utils.test (tests/test_recipe.py checks that both give the same run).
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import torch
import torch.nn as nn

import utils
from s7.core import gpu
from s7.core.history import History
from s7.core.loaders import Loaders
from s7.core.pixels import normalise
from s7.core.places import results_path
from s7.core.schedules import is_per_batch

VALIDATION_HOLDOUT = 5000     # the validation split: the last 5,000 training images, held out of training


def notebook_recipe(params: dict) -> dict:
    """SeededRun's keyword arguments from a notebook's parameters cell (notebook_parameters): the one
    way a study turns a notebook's config into a run; change a part with dict(recipe, key=value)."""
    schedule = params.get("LR_SCHEDULE")
    return dict(epochs=params["EPOCHS"], batch_size=params["BATCH_SIZE"],
                optimizer=dict(name="SGD", **params["OPTIMIZER"]),
                lr_schedule=dict(name="OneCycleLR", **schedule) if schedule else None,
                augment=params["AUGMENT"], ema_decay=params.get("EMA_DECAY", 0.0))


def build_optimizer(model, spec: dict) -> torch.optim.Optimizer:
    """spec = {"name": "SGD", "lr": 0.01, "momentum": 0.9, ...}: any torch.optim class."""
    spec = dict(spec)
    return getattr(torch.optim, spec.pop("name"))(model.parameters(), **spec)


SCHEDULERS: dict = {}     # schedules beyond torch's, by name: the public recipes' (s7/studies/public.py)


def build_scheduler(optimizer, spec: dict | None, steps_per_epoch: int, epochs: int, eval_split: str):
    """spec = {"name": "OneCycleLR", "max_lr": 0.1, ...}: any torch.optim.lr_scheduler class.

    OneCycleLR is told the run's length here. ReduceLROnPlateau steps on the evaluation loss, so
    it is refused when the evaluation split is the test set: that would tune on the test set.
    """
    if not spec:
        return None
    spec = dict(spec)
    name = spec.pop("name")
    if name == "ReduceLROnPlateau" and eval_split == "test":
        raise ValueError("ReduceLROnPlateau would step on the test loss: hold out a validation split "
                         "(holdout > 0) or choose a schedule that does not read the evaluation loss")
    if name == "OneCycleLR" or name in SCHEDULERS:
        spec.update(steps_per_epoch=steps_per_epoch, epochs=epochs)
    return (SCHEDULERS.get(name) or getattr(torch.optim.lr_scheduler, name))(optimizer, **spec)


class GradientClipping:
    """An optimizer whose step first clips the gradients' total norm to max_norm (a public recipe's
    clipping): utils.train calls its zero_grad and step like any optimizer's."""

    def __init__(self, optimizer: torch.optim.Optimizer, max_norm: float):
        self.optimizer, self.max_norm = optimizer, max_norm
        self.params = [p for group in optimizer.param_groups for p in group["params"]]

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.optimizer.zero_grad(set_to_none=set_to_none)

    def step(self) -> None:
        nn.utils.clip_grad_norm_(self.params, self.max_norm)
        self.optimizer.step()


def clean_images(loader, device) -> torch.Tensor:
    """The normalised, un-augmented images of a training loader (the tensor loader or a DataLoader)."""
    if hasattr(loader, "images"):
        return loader.images.to(device)
    return normalise(loader.dataset.images).to(device)


class SeededRun:
    """One seeded run built from a recipe: model, loaders, optimizer, schedule, weight average,
    CUDA graph. quick=True: one epoch (on a small subset of the project's loaders). On a CUDA device
    each update is a replayed CUDA graph (cuda_graph=False: eager) whose convolutions cuDNN autotunes
    (cudnn_autotune=False: its deterministic algorithms); neither changes anything on a CPU."""

    def __init__(self, model_cls, *, notebook: int = 0, seed: int = 1, epochs: int = 15, batch_size: int = 128,
                 optimizer: dict, lr_schedule: dict | None = None, augment: dict | None = None,
                 holdout: int = 0, quick: bool = False, data_root=None, device=None,
                 model_kwargs: dict | None = None, ema_decay: float = 0.0, max_grad_norm: float | None = None,
                 cuda_graph: bool = True, cudnn_autotune: bool = True, loaders: Loaders | None = None,
                 data_path: str = "tensor"):
        self.device = utils.pick_device(device)
        utils.set_threads()
        epochs = 1 if quick else epochs
        # what the record calls the data path; given loaders name their own
        self.notebook, self.data_path = notebook, data_path
        self.recipe = dict(seed=seed, epochs=epochs, batch_size=batch_size, optimizer=optimizer,
                           lr_schedule=lr_schedule, augment=augment, holdout=holdout, quick=quick,
                           model_kwargs=model_kwargs, ema_decay=ema_decay, max_grad_norm=max_grad_norm)
        utils.seed_everything(seed)
        self.model = model_cls(**(model_kwargs or {})).to(self.device)
        # loaders: given ones (a public solution's own DataLoader) replace the project's
        self.loaders = loaders or utils.get_loaders(batch_size=batch_size, augment=augment, holdout=holdout,
                                                    device=self.device, seed=seed, root=data_root, quick=quick)
        self.optimizer = build_optimizer(self.model, optimizer)
        self.scheduler = build_scheduler(self.optimizer, lr_schedule, steps_per_epoch=len(self.loaders.train),
                                         epochs=epochs, eval_split=self.loaders.eval_split)
        self.average = utils.WeightAverage(self.model, ema_decay) if ema_decay else None
        # clipping is not captured in a graph: a clipped run trains eagerly
        self.graph = gpu.cuda_graph(self.device, cudnn_autotune) if cuda_graph and max_grad_norm is None else None
        self.history = self.record = None

    @property
    def final_model(self):
        """The network this run evaluates and keeps: the weight average if there is one."""
        return self.average.model if self.average is not None and self.average.model is not None else self.model

    def train(self, epochs: int | None = None) -> dict:
        """The epoch loop of the notebooks (`epochs`: stop after that many of the recipe's)."""
        model, loaders, device = self.model, self.loaders, self.device
        max_norm = self.recipe["max_grad_norm"]
        optimizer = GradientClipping(self.optimizer, max_norm) if max_norm is not None else self.optimizer
        per_batch = self.scheduler if is_per_batch(self.scheduler) else None
        total = self.recipe["epochs"]
        self.history = History(loaders.eval_split, averaged=self.average is not None)
        clean = clean_images(loaders.train, device) if self.average is not None else None
        for epoch in range(1, (epochs or total) + 1):
            lr = self.optimizer.param_groups[0]["lr"]
            start = time.perf_counter()
            train_loss, train_acc = utils.train(model, loaders.train, optimizer, device=device, scheduler=per_batch,
                                                average=self.average, graph=self.graph, desc=f"epoch {epoch}/{total}")
            seconds = time.perf_counter() - start
            trained_acc = None
            if self.average is not None:
                trained_acc = utils.test(model, loaders.eval, device)[1]
                test_loss, test_acc = utils.test(self.average.evaluation_model(clean), loaders.eval, device)
            else:
                test_loss, test_acc = utils.test(model, loaders.eval, device)
            if self.scheduler is not None and per_batch is None:
                if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                    self.scheduler.step(test_loss)          # a validation loss: build_scheduler refuses the test split
                else:
                    self.scheduler.step()
            self.history.add(epoch, lr=lr, train_loss=train_loss, train_acc=train_acc, eval_loss=test_loss,
                             eval_acc=test_acc, seconds=seconds, trained_acc=trained_acc)
        return self.history

    def save(self, out_dir, **extra) -> dict:
        """<out_dir>/S7_Model_<notebook>.json and its weights (.pt): the final model's, with its fit on
        the clean training images where the loader holds them as tensors (the project's loaders; a
        public solution's own DataLoader does not); `extra`: more fields for the record."""
        fit = (utils.training_fit(self.final_model, self.loaders.train, self.device)
               if hasattr(self.loaders.train, "images") else None)
        self.record = utils.save_run(out_dir, self.notebook, self.final_model, history=self.history, device=self.device,
                                     graph=self.graph, fit=fit, data_path=self.data_path, **self.recipe, **extra)
        return self.record


def save_as(run: SeededRun, path, **extra) -> dict:
    """A fitted run's record written as `path` (no weights): one file of a study; returns the record."""
    with tempfile.TemporaryDirectory() as tmp:
        record = run.save(tmp, **extra)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(results_path(0, tmp), path)
    return record


