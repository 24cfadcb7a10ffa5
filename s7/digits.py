"""Your own digit: a photo or drawing preprocessed the way MNIST was made, and the model's answer."""
import math
from pathlib import Path

import torch
import torch.nn.functional as F

from .pixels import MEAN, STD


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
