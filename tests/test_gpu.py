"""utils.train with a CudaGraph replays eager training: same weights, BatchNorm statistics, weight
average, schedule and metrics. Checked in float64, where the two differ only by rounding; the update
the graph holds is also checked on the CPU (capture=False), so CI covers its arithmetic.

What only a CUDA GPU can test, and CI (no GPU) therefore never does: the capture itself (the static
buffers, the side-stream warm-up and the state restored before capture), dropout's masks and label
smoothing under a real capture, cuDNN's autotuned algorithms inside the graph and the deterministic
setting restored after it, and GraphedAugment's captured affine warp. The CUDA tests at the end of
this file cover them where a GPU is present."""
import copy
import warnings

import pytest
import torch

import utils
from models import Model2, Model4, Model6
from s7.core.augment import draw_affine, random_affine
from s7.core.gpu import CudaGraph, GraphedAugment, cuda_graph, cudnn_autotuned

BATCHES, BATCH, SMALL = 50, 64, 40   # every 20th batch and the last are smaller: they run eagerly between replays
# float64: the two updates round differently (the graph multiplies lr by the step where SGD adds -lr
# times it); measured over 50 batches, at most 3e-16 apart. A wrong update is off by 1e-3 or more,
# a rate held in float32 by about 1e-10
TOL = dict(rtol=1e-12, atol=1e-12)


def small_net():
    """Conv, BatchNorm, pooling and a classifier, small enough for float64 on a CPU in a second."""
    return torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, bias=False), torch.nn.ReLU(), torch.nn.BatchNorm2d(4),
                               torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 10),
                               torch.nn.LogSoftmax(dim=1))


def batches(device, size, count=BATCHES):
    g = torch.Generator().manual_seed(1)
    out = []
    for i in range(count):
        n = SMALL if i % 20 == 19 or i == count - 1 else BATCH     # an epoch's last batch is short
        out.append((torch.randn(n, 1, size, size, generator=g, dtype=torch.float64).to(device),
                    torch.randint(0, 10, (n,), generator=g).to(device)))
    return out


STEP6 = dict(optimizer=dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4), onecycle=True, ema=0.9)
# every configuration the notebooks and scripts train with: (model, image size, recipe)
CONFIGS = {
    "plain momentum (notebooks 1-5)": (small_net, 8, dict(optimizer=dict(lr=0.01, momentum=0.9))),
    "Nesterov, weight decay, OneCycle, average (notebook 6)": (small_net, 8, STEP6),
    "momentum 0": (small_net, 8, dict(optimizer=dict(lr=0.05))),
    "a schedule, no weight average": (small_net, 8, dict(optimizer=dict(lr=0.1, momentum=0.9), onecycle=True)),
    "an average of a model without buffers (Model2)": (Model2, 28, dict(optimizer=dict(lr=0.01, momentum=0.9), ema=0.9)),
    "dropout (Model4)": (Model4, 28, dict(optimizer=dict(lr=0.01, momentum=0.9))),
    "a weight decay changed between batches": (small_net, 8, dict(optimizer=dict(lr=0.1, momentum=0.9, weight_decay=1e-3),
                                                                  decay_schedule=True)),
}


class DecaySchedule:
    """A per-batch schedule of the weight decay (its value only): the graph must refill it every replay."""
    per_batch = True

    def __init__(self, optimizer, **_):
        self.optimizer, self.steps = optimizer, 0

    def step(self):
        self.steps += 1
        self.optimizer.param_groups[0]["weight_decay"] = 1e-3 * (1 + self.steps % 7)


def twin_runs(device, capture: bool, make_model=small_net, size=8, recipe=STEP6, cudnn_autotune=False, count=BATCHES):
    """utils.train from one state over the same batches: eagerly, and through a CudaGraph. Each run
    starts from the same RNG state, so a dropout model draws the same masks in both."""
    utils.seed_everything(0)
    base = make_model().double().to(device)
    data = batches(device, size, count)
    runs = []
    for graph in (None, CudaGraph(cudnn_autotune=cudnn_autotune, capture=capture)):
        model = copy.deepcopy(base)
        optimizer = torch.optim.SGD(model.parameters(), **recipe["optimizer"])
        scheduler = (torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=count, pct_start=0.2)
                     if recipe.get("onecycle") else DecaySchedule(optimizer) if recipe.get("decay_schedule") else None)
        average = utils.WeightAverage(model, recipe["ema"]) if recipe.get("ema") else None
        torch.manual_seed(1)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            metrics = utils.train(model, data, optimizer, device=device, scheduler=scheduler, average=average,
                                  graph=graph)
        runs.append(dict(model=model, optimizer=optimizer, average=average, graph=graph, metrics=metrics,
                         lr=optimizer.param_groups[0]["lr"], warnings=[str(w.message) for w in caught]))
    return runs


