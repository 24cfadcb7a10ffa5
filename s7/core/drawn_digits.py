"""The sample digits of samples/, drawn as pen strokes (not MNIST images): digit_0..9.png, each on a
canvas of its own size and polarity, and the hard ones, drawn as a learner draws on the canvas.
scripts/draw_samples.py writes them."""
from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw, ImageFilter


def arc(cx, cy, rx, ry, start_deg, end_deg, n=40):
    """Points along an ellipse (image coordinates: y grows downwards)."""
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in (start_deg + (end_deg - start_deg) * i / n for i in range(n + 1))]


STROKES = {
    0: [arc(0.5, 0.5, 0.28, 0.4, 0, 360)],
    1: [[(0.36, 0.3), (0.52, 0.12), (0.5, 0.88)]],
    2: [arc(0.5, 0.33, 0.24, 0.2, 190, 370) + [(0.24, 0.86), (0.8, 0.84)]],
    3: [arc(0.48, 0.3, 0.22, 0.17, 200, 450), arc(0.48, 0.66, 0.26, 0.21, 270, 520)],
    4: [[(0.58, 0.12), (0.2, 0.62), (0.84, 0.62)], [(0.64, 0.36), (0.62, 0.9)]],
    5: [[(0.76, 0.14), (0.36, 0.14), (0.32, 0.46)] + arc(0.5, 0.64, 0.25, 0.22, 230, 500)],
    6: [[(0.68, 0.12), (0.4, 0.42)] + arc(0.5, 0.65, 0.22, 0.22, 200, 560)],
    7: [[(0.2, 0.16), (0.8, 0.14), (0.44, 0.88)], [(0.36, 0.52), (0.7, 0.5)]],
    8: [arc(0.5, 0.3, 0.18, 0.17, 90, 450), arc(0.5, 0.67, 0.23, 0.21, -90, 270)],
    9: [arc(0.5, 0.33, 0.21, 0.19, 0, 360), [(0.71, 0.34), (0.62, 0.9)]],
}

# digit -> (canvas width, height, pen width, ink, paper)
STYLES = {
    0: (120, 160, 12, 20, 245), 1: (200, 240, 16, 0, 255), 2: (90, 110, 8, 40, 230),
    3: (300, 300, 26, 250, 10), 4: (160, 200, 14, 30, 250), 5: (140, 140, 11, 235, 30),
    6: (180, 220, 15, 10, 240), 7: (100, 140, 9, 0, 210), 8: (220, 260, 18, 255, 0),
    9: (130, 170, 12, 25, 250),
}


# the hard ones: name -> (digit drawn, strokes, pen width on the 280x280 canvas, where: (size, left, top)
# in the unit box, slant: x moves right by slant * (how far above the middle)). Off-centre and small are
# what the canvas's switch shows with centring off: each step reads the drawing as drawn.
CANVAS = 280
HARD = {
    "hard_offcentre_3": (3, STROKES[3], 20, (1, -0.2, -0.2), 0),          # about 4 px up and left in 28x28
    "hard_small_5": (5, STROKES[5], 14, (0.4, 0.3, 0.3), 0),              # 8 px tall in 28x28 (MNIST: 20)
    "hard_thick_8": (8, STROKES[8], 52, (1, 0, 0), 0),                    # a pen a third of the digit's height
    "hard_thin_2": (2, STROKES[2], 3, (1, 0, 0), 0),                      # a hairline pen
    "hard_slanted_6": (6, STROKES[6], 18, (1, 0, 0), 0.55),               # leaning hard to the right
    "hard_open_4": (4, [[(0.62, 0.11), (0.3, 0.38), (0.32, 0.46), (0.74, 0.46)],   # a 4 whose top almost closes:
                        [(0.7, 0.1), (0.68, 0.9)]], 18, (1, 0, 0), 0),    # it could be a 9
    "hard_barred_7": (7, [[(0.18, 0.26), (0.22, 0.14), (0.82, 0.14), (0.42, 0.9)],   # a hook and a long bar
                          [(0.22, 0.5), (0.82, 0.5)]], 18, (1, 0, 0), 0),
    "hard_based_1": (1, [[(0.32, 0.28), (0.52, 0.1), (0.52, 0.86)],       # a flag and a base
                         [(0.28, 0.88), (0.78, 0.88)]], 18, (1, 0, 0), 0),
}


def draw(digit: int, rng: random.Random) -> Image.Image:
    w, h, pen, ink, paper = STYLES[digit]
    return pen_strokes(STROKES[digit], w, h, pen, ink, paper, rng)


def draw_hard(name: str, rng: random.Random) -> Image.Image:
    _, strokes, pen, (size, left, top), slant = HARD[name]
    placed = [[(left + size * (x + slant * (0.5 - y)), top + size * y) for x, y in stroke] for stroke in strokes]
    return pen_strokes(placed, CANVAS, CANVAS, pen, 0, 255, rng)


def pen_strokes(strokes, w: int, h: int, pen: int, ink: int, paper: int, rng: random.Random) -> Image.Image:
    """Strokes in a unit box (12% margins) drawn with a round pen on a w x h canvas, slightly blurred."""
    img = Image.new("L", (w, h), paper)
    d = ImageDraw.Draw(img)
    margin = 0.12
    for stroke in strokes:
        pts = [((margin + (1 - 2 * margin) * x) * w + rng.uniform(-1, 1),
                (margin + (1 - 2 * margin) * y) * h + rng.uniform(-1, 1)) for x, y in stroke]
        d.line(pts, fill=ink, width=pen, joint="curve")
        for x, y in (pts[0], pts[-1]):                      # round pen ends
            d.ellipse([x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2], fill=ink)
    return img.filter(ImageFilter.GaussianBlur(1))
