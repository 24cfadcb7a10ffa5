"""A grid of digits with a title each: what utils.show_samples, show_augmented and show_misclassified draw."""
from __future__ import annotations

import math


def image_grid(images, titles, ncols=8, title=""):
    import matplotlib.pyplot as plt
    nrows = max(1, math.ceil(len(images) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.4 * ncols, 1.6 * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, img, t in zip(axes.flat, images, titles):
        ax.imshow(img.squeeze().cpu().numpy(), cmap="gray_r")
        ax.set_title(t, fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
