"""Draw a digit and watch the six steps read it: a canvas in the notebook (utils.draw_digit()).

The drawing (a plain HTML canvas, s7/core/canvas.js) comes to Python as a PNG at the end of each stroke.
Python turns it into the 28x28 image the networks see, through the same function as predict_digit
(s7/core/digits.py: digit_from_image), and each step's published weights (results/S7_Model_N.pt, loaded
once, on the CPU) read it; the front end draws the readings as bars beside that image.

The switch "centre the digit" (on by default) is predict_digit's preprocessing: crop to the ink, fit in
20x20, centre by centre of mass in 28x28, as MNIST was made. Off, the drawing is not cropped and not
centred: the whole square canvas is scaled to 28x28 as drawn, so a digit drawn small stays small and one
drawn in a corner stays in that corner; the dashed square on the canvas then marks where MNIST's 20x20
box sits. Drawings that are not a digit (an empty canvas, a dot, a scribble) get a message instead.

Where widgets cannot run (anywidget missing, a static viewer of a saved notebook, a front end without
widget support) the cell shows one line with the PNG route instead.
"""
from __future__ import annotations

import base64
import binascii
import html
import io
from pathlib import Path

import torch

from s7.core.digits import ImageInputError, classify, digit_from_image, grey_of, ink_map
from s7.core.places import SAMPLES_DIR, results_path
from s7.core.records import load_model

STEPS = (1, 2, 3, 4, 5, 6)
PNG_ROUTE = 'utils.predict_digit(model, "my_digit.png")'
# the line a notebook shows where no canvas appears (the canvas's own style sheet hides it where one does)
NO_WIDGETS = ("No canvas below? Widgets do not run here (a static viewer, a saved notebook, a front end "
              f"without widget support): read a PNG of your digit instead, {PNG_ROUTE}")
NO_NOTEBOOK = f"The drawing canvas needs a notebook (Jupyter, Colab, VS Code); here, read a PNG of your digit: {PNG_ROUTE}"
NO_ANYWIDGET = f"The drawing canvas needs anywidget (pip install anywidget); meanwhile read a PNG of your digit: {PNG_ROUTE}"
SMALLEST = 1 / 8            # a drawing's ink must span at least this fraction of the canvas
MOST_INK = 0.40             # the most of the 28x28 field (centred) a drawing may ink (above 0.5): MNIST's
                            # 70,000 digits ink at most 39.8% of it (the test digits 32.9%), half of them 13%
DRAW_PROMPT = "Draw a digit in the box."

_MODELS: dict[int, torch.nn.Module] = {}


def published_models() -> dict[int, torch.nn.Module]:
    """Each step's published weights (results/S7_Model_N.pt) in its class from models.py, on the CPU in
    eval mode; loaded on the first call, then kept."""
    if not _MODELS:
        import json

        import models
        loaded = {}
        for n in STEPS:
            record = json.loads(results_path(n).read_text())
            kwargs = record.get("model_kwargs") or {}
            cls = getattr(models, record["model"])
            loaded[n] = load_model(lambda cls=cls, kwargs=kwargs: cls(**kwargs), results_path(n, suffix=".pt"))
        _MODELS.update(loaded)                  # all six or none
    return _MODELS


def drawing_problem(image) -> str | None:
    """Why a drawing (a PIL image) cannot be read as a digit, in one line, or None if it can."""
    try:
        ink = ink_map(grey_of(image))
    except ImageInputError:
        return "Nothing to read yet: " + DRAW_PROMPT[0].lower() + DRAW_PROMPT[1:]
    rows, cols = torch.nonzero(ink, as_tuple=True)
    span = max(int(rows.max() - rows.min()) + 1, int(cols.max() - cols.min()) + 1)
    if span < SMALLEST * max(ink.shape):
        return (f"Too little ink to read: draw a digit larger than 1/{round(1 / SMALLEST)} of the box "
                f"(this drawing spans {span} of {max(ink.shape)} pixels).")
    seen = digit_from_image(image)
    share = float((seen > 0.5).float().mean())
    if share > MOST_INK:
        return (f"Too much ink to read: {share:.0%} of the 28x28 image would be ink, more than any MNIST digit "
                f"has ({MOST_INK:.0%} at most). Clear and draw one digit with single strokes.")
    return None


def read_drawing(image, centre: bool = True) -> dict:
    """A drawing (a PIL image) read by the six steps: {"message": one line or "", "image": the 28x28 tensor
    the networks see (None with a message), "readings": [{"step", "digit", "probs"}, ...] (empty with a
    message)}. Any failure becomes the message; nothing is raised."""
    try:
        problem = drawing_problem(image)
        if problem:
            return {"message": problem, "image": None, "readings": []}
        seen = digit_from_image(image, centre)
        readings = []
        for step, model in published_models().items():
            digit, probs = classify(model, seen)
            readings.append({"step": step, "digit": digit, "probs": [float(p) for p in probs]})
        return {"message": "", "image": seen, "readings": readings}
    except Exception as err:           # a learner's drawing must never end in a traceback
        return {"message": f"Could not read the drawing: {str(err).splitlines()[0] if str(err) else type(err).__name__}",
                "image": None, "readings": []}


def image_from_data_url(url: str):
    """A PNG data URL (what the canvas sends) as a PIL image; a ValueError if it is not one."""
    from PIL import Image, UnidentifiedImageError
    head, _, data = url.partition(",")
    if not head.startswith("data:image/") or ";base64" not in head:
        raise ValueError("not an image data URL")
    try:
        with Image.open(io.BytesIO(base64.b64decode(data, validate=True))) as img:
            img.load()
    except (binascii.Error, UnidentifiedImageError, OSError) as err:
        raise ValueError(f"not a readable image ({err.__class__.__name__})") from None
    return img