def assert_same(eager, graphed):
    assert graphed["warnings"] == eager["warnings"] == []       # no scheduler warning on the replayed path
    models = [(eager["model"], graphed["model"])]
    if eager["average"] is not None:
        models.append((eager["average"].ema, graphed["average"].ema))
    for a, b in models:
        b_state = b.state_dict()
        for name, value in a.state_dict().items():      # weights, BatchNorm statistics, the average's weights
            assert torch.allclose(value.double(), b_state[name].double(), **TOL), name
    assert eager["lr"] == graphed["lr"]
    for p_a, p_b in zip(eager["model"].parameters(), graphed["model"].parameters()):
        buf_a = eager["optimizer"].state[p_a].get("momentum_buffer")
        buf_b = graphed["optimizer"].state[p_b].get("momentum_buffer")
        assert (buf_a is None) == (buf_b is None) or not buf_b.any()
        if buf_a is not None:
            assert torch.allclose(buf_a, buf_b, **TOL)
    assert eager["metrics"] == pytest.approx(graphed["metrics"], rel=1e-12)


@pytest.mark.parametrize("config", CONFIGS)
def test_graph_update_matches_sgd_and_the_weight_average_on_cpu(config):
    make_model, size, recipe = CONFIGS[config]
    count = 12 if size == 28 else BATCHES          # the 28x28 models: fewer batches, still a short last one
    eager, same_update = twin_runs("cpu", capture=False, make_model=make_model, size=size, recipe=recipe, count=count)
    assert same_update["graph"].graph is None and same_update["graph"].model is not None
    assert same_update["graph"].replays == count - 1        # every batch but the first (eager) went through replay()
    assert_same(eager, same_update)


def test_a_changed_update_shape_is_refused():
    model = small_net().double()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    data = batches("cpu", 8, 4)
    graph = CudaGraph(capture=False)
    utils.train(model, data, optimizer, "cpu", graph=graph)
    optimizer.param_groups[0]["weight_decay"] = 2e-4         # a value change the update reads: fine
    utils.train(model, data, optimizer, "cpu", graph=graph)
    optimizer.param_groups[0]["nesterov"] = True             # the only switch: a change of its operations, refused
    with pytest.raises(ValueError, match="settings changed"):
        utils.train(model, data, optimizer, "cpu", graph=graph)
    optimizer.param_groups[0]["nesterov"] = False
    optimizer.param_groups[0]["weight_decay"] = 0.0          # weight decay switched off: refused too
    with pytest.raises(ValueError, match="settings changed"):
        utils.train(model, data, optimizer, "cpu", graph=graph)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("cudnn_autotune", [False, True])
def test_graphed_steps_replay_eager_training_on_cuda(cudnn_autotune):
    eager, graphed = twin_runs("cuda", capture=True, make_model=Model6, size=28, cudnn_autotune=cudnn_autotune)
    assert graphed["graph"].graph is not None and not graphed["graph"].failed
    assert_same(eager, graphed)
    assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark   # restored after capture


def test_cudnn_autotuning_is_confined_to_its_block():
    utils.seed_everything(0)
    with pytest.raises(RuntimeError):
        with cudnn_autotuned():
            assert torch.backends.cudnn.benchmark and not torch.backends.cudnn.deterministic
            raise RuntimeError("a failed capture")
    assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark


def test_a_graph_is_built_for_cuda_only_and_binds_to_one_run():
    assert cuda_graph("cpu") is None and isinstance(cuda_graph("cuda"), CudaGraph)
    graph = CudaGraph(capture=False)
    x, y = torch.randn(4, 1, 8, 8), torch.randint(0, 10, (4,))
    model = small_net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    assert not graph.ready(x, y, model, optimizer)       # binds; the first batch is eager
    assert graph.ready(x, y, model, optimizer)
    with pytest.raises(ValueError, match="another run"):
        graph.ready(x, y, small_net(), optimizer)


