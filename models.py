"""The CNNs of the six steps, one class each. Only models live here.

Every model takes N x 1 x 28 x 28 normalised images and returns N x 10 log-probabilities.
Comments give each block's output (channels x size) and receptive field (RF);
utils.receptive_field_table(model) computes the same from the module itself.
Convolutions use no padding: each 3x3 conv shrinks the map by 2 and grows the RF by 2 x jump.
"""
import torch.nn as nn
import torch.nn.functional as F


def conv(c_in, c_out, kernel=3, bn=False, dropout=0.0):
    """conv -> ReLU -> [BatchNorm] -> [Dropout].

    With BatchNorm the conv has no bias, to save parameters (one per channel). The bias is not
    redundant here: it comes before the ReLU and moves its threshold, which BatchNorm's shift after
    the ReLU does not; the networks train as well without it.
    """
    layers = [nn.Conv2d(c_in, c_out, kernel, bias=not bn), nn.ReLU()]
    if bn:
        layers.append(nn.BatchNorm2d(c_out))
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class Model1(nn.Module):
    """Step 1, the skeleton: two conv blocks, two max-pools, a fully connected classifier.

    Big on purpose (~50k parameters): it shows the structure works before we squeeze it.
    """

    def __init__(self):
        super().__init__()
        self.block1 = nn.Sequential(conv(1, 8), conv(8, 16))      # 16x24x24, RF 5
        self.pool1 = nn.MaxPool2d(2)                              # 16x12x12, RF 6
        self.block2 = nn.Sequential(conv(16, 32), conv(32, 32))   # 32x8x8,   RF 14
        self.pool2 = nn.MaxPool2d(2)                              # 32x4x4,   RF 16
        self.fc1 = nn.Linear(32 * 4 * 4, 64)                      # sees the whole map
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool1(self.block1(x))
        x = self.pool2(self.block2(x))
        x = F.relu(self.fc1(x.flatten(1)))
        return F.log_softmax(self.fc2(x), dim=1)


class Model2(nn.Module):
    """Step 2, the light skeleton (< 8k parameters): few channels at 28x28 where pixels are
    many, one max-pool at RF 6 (edges and gradients are formed), and a 6x6 conv as classifier."""

    def __init__(self, bn=False):
        super().__init__()
        self.block1 = nn.Sequential(conv(1, 8, bn=bn), conv(8, 8, bn=bn))     # 8x24x24,  RF 5
        self.pool = nn.MaxPool2d(2)                                           # 8x12x12,  RF 6
        self.block2 = nn.Sequential(conv(8, 12, bn=bn), conv(12, 12, bn=bn),
                                    conv(12, 10, bn=bn))                      # 10x6x6,   RF 18
        self.classifier = nn.Conv2d(10, 10, 6)                                # 10x1x1,   RF 28

    def forward(self, x):
        x = self.pool(self.block1(x))
        x = self.block2(x)
        return F.log_softmax(self.classifier(x).flatten(1), dim=1)


class Model3(Model2):
    """Step 3: the same network with BatchNorm after every conv block."""

    def __init__(self):
        super().__init__(bn=True)


class Model4(nn.Module):
    """Step 4: global average pooling replaces the 6x6 classifier (3,610 parameters freed,
    partly spent on width), a 1x1 transition after the pool, and dropout.

    `widths` are the channels of the six convolutions before the classifier (for sweeps)."""

    def __init__(self, dropout=0.05, widths=(8, 12, 8, 12, 14, 16)):
        super().__init__()
        c1, c2, t, c3, c4, c5 = widths
        d = dict(bn=True, dropout=dropout)
        self.block1 = nn.Sequential(conv(1, c1, **d), conv(c1, c2, **d))   # 12x24x24, RF 5
        self.pool = nn.MaxPool2d(2)                                         # 12x12x12, RF 6
        self.transition = conv(c2, t, kernel=1, **d)                        # 8x12x12,  RF 6
        self.block2 = nn.Sequential(conv(t, c3, **d), conv(c3, c4, **d),
                                    conv(c4, c5, **d))                      # 16x6x6,   RF 18
        self.gap = nn.AdaptiveAvgPool2d(1)                                  # 16x1x1,   RF 28
        self.classifier = nn.Conv2d(c5, 10, 1)                              # 10x1x1

    def forward(self, x):
        x = self.transition(self.pool(self.block1(x)))
        x = self.gap(self.block2(x))
        return F.log_softmax(self.classifier(x).flatten(1), dim=1)


class Model5(Model4):
    """Step 5: the network of step 4 unchanged; this step changes the data (augmentation)."""


class Model6(Model4):
    """Step 6: the network of step 4 without dropout and wider in its last two convolutions
    (14 -> 16 and 16 -> 24 channels).

    Both were chosen on the validation split (TUNING.md); what each buys on the test set is in
    notebook 6's tables of its changes one at a time.
    Shapes: 8x26x26 (RF 3), 12x24x24 (RF 5), pool 12x12x12 (RF 6), 1x1 8x12x12 (RF 6),
    12x10x10 (RF 10), 16x8x8 (RF 14), 24x6x6 (RF 18), GAP 24x1x1 (RF 28), 1x1 conv to 10.
    """

    def __init__(self, dropout=0.0, widths=(8, 12, 8, 12, 16, 24)):
        super().__init__(dropout=dropout, widths=widths)