def data_url(image) -> str:
    """A PIL image as a PNG data URL, as the canvas sends its drawing."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


_CANVAS_CLASS = None


def canvas_class():
    """The widget's class, made on first use (importing anywidget, which imports ipywidgets, costs a
    moment that `import utils` need not pay). An ImportError without anywidget."""
    global _CANVAS_CLASS
    if _CANVAS_CLASS is not None:
        return _CANVAS_CLASS
    import anywidget
    import traitlets

    class DigitCanvas(anywidget.AnyWidget):
        """The canvas: `png` comes from the browser at the end of each stroke (a PNG data URL, "" once
        cleared); `centre` is the switch; Python answers with `readings` (per step: digit and the ten
        probabilities), `seen` (the 28x28 image the networks see, row by row) and `message`.
        In Python, `image` is that 28x28 image as a tensor (None while there is none)."""
        _esm = Path(__file__).with_name("canvas.js")
        _css = Path(__file__).with_name("canvas.css")
        png = traitlets.Unicode("").tag(sync=True)
        centre = traitlets.Bool(True).tag(sync=True)
        readings = traitlets.List([]).tag(sync=True)
        seen = traitlets.List([]).tag(sync=True)
        message = traitlets.Unicode(DRAW_PROMPT).tag(sync=True)

        def __init__(self, centre: bool = True, **kwargs):
            self.image = None
            super().__init__(centre=centre, **kwargs)

        @traitlets.observe("png", "centre")
        def _read(self, change=None):
            if not self.png:
                result = {"message": DRAW_PROMPT, "image": None, "readings": []}
            else:
                try:
                    result = read_drawing(image_from_data_url(self.png), self.centre)
                except ValueError as err:
                    result = {"message": f"Could not read the drawing: {err}", "image": None, "readings": []}
            self.image = result["image"]
            with self.hold_sync():
                self.readings = result["readings"]
                self.seen = [] if self.image is None else [[round(float(v), 3) for v in row] for row in self.image]
                self.message = result["message"]

        def _repr_mimebundle_(self, **kwargs):
            bundle = super()._repr_mimebundle_(**kwargs)
            if bundle:                      # not "<...DigitCanvas object at 0x...>" where widgets do not run:
                bundle[0]["text/plain"] = ""    # draw_digit's line says it
            return bundle

    _CANVAS_CLASS = DigitCanvas
    return DigitCanvas


def __getattr__(name):
    if name == "DigitCanvas":              # s7.core.canvas.DigitCanvas: the class, made on first use
        return canvas_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def draw_digit(centre: bool = True):
    """A canvas to draw a digit on: at the end of each stroke the six steps' published weights read it,
    each step's digit and ten probabilities side by side, beside the 28x28 image they see. centre=False
    starts with the switch off (the drawing scaled to 28x28 as drawn, not cropped or centred).

    In a notebook it shows one line above the canvas, NO_WIDGETS, which the canvas's style sheet hides as
    soon as the canvas renders: what stays where widgets do not run. Without anywidget, or outside a
    notebook's kernel: one printed line with the PNG route instead, and None."""
    try:
        cls = canvas_class()
    except ImportError:
        print(NO_ANYWIDGET)
        return None
    if not _in_a_kernel():
        print(NO_NOTEBOOK)
        return None
    from IPython.display import display
    display({"text/plain": NO_WIDGETS, "text/html": f'<div class="s7-no-widgets">{html.escape(NO_WIDGETS)}</div>'},
            raw=True)
    return cls(centre=centre)


def _in_a_kernel() -> bool:
    """Whether this runs in a notebook's kernel (where a widget can reach a front end)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return getattr(get_ipython(), "kernel", None) is not None


def samples_table(paths=None) -> str:
    """The samples (samples/*.png: digit_N, then hard_*) read by each step's published weights, centred as
    predict_digit does and as drawn (centring off): a markdown table, each cell the digit read and its
    probability, in bold where it is not the digit drawn (the file name's last character), and a line
    saying so."""
    from PIL import Image
    paths = list(paths) if paths is not None else (sorted(SAMPLES_DIR.glob("digit_*.png"))
                                                   + sorted(SAMPLES_DIR.glob("hard_*.png")))
    models = published_models()
    head = ["Sample", "Drawn"] + [f"Step {n}" for n in STEPS] + [f"Step {n}, off" for n in STEPS]
    lines = ["| " + " | ".join(head) + " |", "|---|---:|" + "---:|" * (2 * len(STEPS))]
    for path in paths:
        with Image.open(path) as img:
            img.load()
        drawn = int(Path(path).stem[-1])
        cells = []
        for centre in (True, False):
            seen = digit_from_image(img, centre)
            for n in STEPS:
                digit, probs = classify(models[n], seen)
                text = f"{digit} ({100 * float(probs[digit]):.0f}%)"
                cells.append(f"**{text}**" if digit != drawn else text)
        lines.append(f"| `{Path(path).name}` | {drawn} | " + " | ".join(cells) + " |")
    return "\n".join(lines + ["", "Each step's published weights: the digit read and its probability. Step N: centred, as "
                               "predict_digit and the canvas with its switch on; Step N, off: the canvas's switch off (the "
                               "drawing scaled to 28x28 as drawn, not cropped or centred). Bold: not the digit drawn."])
