"""utils.train with a CudaGraph replays eager training: same weights, BatchNorm statistics, weight
average, schedule and metrics. Checked in float64, where the two differ only by rounding; the update
the graph holds is also checked on the CPU (capture=False), so CI covers its arithmetic."""
import copy
import warnings

import pytest
import torch

import utils
from models import Model6
from s7.gpu import CudaGraph, GraphedAugment, cuda_graph, cudnn_autotuned
from s7.augment import draw_affine, random_affine

BATCHES, BATCH, SMALL = 50, 64, 40   # every 20th batch is smaller: it runs eagerly between replays
# float64 rounding differences (the update adds lr * step where SGD adds -lr times it), grown over
# 50 batches at a learning rate of 0.1, reach about 2e-8; a wrong update is off by 1e-3 or more
TOL = dict(rtol=1e-6, atol=1e-6)


def small_net():
    """Conv, BatchNorm, pooling and a classifier, small enough for float64 on a CPU in a second."""
    return torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, bias=False), torch.nn.ReLU(), torch.nn.BatchNorm2d(4),
                               torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 10),
                               torch.nn.LogSoftmax(dim=1))


def batches(device, size):
    g = torch.Generator().manual_seed(1)
    out = []
    for i in range(BATCHES):
        n = SMALL if i % 20 == 19 else BATCH
        out.append((torch.randn(n, 1, size, size, generator=g, dtype=torch.float64).to(device),
                    torch.randint(0, 10, (n,), generator=g).to(device)))
    return out


def twin_runs(device, capture: bool, make_model=Model6, size=28, cudnn_autotune=False):
    """utils.train from one state over the same 50 batches: eagerly, and through a CudaGraph."""
    utils.seed_everything(0)
    base = make_model().double().to(device)
    data = batches(device, size)
    runs = []
    for graph in (None, CudaGraph(cudnn_autotune=cudnn_autotune, capture=capture)):
        model = copy.deepcopy(base)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=BATCHES, pct_start=0.2)
        average = utils.WeightAverage(model, 0.9)
        metrics = utils.train(model, data, optimizer, device, scheduler, average, graph=graph)
        runs.append(dict(model=model, optimizer=optimizer, average=average, graph=graph, metrics=metrics,
                         lr=optimizer.param_groups[0]["lr"]))
    return runs


def assert_same(eager, graphed):
    for what in ("model", "average"):
        a = eager[what].ema.state_dict() if what == "average" else eager[what].state_dict()
        b = graphed[what].ema.state_dict() if what == "average" else graphed[what].state_dict()
        for name, value in a.items():      # weights, BatchNorm statistics, the average's weights
            assert torch.allclose(value.double(), b[name].double(), **TOL), f"{what}: {name}"
    assert eager["lr"] == graphed["lr"]
    for p_a, p_b in zip(eager["model"].parameters(), graphed["model"].parameters()):
        buf_a, buf_b = eager["optimizer"].state[p_a]["momentum_buffer"], graphed["optimizer"].state[p_b]["momentum_buffer"]
        assert torch.allclose(buf_a, buf_b, **TOL)
    assert eager["metrics"] == pytest.approx(graphed["metrics"], rel=1e-6)


def test_graph_update_matches_sgd_and_the_weight_average_on_cpu():
    eager, same_update = twin_runs("cpu", capture=False, make_model=small_net, size=8)
    assert same_update["graph"].graph is None and same_update["graph"].model is not None
    assert_same(eager, same_update)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("cudnn_autotune", [False, True])
def test_graphed_steps_replay_eager_training_on_cuda(cudnn_autotune):
    eager, graphed = twin_runs("cuda", capture=True, cudnn_autotune=cudnn_autotune)
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
def test_cuda_training_uses_the_graph(fake_root, tmp_path):
    from recipe import Recipe
    run = Recipe(Model6, seed=1, epochs=2, batch_size=16, optimizer=dict(name="SGD", lr=0.05, momentum=0.9),
                 lr_schedule=dict(name="OneCycleLR", max_lr=0.1), ema_decay=0.9, augment={"degrees": 8, "shift": 2},
                 data_root=fake_root, device="cuda")
    run.fit()
    assert run.graph is not None and run.graph.graph is not None and run.graph.cudnn_autotune
    record = run.save(tmp_path)
    assert record["cuda_graph"] is True and record["cudnn_autotune"] is True
    assert len(run.history["test_acc"]) == 2


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