def test_other_optimizers_train_eagerly_with_one_warning():
    model = small_net()
    adam = torch.optim.Adam(model.parameters())
    graph = CudaGraph()
    x, y = torch.randn(4, 1, 8, 8), torch.randint(0, 10, (4,))
    with pytest.warns(UserWarning, match="plain SGD"):
        assert not graph.ready(x, y, model, adam)
    assert not graph.ready(x, y, model, adam)          # decided once: no second warning, no error


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("config", ["dropout (Model4)"])
def test_dropout_replays_under_a_real_capture(config):
    make_model, size, recipe = CONFIGS[config]
    eager, graphed = twin_runs("cuda", capture=True, make_model=make_model, size=size, recipe=recipe, count=12)
    assert graphed["graph"].graph is not None and not graphed["graph"].failed and graphed["graph"].replays > 0
    assert_same(eager, graphed)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_training_uses_the_graph(fake_root, tmp_path):
    from s7.studies.recipe import SeededRun
    seeded = SeededRun(Model6, seed=1, epochs=2, batch_size=16, optimizer=dict(name="SGD", lr=0.05, momentum=0.9),
                    lr_schedule=dict(name="OneCycleLR", max_lr=0.1), ema_decay=0.9, augment={"degrees": 8, "shift": 2},
                    data_root=fake_root, device="cuda")
    seeded.train()
    assert seeded.graph is not None and seeded.graph.graph is not None and seeded.graph.cudnn_autotune
    record = seeded.save(tmp_path)
    assert record["cuda_graph"] is True and record["cudnn_autotune"] is True
    assert len(seeded.history["test_acc"]) == 2


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_graphed_augmentation_gives_the_eager_images():
    x = torch.randn(70, 1, 28, 28, device="cuda")
    augment = dict(degrees=8, shift=2, scale=0.1, p=0.5)
    graphed = GraphedAugment(augment)
    for n in (64, 64, 6):                 # a capture, a replay, a second batch size
        eager = random_affine(x[:n], generator=torch.Generator("cuda").manual_seed(n), **augment)
        draws = draw_affine(n, torch.Generator("cuda").manual_seed(n), "cuda", p=0.5, scale=0.1)
        assert torch.equal(graphed(x[:n], draws), eager)


@pytest.mark.skipif(torch.cuda.is_available(), reason="capture succeeds here")
def test_a_failed_capture_warns_once_and_trains_eagerly():
    x, y = torch.randn(8, 1, 28, 28), torch.randint(0, 10, (8,))
    augment = dict(degrees=8, shift=2)
    graphed = GraphedAugment(augment)
    with pytest.warns(UserWarning, match="augmenting eagerly"):
        out = graphed(x, draw_affine(8, torch.Generator().manual_seed(0), "cpu"))
    assert torch.equal(out, random_affine(x, generator=torch.Generator().manual_seed(0), **augment))
    models = []
    for graph in (None, CudaGraph()):
        torch.manual_seed(0)
        models.append(small_net())
        optimizer = torch.optim.SGD(models[-1].parameters(), lr=0.1, momentum=0.9)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            utils.train(models[-1], [(x, y)] * 3, optimizer, "cpu", graph=graph)
        assert len(caught) == (1 if graph is not None else 0)   # one line, then eager
    for a, b in zip(models[0].state_dict().values(), models[1].state_dict().values()):
        assert torch.equal(a, b)


def test_a_network_with_dropout_trains_eagerly_under_a_graph(capsys):
    """Until a CUDA graph holding dropout has run on a GPU, a capturing graph declines such a network on its
    first batch, says so once, and every batch trains eagerly (here on the CPU: capture is never tried)."""
    utils.seed_everything(0)
    model = Model4().double()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    graph = CudaGraph(capture=True)
    utils.train(model, batches("cpu", 28, 3), optimizer, "cpu", graph=graph)
    assert graph.failed and graph.graph is None and graph.replays == 0
    assert capsys.readouterr().out.count("dropout: this network trains eagerly on CUDA") == 1
    no_dropout = Model4(dropout=0.0).double()
    assert not CudaGraph(capture=True).ready(None, None, no_dropout, torch.optim.SGD(no_dropout.parameters(), lr=0.1)) \
        and "dropout" not in capsys.readouterr().out
