#!/usr/bin/env python3
"""Draw the sample digits in samples/ (pen strokes, not MNIST images).

Each digit is a few strokes in a unit box, drawn with a round pen on a canvas of its own
size and polarity, so that the preprocessing of s7/core/digits.py (load_digit) meets varied input:
digit_0..9.png. Then the hard ones, hard_<what>_<digit>.png, drawn the way a learner draws on the
notebook's canvas (280x280, dark on white) and chosen to separate the steps: off-centre, small, thick,
thin, slanted, a 4 that could be a 9, a 7 with a long bar, a 1 with a base.
    python -m scripts.draw_samples
"""
import random

from s7.core.drawn_digits import HARD, STROKES, draw, draw_hard
from s7.core.places import SAMPLES_DIR


def main():
    SAMPLES_DIR.mkdir(exist_ok=True)
    rng = random.Random(0)
    for digit in STROKES:
        draw(digit, rng).save(SAMPLES_DIR / f"digit_{digit}.png")
    rng = random.Random(1)
    for name in HARD:
        draw_hard(name, rng).save(SAMPLES_DIR / f"{name}.png")
    print(f"wrote {len(STROKES) + len(HARD)} images to {SAMPLES_DIR}")


if __name__ == "__main__":
    main()
