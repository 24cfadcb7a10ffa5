"""s7/core/digits.py: classifying a user's own digit image (the robustness evaluation: test_robustness.py)."""
import pytest
import torch
from PIL import Image

import models
from s7.core.digits import ImageInputError, load_digit, predict_digit
from s7.core.loaders import load_mnist_tensors
from s7.core.places import SAMPLES_DIR, results_path
from s7.core.records import load_model


def ink_png(path, size=(90, 120), dark_on_light=True):
    img = torch.ones(size[1], size[0]) if dark_on_light else torch.zeros(size[1], size[0])
    ink = 0.0 if dark_on_light else 1.0
    img[20:100, 40:52] = ink                 # a thick vertical bar, off-centre
    img[20:32, 20:52] = ink                  # and a flag: a "1"-ish shape with mass to the left
    Image.fromarray((img * 255).byte().numpy(), mode="L").save(path)
    return path


@pytest.mark.parametrize("dark_on_light", [True, False])
def test_preprocessing_centres_mass_and_fits_20x20(tmp_path, dark_on_light):
    digit = load_digit(ink_png(tmp_path / "d.png", dark_on_light=dark_on_light))
    assert digit.shape == (28, 28) and 0 <= digit.min() and digit.max() <= 1
    assert digit[0].sum() == 0 and digit[:, 0].sum() == 0      # ink is light, background dark
    ys, xs = torch.arange(28.0), torch.arange(28.0)
    mass = digit.sum()
    com = (float((digit.sum(1) * ys).sum() / mass), float((digit.sum(0) * xs).sum() / mass))
    assert abs(com[0] - 13.5) <= 1 and abs(com[1] - 13.5) <= 1
    rows, cols = torch.nonzero(digit > 0, as_tuple=True)
    assert rows.max() - rows.min() + 1 <= 20 and cols.max() - cols.min() + 1 <= 20
    assert max(rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) >= 19   # fitted, not shrunk


def test_bad_inputs_give_one_line_errors(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    blank = tmp_path / "blank.png"
    Image.new("L", (50, 50), 255).save(blank)
    cases = {tmp_path / "missing.png": "no such file", text: "not a readable image", blank: "no ink"}
    for path, message in cases.items():
        with pytest.raises(ImageInputError, match=message) as err:
            load_digit(path)
        assert "\n" not in str(err.value)


def test_mnist_digits_survive_png_at_4x_inverted(real_root, tmp_path):
    model = load_model(models.Model6, results_path(6, suffix=".pt"))
    images, labels = load_mnist_tensors(False, real_root)
    right = 0
    for i in range(10):
        big = Image.fromarray(255 - images[i].numpy(), mode="L").resize((112, 112), Image.BICUBIC)
        big.save(tmp_path / f"{i}.png")                       # dark ink on white paper, 4x size
        digit, probs, _ = predict_digit(model, tmp_path / f"{i}.png")
        assert probs.shape == (10,) and abs(float(probs.sum()) - 1) < 1e-5
        right += digit == int(labels[i])
    assert right >= 9


def test_sample_drawings_are_recognised():
    model = load_model(models.Model6, results_path(6, suffix=".pt"))
    paths = sorted(SAMPLES_DIR.glob("digit_*.png"))
    assert len(paths) == 10
    right = sum(predict_digit(model, p)[0] == int(p.stem[-1]) for p in paths)
    assert right >= 8
