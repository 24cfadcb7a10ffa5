"""The CUDA-graph training step replays eager training: same weights, BatchNorm statistics, weight
average and schedule. Checked in float64, where the two differ only by rounding; the update the
graph holds is also checked on the CPU (capture=False), so CI covers its arithmetic."""
import copy
import warnings

import pytest
import torch

import utils
from models import Model6

STEPS, BATCH, SMALL = 50, 64, 40     # every 20th batch is smaller: it runs eagerly between replays
# float64 rounding differences (the update adds lr * step where SGD adds -lr times it), grown over
# 50 steps at a learning rate of 0.1, reach about 2e-8; a wrong update is off by 1e-3 or more
TOL = dict(rtol=1e-6, atol=1e-6)


def small_net():
    """Conv, BatchNorm, pooling and a classifier, small enough for float64 on a CPU in a second."""
    return torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, bias=False), torch.nn.ReLU(), torch.nn.BatchNorm2d(4),
                               torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 10),
                               torch.nn.LogSoftmax(dim=1))


def twin_runs(device, capture: bool, make_model=Model6, size=28, cudnn_autotune=False):
    """An eager TrainStep and a CudaGraphStep from one state, fed the same 50 batches."""
    utils.seed_everything(0)
    runs = []
    base = make_model().double().to(device)
    for make in (utils.TrainStep, lambda *a: utils.CudaGraphStep(*a, capture=capture, cudnn_autotune=cudnn_autotune)):
        model = copy.deepcopy(base)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=STEPS, pct_start=0.2)
        average = utils.WeightAverage(model, 0.9)
        runs.append(dict(model=model, optimizer=optimizer, scheduler=scheduler, average=average,
                         step=make(model, optimizer, 0.0, average), lrs=[]))
    g = torch.Generator().manual_seed(1)
    for i in range(STEPS):
        n = SMALL if i % 20 == 19 else BATCH
        x = torch.randn(n, 1, size, size, generator=g, dtype=torch.float64).to(device)
        y = torch.randint(0, 10, (n,), generator=g).to(device)
        for r in runs:
            r["model"].train()
            r["step"](x, y)
            r["scheduler"].step()
            r["lrs"].append(r["optimizer"].param_groups[0]["lr"])
    return runs


def assert_same(eager, graphed):
    for what in ("model", "average"):
        a = eager[what].ema.state_dict() if what == "average" else eager[what].state_dict()
        b = graphed[what].ema.state_dict() if what == "average" else graphed[what].state_dict()
        for name, value in a.items():      # weights, BatchNorm statistics, the average's weights
            assert torch.allclose(value.double(), b[name].double(), **TOL), f"{what}: {name}"
    assert eager["lrs"] == graphed["lrs"]
    for p_a, p_b in zip(eager["model"].parameters(), graphed["model"].parameters()):
        buf_a, buf_b = eager["optimizer"].state[p_a]["momentum_buffer"], graphed["optimizer"].state[p_b]["momentum_buffer"]
        assert torch.allclose(buf_a, buf_b, **TOL)
    assert eager["step"].metrics() == pytest.approx(graphed["step"].metrics(), rel=1e-6)


def test_graph_update_matches_sgd_and_the_weight_average_on_cpu():
    eager, same_update = twin_runs("cpu", capture=False, make_model=small_net, size=8)
    assert same_update["step"].graph is None
    assert_same(eager, same_update)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("cudnn_autotune", [False, True])
def test_graphed_steps_replay_eager_training_on_cuda(cudnn_autotune):
    eager, graphed = twin_runs("cuda", capture=True, cudnn_autotune=cudnn_autotune)
    assert graphed["step"].graph is not None and not graphed["step"].failed
    assert_same(eager, graphed)
    assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark   # restored after capture


def test_cudnn_autotuning_is_confined_to_its_block():
    utils.seed_everything(0)
    with pytest.raises(RuntimeError):
        with utils.cudnn_autotuned():
            assert torch.backends.cudnn.benchmark and not torch.backends.cudnn.deterministic
            raise RuntimeError("a failed capture")
    assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_training_uses_the_graph(fake_root, tmp_path):
    exp = utils.Experiment(Model6, step=6, seed=1, epochs=2, batch_size=16, optimizer=dict(name="SGD", lr=0.05, momentum=0.9),
                           lr_schedule=dict(name="OneCycleLR", max_lr=0.1), ema_decay=0.9, augment={"degrees": 8, "shift": 2},
                           data_root=fake_root, out_dir=tmp_path, device="cuda")
    exp.fit()
    assert isinstance(exp.step, utils.CudaGraphStep) and exp.step.graph is not None and exp.step.cudnn_autotune
    assert exp.config["cuda_graph"] is True and exp.config["cudnn_autotune"] is True
    assert len(exp.history["test_acc"]) == 2


def test_other_optimizers_train_eagerly():
    model = Model6()
    adam = torch.optim.Adam(model.parameters())
    assert type(utils.train_step(model, adam, "cuda")) is utils.TrainStep
    assert type(utils.train_step(model, torch.optim.SGD(model.parameters(), lr=0.1), "cpu")) is utils.TrainStep
    with pytest.raises(ValueError):
        utils.CudaGraphStep(model, adam)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_graphed_augmentation_gives_the_eager_images():
    x = torch.randn(70, 1, 28, 28, device="cuda")
    augment = dict(degrees=8, shift=2, scale=0.1, p=0.5)
    graphed = utils.GraphedAugment(augment)
    for n in (64, 64, 6):                 # a capture, a replay, a second batch size
        eager = utils.random_affine(x[:n], generator=torch.Generator("cuda").manual_seed(n), **augment)
        draws = utils.draw_affine(n, torch.Generator("cuda").manual_seed(n), "cuda", p=0.5, scale=0.1)
        assert torch.equal(graphed(x[:n], draws), eager)


@pytest.mark.skipif(torch.cuda.is_available(), reason="capture succeeds here")
def test_a_failed_capture_warns_once_and_trains_eagerly():
    x, y = torch.randn(8, 1, 28, 28), torch.randint(0, 10, (8,))
    augment = dict(degrees=8, shift=2)
    graphed = utils.GraphedAugment(augment)
    with pytest.warns(UserWarning, match="augmenting eagerly"):
        out = graphed(x, utils.draw_affine(8, torch.Generator().manual_seed(0), "cpu"))
    assert torch.equal(out, utils.random_affine(x, generator=torch.Generator().manual_seed(0), **augment))
    models = []
    for make in (utils.TrainStep, utils.CudaGraphStep):
        torch.manual_seed(0)
        models.append(small_net())
        step = make(models[-1], torch.optim.SGD(models[-1].parameters(), lr=0.1, momentum=0.9))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(3):
                step(x, y)
        assert len(caught) == (1 if make is utils.CudaGraphStep else 0)   # one line, then eager
    for a, b in zip(models[0].state_dict().values(), models[1].state_dict().values()):
        assert torch.equal(a, b)
