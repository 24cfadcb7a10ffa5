"""CUDA graphs: train()'s update and the batch augmentation captured once and replayed, cuDNN autotuned.

On a GPU a network this small spends its time launching a few hundred tiny kernels per batch; a
replayed graph is one launch. On a CPU nothing here is used, except capture=False, which tests the update's arithmetic.
"""
from __future__ import annotations

import contextlib
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

from s7.core.augment import apply_affine


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


def side_stream_warmup(work, device) -> None:
    """Run `work` on a side stream, as a capture's warm-up must (cuDNN, autograd, allocator settle)."""
    side = torch.cuda.Stream(device)
    side.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(side):
        work()
    torch.cuda.current_stream(device).wait_stream(side)


def cuda_graph(device, cudnn_autotune: bool = True) -> "CudaGraph | None":
    """What train(graph=...) takes: a CudaGraph on a CUDA device, None elsewhere (train then runs
    every update eagerly). cudnn_autotune=False keeps cuDNN's deterministic algorithms in the graph."""
    return CudaGraph(cudnn_autotune=cudnn_autotune) if torch.device(device).type == "cuda" else None


def has_dropout(model: nn.Module) -> bool:
    """Whether a network holds a dropout layer that drops anything."""
    return any(isinstance(m, nn.modules.dropout._DropoutNd) and m.p > 0 for m in model.modules())


