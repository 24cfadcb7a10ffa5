"""s7/core/pictures.py: the grid of digits utils.show_samples, show_augmented and show_misclassified draw:
rows of `ncols`, each digit in its place with its title, every axis off, the title above."""
import torch

from s7.core.pictures import image_grid


def test_a_grid_has_a_row_for_every_ncols_digits_each_with_its_title():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    images = [torch.full((1, 28, 28), float(i)) for i in range(10)]
    fig = image_grid(images, [f"digit {i}" for i in range(10)], ncols=4, title="ten digits")
    assert len(fig.axes) == 12                                    # 10 digits in rows of 4: 3 rows, the last two empty
    assert [ax.get_title() for ax in fig.axes] == [f"digit {i}" for i in range(10)] + ["", ""]
    assert [bool(ax.images) for ax in fig.axes] == [True] * 10 + [False] * 2
    shown = fig.axes[7].images[0].get_array()
    assert shown.shape == (28, 28) and (shown == 7.0).all()       # the 8th digit in the 8th place, squeezed to 28x28
    assert not any(ax.axison for ax in fig.axes)
    assert fig._suptitle.get_text() == "ten digits"
    plt.close(fig)
