"""s7/core/drawn_digits.py: the sample digits drawn as pen strokes: arcs along their ellipses, strokes inside
the unit box's 12% margins in ink on paper, each digit on a canvas of its own size and polarity, the same
drawing again from the same seed, and a hard one placed where its entry says."""
import random

import pytest

from s7.core.drawn_digits import arc, draw, draw_hard, pen_strokes


def test_an_arc_runs_along_its_ellipse_from_its_start_angle_to_its_end_angle():
    points = arc(0.5, 0.5, 0.2, 0.1, 0, 90, n=2)
    # 0°: the right end; 45°: (0.5 + 0.2·cos 45°, 0.5 + 0.1·sin 45°); 90°: below the centre (y grows downwards)
    h = 0.5 ** 0.5
    assert [c for p in points for c in p] == pytest.approx([0.7, 0.5, 0.5 + 0.2 * h, 0.5 + 0.1 * h, 0.5, 0.6])


def test_a_stroke_is_drawn_inside_the_margins_in_ink_on_paper():
    img = pen_strokes([[(0.0, 0.5), (1.0, 0.5)]], 100, 50, pen=4, ink=0, paper=255, rng=random.Random(0))
    assert img.size == (100, 50) and img.mode == "L"
    px = img.load()
    # the unit box inside 12% margins: the stroke from x = 12 to 88 on a 100-wide canvas, along y = 25
    assert px[50, 25] < 64 and px[14, 25] < 128 and px[86, 25] < 128
    assert px[3, 25] == 255 and px[96, 25] == 255 and px[50, 5] == 255 and px[50, 45] == 255


def ink_box(img, dark: bool):
    xs, ys = zip(*[(x, y) for y in range(img.height) for x in range(img.width)
                   if (img.getpixel((x, y)) < 128) == dark])
    return min(xs), min(ys), max(xs), max(ys)


def test_each_digit_has_its_canvas_and_polarity_and_repeats_from_its_seed():
    three = draw(3, random.Random(1))                  # light ink (250) on a dark canvas (10), 300 x 300
    assert three.size == (300, 300) and three.getpixel((0, 0)) == 10 and three.getextrema()[1] > 200
    one = draw(1, random.Random(1))                    # black ink on white, 200 x 240
    assert one.size == (200, 240) and one.getpixel((0, 0)) == 255 and one.getextrema()[0] < 50
    assert draw(3, random.Random(1)).tobytes() == three.tobytes()
    assert draw(3, random.Random(2)).tobytes() != three.tobytes()
    # the small 5: 0.4 of the unit box from (0.3, 0.3); its strokes span x 0.25-0.76 and y 0.14-0.86 of it, so
    # on the 280-pixel canvas (12% margins) x from (0.12 + 0.76 * 0.4) * 280 = 119 to 162 and y from 109 to 171,
    # and the pen (14), its jitter and the blur add up to about 10 pixels each side
    left, top, right, bottom = ink_box(draw_hard("hard_small_5", random.Random(0)), dark=True)
    assert 105 <= left <= 119 and 162 <= right <= 176 and 95 <= top <= 109 and 171 <= bottom <= 185