class CudaGraph:
    """train()'s update on one batch (forward, loss, backward, SGD step, weight-average update),
    captured once as a CUDA graph and then replayed.

    train() hands each batch to step(), which asks ready() and runs the update eagerly when it says no: the run's
    first batch (torch's SGD makes its momentum buffers, and a scheduler sees optimizer.step()
    called), before the weight average's first update (which copies), for a batch of another size
    (an epoch's last), for an optimizer other than plain SGD, or after a failed capture (one
    warning). The first ready() binds the graph to train()'s model, optimizer and weight average.

    The batch is copied into static buffers. The SGD update (weight decay, momentum, Nesterov) is
    written out with foreach ops reading the learning rate, momentum and weight decay from device
    tensors, which are refilled from the optimizer's param group before every replay: a schedule of
    any of them stays exact, and the optimizer's momentum buffers are the ones the graph updates, so
    eager and replayed batches interleave freely. What changes the update's shape (Nesterov, weight
    decay or momentum switched on or off) is refused with a ValueError. Warm-up iterations run on a
    side stream and the state is restored before capture, so replayed training is eager training
    within float rounding. capture=False runs the same update eagerly (to test its arithmetic on any
    device). With cudnn_autotune the warm-up lets cuDNN time its algorithms and the graph keeps the
    fastest (an H200 ran step 6's graphed update in 0.50 ms instead of 0.61); the eager batches and
    evaluations stay deterministic. GPU reruns may then differ in the last digits.
    """

    def __init__(self, cudnn_autotune: bool = True, capture: bool = True):
        self.cudnn_autotune, self.capture = cudnn_autotune, capture
        self.model = None               # model, optimizer, average: the first ready()'s
        self.graph, self.failed, self.buffers = None, False, None
        self.static_x = self.static_y = self.out = self.loss = None
        self.replays = 0                # batches whose update replay() did (the rest ran eagerly)

    def step(self, x, y, model, optimizer, average=None):
        """train()'s update on one batch, handed over by train(): replayed as the CUDA graph when ready()
        says so, otherwise the same lines as train()'s, eagerly. Returns (output, loss)."""
        if self.ready(x, y, model, optimizer, average):
            return self.replay(x, y)
        optimizer.zero_grad(set_to_none=True)
        out = model(x)
        loss = F.cross_entropy(out, y)
        loss.backward()
        optimizer.step()
        if average is not None:
            average.update(model)
        return out, loss

    def ready(self, x, y, model, optimizer, average=None) -> bool:
        """Whether replay(x, y) does this batch's update (capturing the graph on the first batch it can)."""
        if self.failed:
            return False
        if self.model is None:
            self._bind(model, optimizer, average)
            if self.capture and has_dropout(model):
                self.failed = True                         # eager from here on, said once
                print("dropout: this network trains eagerly on CUDA; a CUDA graph holding dropout has never "
                      "been run on a GPU for this project, so the tested eager path trains it")
            return False                                   # the first batch is eager (see above)
        elif model is not self.model or optimizer is not self.optimizer or average is not self.average:
            raise ValueError("this CudaGraph holds another run's update: build one per run (utils.cuda_graph)")
        if average is not None and int(average.ema.n_averaged) == 0:
            return False                                   # the average's first update copies: eager
        if self.buffers is None:
            self.buffers = self._momentum_buffers()
        if self.capture and self.graph is None:
            try:
                self._capture(x, y)
            except Exception as err:   # any capture failure: train on, eagerly
                self.failed = True
                warnings.warn(f"CUDA graph capture failed ({type(err).__name__}: {err}); training eagerly")
                return False
        return not self.capture or len(y) == len(self.static_y)

    def replay(self, x, y):
        """This batch's update; returns (output, loss) as the eager update would."""
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
        self.replays += 1
        return self.out, self.loss

    def _bind(self, model, optimizer, average) -> None:
        group = optimizer.param_groups[0]
        if (type(optimizer) is not torch.optim.SGD or len(optimizer.param_groups) != 1
                or group["dampening"] or group["maximize"]):
            self.failed = True
            warnings.warn("CUDA graphs replay plain SGD (one param group, no dampening, not maximize); "
                          f"{type(optimizer).__name__} trains eagerly")
            return
        self.model, self.optimizer, self.average = model, optimizer, average
        self.params, self.shape = list(group["params"]), self._update_shape(group)
        like = dict(device=self.params[0].device, dtype=self.params[0].dtype)   # a float32 rate would round a float64 run's
        self.lr, self.momentum, self.weight_decay = (torch.tensor(float(group[k]), **like)
                                                     for k in ("lr", "momentum", "weight_decay"))
        self.buffers = None                 # torch's SGD makes them on the first (eager) batch

    @staticmethod
    def _update_shape(group) -> dict:
        """What the written-out update's operations depend on (the values are tensors, refilled)."""
        return dict(weight_decay=group["weight_decay"] != 0, momentum=group["momentum"] != 0,
                    nesterov=group["nesterov"], dampening=group["dampening"], maximize=group["maximize"])

    def _momentum_buffers(self) -> list[torch.Tensor]:
        if not self.shape["momentum"]:
            return []
        buffers = []
        for p in self.params:          # SGD updates a buffer it finds in place; a zero one gives its first step
            state = self.optimizer.state[p]
            if state.get("momentum_buffer") is None:
                state["momentum_buffer"] = torch.zeros_like(p)
            buffers.append(state["momentum_buffer"])
        return buffers

    def _averaged_tensors(self):
        ema = self.average.ema
        return list(ema.module.parameters()), list(ema.module.buffers()), list(self.model.buffers())

    @torch.no_grad()
    def _update(self) -> None:
        """torch.optim.SGD's step, then the weight average's, with lr and momentum as tensors."""
        grads = [p.grad for p in self.params]
        if self.shape["weight_decay"]:
            torch._foreach_add_(grads, torch._foreach_mul(self.params, self.weight_decay))
        direction = grads
        if self.shape["momentum"]:
            torch._foreach_mul_(self.buffers, self.momentum)
            torch._foreach_add_(self.buffers, grads)
            if self.shape["nesterov"]:
                torch._foreach_add_(grads, torch._foreach_mul(self.buffers, self.momentum))
            else:
                direction = self.buffers
        torch._foreach_sub_(self.params, torch._foreach_mul(direction, self.lr))
        if self.average is not None:
            ema_params, ema_buffers, model_buffers = self._averaged_tensors()
            torch._foreach_lerp_(ema_params, self.params, 1 - self.average.decay)
            if ema_buffers:                                        # Model1 and Model2 have none
                torch._foreach_copy_(ema_buffers, model_buffers)   # as AveragedModel keeps them

    def _body(self) -> None:
        self.out = self.model(self.static_x)
        self.loss = F.cross_entropy(self.out, self.static_y)
        self.loss.backward()
        self._update()

    def _state(self) -> list[torch.Tensor]:
        """Everything an update changes, to restore after the warm-up iterations."""
        state = self.params + list(self.model.buffers()) + self.buffers
        if self.average is not None:
            ema_params, ema_buffers, _ = self._averaged_tensors()
            state += ema_params + ema_buffers
        return state

    def _warmup(self) -> None:
        for _ in range(3):
            self.optimizer.zero_grad(set_to_none=True)
            self._body()

    def _capture(self, x, y) -> None:
        self.static_x, self.static_y = x.clone(), y.clone()
        state = self._state()
        saved = [t.detach().clone() for t in state]
        try:
            # the warm-up times cuDNN's algorithms (with autotuning) and the capture keeps the winners
            with cudnn_autotuned() if self.cudnn_autotune else contextlib.nullcontext():
                with torch.random.fork_rng(devices=[x.device]):      # warm-up draws no dropout masks
                    side_stream_warmup(self._warmup, x.device)
                graph = torch.cuda.CUDAGraph()
                self.optimizer.zero_grad(set_to_none=True)
                with torch.cuda.graph(graph):
                    self._body()
            # kept referenced: an eager update in between sets p.grad to None, and every replay still
            # writes the gradients into these buffers
            self.graph, self.graph_grads = graph, [p.grad for p in self.params]
        finally:
            with torch.no_grad():
                for tensor, value in zip(state, saved):
                    tensor.copy_(value)

    def _sync_hyperparameters(self) -> None:
        group = self.optimizer.param_groups[0]
        if self._update_shape(group) != self.shape:
            raise ValueError(f"the optimizer's settings changed during training ({self.shape} when bound, now "
                             f"{self._update_shape(group)}): a CUDA graph holds the update's operations, so "
                             f"change only lr, momentum and weight_decay values, or train with graph=None")
        for tensor, key in ((self.lr, "lr"), (self.momentum, "momentum"), (self.weight_decay, "weight_decay")):
            tensor.fill_(group[key])


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
        side_stream_warmup(lambda: apply_affine(static_x, static_draws, **self.augment), x.device)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            out = apply_affine(static_x, static_draws, **self.augment)
        self.graphs[len(x)] = (graph, static_x, static_draws, out)
