"""Your own digit: a photo or drawing preprocessed the way MNIST was made, and the model's answer."""
import math
from pathlib import Path

import torch
import torch.nn.functional as F

from s7.core.pixels import MEAN, STD


class ImageInputError(ValueError):
    """The image cannot be used as a digit; the message says why."""


def _read_image(path):
    """The image file at `path`, read into memory (a PIL image), or a one-line ImageInputError."""
    from PIL import Image, UnidentifiedImageError
    path = Path(path)
    if not path.is_file():
        raise ImageInputError(f"{path}: no such file")
    try:
        with Image.open(path) as img:
            img.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise ImageInputError(f"{path}: not a readable image ({err.__class__.__name__}); use a PNG or JPEG") from None
    return img


def _on_white(img):
    """A PIL image with any transparency put on white paper (a drawing's transparent background is paper)."""
    from PIL import Image
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        canvas = Image.new("RGBA", img.size, "white")
        canvas.alpha_composite(img.convert("RGBA"))
        return canvas
    return img


def grey_of(img) -> torch.Tensor:
    """A PIL image (any mode) as grey values in [0, 1], transparency on white."""
    grey = _on_white(img).convert("L")
    return torch.frombuffer(bytearray(grey.tobytes()), dtype=torch.uint8).view(grey.height, grey.width).float() / 255


def ink_map(grey: torch.Tensor) -> torch.Tensor:
    """A grey image in [0, 1] (either polarity) -> its ink, light on dark, in [0, 1] and the picture's size:
    the background is the border's median, the ink scaled so its darkest stroke is 1, and faint marks
    (below 0.2: paper texture, not strokes) set to 0. An image with no ink is an ImageInputError."""
    border = torch.cat([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    background = border.median()
    ink = grey - background if background < 0.5 else background - grey   # light-on-dark either way
    ink = (ink / max(float(ink.max()), 1e-6)).clamp(0, 1)
    if float((grey - background).abs().max()) < 0.15:
        raise ImageInputError("the image has no ink: draw a dark digit on a light background or the reverse")
    ink[ink < 0.2] = 0                                                      # paper texture, not strokes
    return ink


def _shrink(ink: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    return F.interpolate(ink[None, None], size=size, mode="bilinear", antialias=True, align_corners=False)[0, 0].clamp(0, 1)


def to_mnist_format(grey: torch.Tensor, centre: bool = True) -> torch.Tensor:
    """A grey image in [0, 1] (any size, either polarity) -> 28x28 ink in [0, 1], as MNIST was made:
    light ink on dark, cropped to the ink, fitted in a 20x20 box keeping the aspect ratio,
    and placed so that its centre of mass is at the centre of the 28x28 field.

    centre=False skips the cropping, the 20x20 box and the centring: the whole picture (padded evenly
    with background to a square if it is not one) is scaled to 28x28 as drawn, so a digit drawn small
    stays small and one drawn in a corner stays in that corner. The ink is the same either way."""
    ink = ink_map(grey)
    if not centre:
        h, w = ink.shape
        side = max(h, w)
        square = torch.zeros(side, side)
        square[(side - h) // 2:(side - h) // 2 + h, (side - w) // 2:(side - w) // 2 + w] = ink
        return _shrink(square, (28, 28))
    rows, cols = torch.nonzero(ink, as_tuple=True)
    ink = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    h, w = ink.shape
    scale = 20 / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    box = _shrink(ink, size)
    ys, xs = torch.arange(size[0]).float(), torch.arange(size[1]).float()
    mass = box.sum()
    com_y, com_x = float((box.sum(1) * ys).sum() / mass), float((box.sum(0) * xs).sum() / mass)
    top = min(max(round(13.5 - com_y), 0), 28 - size[0])
    left = min(max(round(13.5 - com_x), 0), 28 - size[1])
    out = torch.zeros(28, 28)
    out[top:top + size[0], left:left + size[1]] = box
    return out


def digit_from_image(image, centre: bool = True) -> torch.Tensor:
    """A PIL image in memory (a file read, a drawing) as the 28x28 digit in [0, 1] the networks see
    (to_mnist_format; centre=False: as drawn, see there). predict_digit and the drawing canvas both read
    an image through this function."""
    return to_mnist_format(grey_of(image), centre)


def load_digit(path) -> torch.Tensor:
    """The image at `path` as a 28x28 MNIST-style digit in [0, 1]."""
    return digit_from_image(_read_image(path))


@torch.inference_mode()
def classify(model, digit: torch.Tensor, device="cpu"):
    """A 28x28 digit in [0, 1] (normalised here as in training) -> (predicted digit, probabilities of the ten classes)."""
    model.eval()
    logits = model(((digit - MEAN) / STD)[None, None].to(device))
    probs = F.softmax(logits, dim=1)[0].cpu()          # softmax of log-probs gives the probs back
    return int(probs.argmax()), probs


@torch.inference_mode()
def predict_digit(model, path, device="cpu"):
    """(predicted digit, probabilities of the ten classes, the 28x28 input the model saw)."""
    digit = load_digit(path)
    return (*classify(model, digit, device), digit)


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
