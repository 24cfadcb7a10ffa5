"""Architectures tried on the validation split against Model6 and not adopted (see the round
tables in TUNING.md). They live here, not in models.py, which holds only the six steps' models;
`python -m search.tune NAME --model Candidate --config '{"model_kwargs": {...}, ...}'` runs them.

Candidate is Model6's layout with knobs: the widths of block 1, the 1x1 transition and block 2,
then optional depthwise-separable 3x3 convs, optional padded 3x3 convs (more depth, RF 26 before the average pool), optional unpadded
ones (a 4x4 map), an optional 1x1 expansion before the average pool (more averaged features),
the activation (ReLU or SiLU), BatchNorm before the activation instead of after it, and
padding in block 2 (`b2_padding=1`: the same parameters on 12x12 maps, more multiply-adds).
Separable is Model6 with the last two 3x3 convs depthwise-separable: far fewer parameters per
channel, so the last block can be much wider. Net writes a network as a string of layers (rounds
7-12 of the search, s7/studies/rounds.py), to search where the parameters sit.
"""
import torch.nn as nn
import torch.nn.functional as F

ACTIVATIONS = {"relu": nn.ReLU, "silu": nn.SiLU}


def unit(c_in, c_out, kernel=3, padding=0, act="relu", bn_first=False):
    """conv -> act -> BatchNorm (models.conv's order), or conv -> BatchNorm -> act with bn_first."""
    layers = [nn.Conv2d(c_in, c_out, kernel, padding=padding, bias=False), ACTIVATIONS[act](), nn.BatchNorm2d(c_out)]
    if bn_first:
        layers[1], layers[2] = layers[2], layers[1]
    return nn.Sequential(*layers)


def padded_conv(c_in, c_out, **style):
    """3x3 conv with padding 1 (keeps the size)."""
    return unit(c_in, c_out, padding=1, **style)


def separable_conv(c_in, c_out):
    """Depthwise 3x3 then pointwise 1x1 (no nonlinearity between) -> ReLU -> BatchNorm."""
    return nn.Sequential(nn.Conv2d(c_in, c_in, 3, groups=c_in, bias=False), nn.Conv2d(c_in, c_out, 1, bias=False),
                         nn.ReLU(), nn.BatchNorm2d(c_out))


def factorised_conv(c_in, c_out):
    """A 3x3 conv factorised: 3x1 then 1x3 (no nonlinearity between) -> ReLU -> BatchNorm."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, (3, 1), bias=False), nn.Conv2d(c_out, c_out, (1, 3), bias=False),
                         nn.ReLU(), nn.BatchNorm2d(c_out))


class Candidate(nn.Module):
    def __init__(self, b1=(8, 12), t=8, b2=(12, 16, 24), separable=(), pad=(), tail_nopad=(), expand=0,
                 act="relu", bn_first=False, b2_padding=0):
        super().__init__()
        style = dict(act=act, bn_first=bn_first)
        chans = [1, *b1]
        self.block1 = nn.Sequential(*[unit(a, b, **style) for a, b in zip(chans, chans[1:])])
        self.pool = nn.MaxPool2d(2)
        self.transition = unit(b1[-1], t, kernel=1, **style)
        chans = [t, *b2]
        layers = [unit(a, b, padding=b2_padding, **style) for a, b in zip(chans, chans[1:])]
        c = b2[-1]
        for width in separable:
            layers.append(separable_conv(c, width))
            c = width
        for width in pad:
            layers.append(padded_conv(c, width, **style))
            c = width
        for width in tail_nopad:
            layers.append(unit(c, width, **style))
            c = width
        if expand:
            layers.append(unit(c, expand, kernel=1, **style))
            c = expand
        self.block2 = nn.Sequential(*layers)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Conv2d(c, 10, 1)

    def forward(self, x):
        x = self.transition(self.pool(self.block1(x)))
        return F.log_softmax(self.classifier(self.gap(self.block2(x))).flatten(1), dim=1)


class Separable(Candidate):
    """c = widths of block 1 (2), the transition, one full 3x3 conv and two separable convs."""

    def __init__(self, c=(8, 12, 8, 16, 32, 64)):
        c1, c2, t, c3, c4, c5 = c
        super().__init__(b1=(c1, c2), t=t, b2=(c3,), separable=(c4, c5))


class Net(nn.Module):
    """A network written as a string, for searching where the parameters sit (round 7 on).

    Tokens, in order: cN a 3x3 conv to N channels (no padding), pN the same padded (size kept),
    sN a depthwise-separable 3x3 (no padding), fN a 3x3 factorised into 3x1 and 1x3 (no padding),
    tN a 1x1 conv, M a 2x2 max-pool, rN the conv before it applied N more times with the same
    weights (it must keep its channel count; each application has its own ReLU and BatchNorm, so
    the repeats add 2 parameters a channel each); each conv is followed by ReLU and BatchNorm. The head: "gap" averages the map and a 1x1 conv (with bias)
    gives the 10 classes, as Model6 does; "conv3" ends with a bare 3x3 conv to 10 channels (no
    BatchNorm, no bias) and averages what is left of the map.
    """

    def __init__(self, spec="c8 c12 M t8 c12 c16 c24", head="gap"):
        super().__init__()
        layers, c = [], 1
        for token in spec.split():
            kind, width = token[0], int(token[1:] or 0)
            if kind == "M":
                layers.append(nn.MaxPool2d(2))
                continue
            if kind == "r":
                shared = layers[-1][0]                     # the previous unit's convolution, weights and all
                if not isinstance(shared, nn.Conv2d) or shared.in_channels != shared.out_channels:
                    raise ValueError(f"{token}: the conv before it must keep its channel count")
                layers += [nn.Sequential(shared, nn.ReLU(), nn.BatchNorm2d(c)) for _ in range(width)]
                continue
            if kind in "sf":
                layers.append((separable_conv if kind == "s" else factorised_conv)(c, width))
            else:
                layers.append(unit(c, width, kernel=1 if kind == "t" else 3, padding=int(kind == "p")))
            c = width
        self.features = nn.Sequential(*layers)
        if head == "gap":
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, 10, 1))
        else:
            self.head = nn.Sequential(nn.Conv2d(c, 10, 3, bias=False), nn.AdaptiveAvgPool2d(1))

    def forward(self, x):
        return F.log_softmax(self.head(self.features(x)).flatten(1), dim=1)
