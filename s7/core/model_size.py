"""A network's size as the model report prints it: parameters, multiply-adds and the receptive field
of every spatial layer, measured by running the network once."""
from __future__ import annotations

import torch
import torch.nn as nn


def count_params(model: nn.Module) -> int:
    """Trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def first(v):
    """An int, or the first of a pair (kernel_size=3 or (3, 3))."""
    return v if isinstance(v, int) else v[0]


def receptive_field_table(model: nn.Module, input_size=(1, 28, 28)) -> list[dict]:
    """Per spatial layer, in execution order: output shape, jump, receptive field and multiply-adds.

    Computed by running the model once with forward hooks, so it follows the model as written:
    RF_out = RF_in + (k - 1) * dilation * jump_in, jump_out = jump_in * stride. A global pool or a
    Linear layer over a map is one window the size of the whole map.
    """
    rows, handles = [], []
    state = {"rf": 1, "jump": 1, "side": input_size[-1]}     # side: of the last map

    def hook(module, inputs, output):
        side, macs, d = state["side"], 0, 1
        if isinstance(module, nn.Conv2d):
            k, s, d = first(module.kernel_size), first(module.stride), first(module.dilation)
            macs = output[0].numel() * module.in_channels // module.groups * k * k
        elif isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
            k, s = first(module.kernel_size), first(module.stride or module.kernel_size)
            d = first(getattr(module, "dilation", 1))
        elif isinstance(module, nn.Linear):
            k = s = side                                   # sees every position of the map
            macs = module.in_features * module.out_features
        else:                                              # adaptive (global) pooling
            s = side // output.shape[-1]
            k = side - (output.shape[-1] - 1) * s
        state["rf"] += d * (k - 1) * state["jump"]
        state["jump"] *= s
        state["side"] = output.shape[-1] if output.dim() == 4 else 1
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
