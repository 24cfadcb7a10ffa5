"""The drawing canvas (s7/core/canvas.py, utils.draw_digit): its Python side driven the way a browser drives it,
and, in a real browser, strokes drawn with the mouse on the canvas in JupyterLab making the six readings appear.

The browser test needs Debian's chromium and playwright from PyPI; without them it skips. To run it alone:
    apt-get install -y chromium && pip install playwright && python -m pytest -q -m browser tests/test_canvas.py
(S7_CANVAS_SCREENSHOT=path saves its screenshot there; otherwise it goes to the test's temporary folder.)
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import torch
from PIL import Image, ImageDraw

import models
from s7.core import canvas
from s7.core.canvas import DRAW_PROMPT, canvas_class, data_url, draw_digit, samples_table
from s7.core.digits import digit_from_image, predict_digit
from s7.core.places import ROOT, SAMPLES_DIR, results_path
from s7.core.records import load_model

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
RUN_BROWSER_TEST = ("apt-get install -y chromium && pip install playwright && "
                    "python -m pytest -q -m browser tests/test_canvas.py")


def drawing(strokes, size=280, pen=20) -> Image.Image:
    """Strokes (lists of points in 0..1 of the canvas) drawn as the canvas draws them: a round black pen on white."""
    img = Image.new("RGB", (size, size), "white")
    d = ImageDraw.Draw(img)
    for stroke in strokes:
        pts = [(x * size, y * size) for x, y in stroke]
        if len(pts) > 1:
            d.line(pts, fill="black", width=pen, joint="curve")
        for x, y in (pts[0], pts[-1]):
            d.ellipse([x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2], fill="black")
    return img


SEVEN = [[(0.22, 0.2), (0.78, 0.2), (0.42, 0.84)]]
SMALL_SEVEN_TOP_LEFT = [[(0.08, 0.08), (0.34, 0.08), (0.18, 0.4)]]


def from_browser(widget, **state):
    """An update of the widget's synced state, delivered the way the front end's message arrives."""
    widget._handle_msg({"content": {"data": {"method": "update", "state": state, "buffer_paths": []}},
                        "buffers": []})


@pytest.fixture
def widget():
    w = canvas_class()()
    yield w
    w.close()


def test_a_drawn_seven_is_read_by_the_six_steps_as_predict_digit_sees_it(widget, tmp_path):
    seven = drawing(SEVEN)
    from_browser(widget, png=data_url(seven))
    assert widget.message == ""
    assert [r["step"] for r in widget.readings] == [1, 2, 3, 4, 5, 6]
    for r in widget.readings:
        assert len(r["probs"]) == 10 and abs(sum(r["probs"]) - 1) < 1e-5, r["step"]
        assert r["digit"] == max(range(10), key=r["probs"].__getitem__)
    assert widget.readings[5]["digit"] == 7
    seven.save(tmp_path / "seven.png")
    model6 = load_model(models.Model6, results_path(6, suffix=".pt"))
    digit, probs, seen = predict_digit(model6, tmp_path / "seven.png")
    assert torch.equal(widget.image, seen)                       # the very image predict_digit sees
    assert widget.readings[5]["probs"] == pytest.approx(probs.tolist(), abs=1e-6) and digit == 7
    assert widget.seen == [[round(float(v), 3) for v in row] for row in seen]   # what the front end draws


def test_the_centring_switch_changes_what_the_networks_see(widget):
    off_centre = drawing(SMALL_SEVEN_TOP_LEFT)
    from_browser(widget, png=data_url(off_centre))
    centred = widget.image
    from_browser(widget, centre=False)
    as_drawn = widget.image
    assert widget.message == "" and len(widget.readings) == 6
    assert not torch.equal(centred, as_drawn)
    assert torch.equal(as_drawn, digit_from_image(off_centre, centre=False))

    def centre_of_mass(img):
        i = torch.arange(28.0)
        return float((img.sum(1) * i).sum() / img.sum()), float((img.sum(0) * i).sum() / img.sum())
    assert all(abs(c - 13.5) <= 1 for c in centre_of_mass(centred))
    assert all(c < 8 for c in centre_of_mass(as_drawn))          # still in the top-left corner
    rows = torch.nonzero(as_drawn.sum(1)).flatten()
    assert rows.max() - rows.min() + 1 < 14                     # and still small (centred: fitted to 20)


def scribble() -> Image.Image:
    g = torch.Generator().manual_seed(0)
    pts = (torch.rand(120, 2, generator=g) * 0.8 + 0.1).tolist()
    return drawing([pts], pen=40)


@pytest.mark.parametrize("name, png, message", [
    ("empty canvas", lambda: data_url(Image.new("RGB", (280, 280), "white")), "Nothing to read yet"),
    ("a dot", lambda: data_url(drawing([[(0.5, 0.5)]])), "Too little ink to read: draw a digit larger than"),
    ("a scribble", lambda: data_url(scribble()), "Too much ink to read"),
    ("cleared", lambda: "", DRAW_PROMPT),
    ("not a PNG", lambda: "data:image/png;base64,AAAA", "Could not read the drawing"),
])
def test_bad_drawings_get_a_message_not_an_exception(widget, name, png, message):
    from_browser(widget, png=data_url(drawing(SEVEN)))
    assert len(widget.readings) == 6
    from_browser(widget, png=png())
    assert widget.message.startswith(message), (name, widget.message)
    assert "\n" not in widget.message
    assert widget.readings == [] and widget.seen == [] and widget.image is None


def test_a_failure_inside_the_reading_is_a_message_too(widget, monkeypatch):
    def no_weights():
        raise FileNotFoundError("No weights at results/S7_Model_1.pt: train the notebook first")
    monkeypatch.setattr(canvas, "published_models", no_weights)
    from_browser(widget, png=data_url(drawing(SEVEN)))
    assert widget.message == "Could not read the drawing: No weights at results/S7_Model_1.pt: train the notebook first"
    assert widget.readings == [] and widget.image is None


def test_outside_a_notebook_draw_digit_prints_the_png_route(capsys, monkeypatch):
    assert draw_digit() is None                                    # pytest runs no kernel
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and 'utils.predict_digit(model, "my_digit.png")' in out

    def no_anywidget():
        raise ImportError("No module named 'anywidget'")
    monkeypatch.setattr(canvas, "canvas_class", no_anywidget)
    assert draw_digit() is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "anywidget" in out and 'utils.predict_digit(model, "my_digit.png")' in out


def test_samples_table_reads_every_sample_with_both_settings_of_the_switch():
    table = samples_table()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    names = sorted(p.name for p in SAMPLES_DIR.glob("*.png"))
    assert sorted(r.split("`")[1] for r in rows) == names
    assert {n.split("_")[0] for n in names} == {"digit", "hard"} and len(names) >= 18
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 2 + 12
        for cell in cells[2:]:
            digit, pct = cell.strip("*").split(" (")
            assert digit in "0123456789" and pct.endswith("%)")
            assert cell.startswith("**") == (digit != cells[1])    # bold: not the digit drawn


# ----------------------------------------------------------------------------
# In a real browser
# ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float, server: subprocess.Popen, log: Path):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(1)
    pytest.fail(f"JupyterLab did not answer at {url} in {seconds:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def jupyterlab(tmp_path):
    """JupyterLab on 127.0.0.1 at a free port, serving a temporary folder that holds one notebook: the
    one-line canvas cell. Its kernels import utils from the repository (PYTHONPATH)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip(f"playwright is not installed; to run this test: {RUN_BROWSER_TEST}")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.skip(f"no chromium at {CHROMIUM}; to run this test: {RUN_BROWSER_TEST}")
    pytest.importorskip("jupyterlab", reason=f"JupyterLab is not installed; to run this test: {RUN_BROWSER_TEST}")
    root = tmp_path / "lab"
    root.mkdir()
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "id": "canvas", "metadata": {},
                           "outputs": [], "source": ["import utils\n", "utils.draw_digit()"]}],
                "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
                "nbformat": 4, "nbformat_minor": 5}
    (root / "canvas.ipynb").write_text(json.dumps(notebook))
    port, token = free_port(), "s7-canvas-test"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "IPYTHONDIR": str(tmp_path / "ipython"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    log = tmp_path / "jupyterlab.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/api/status?token={token}", 180, server, log)
        yield f"{base}/lab/tree/canvas.ipynb?token={token}", log
    finally:
        try:                    # shut the kernel and the server down; then make sure the server is gone
            urllib.request.urlopen(urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST"), timeout=10)
        except OSError:
            pass
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def draw(page, box, points):
    """A stroke with the mouse: press at the first point, move through the others in small steps, release."""
    at = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in points]
    page.mouse.move(*at[0])
    page.mouse.down()
    for (x0, y0), (x1, y1) in zip(at, at[1:]):
        for k in range(1, 11):
            page.mouse.move(x0 + (x1 - x0) * k / 10, y0 + (y1 - y0) * k / 10)
    page.mouse.up()


@pytest.mark.browser
def test_strokes_drawn_in_jupyterlab_make_the_six_readings_appear(jupyterlab, tmp_path):
    from playwright.sync_api import expect, sync_playwright
    url, _ = jupyterlab
    shot = Path(os.environ.get("S7_CANVAS_SCREENSHOT") or tmp_path / "canvas.png")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1700, "height": 900}, has_touch=True)
            page.goto(url)
            page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for(timeout=180_000)
            cell = page.locator(".jp-Notebook .jp-CodeCell").first
            prompt = cell.locator(".jp-InputPrompt")
            for attempt in range(6):                              # run the canvas cell: Shift+Enter in it
                cell.locator(".jp-InputArea-editor").click()      # (JupyterLab drops a run asked for while
                page.keyboard.press("Shift+Enter")                # its kernel's connection still settles)
                try:
                    expect(prompt).not_to_have_text("[ ]:", timeout=10_000)
                    break
                except AssertionError:
                    if attempt == 5:
                        raise
            drawing_area = page.locator(".s7-draw")
            expect(drawing_area).to_be_visible(timeout=180_000)
            expect(page.locator(".s7-no-widgets")).to_be_hidden()  # the line for front ends without widgets
            box = drawing_area.bounding_box()
            for stroke in SEVEN:
                draw(page, box, stroke)
            steps = page.locator(".s7-step")
            expect(steps).to_have_count(6, timeout=120_000)
            readings = [steps.nth(i).locator(".s7-digit").inner_text() for i in range(6)]
            assert all(r in "0123456789" and len(r) == 1 for r in readings), readings
            assert readings[5] == "7", readings
            expect(steps.nth(0).locator(".s7-bar")).to_have_count(10)
            page.wait_for_timeout(300)
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.locator(".s7-canvas").screenshot(path=str(shot))

            seen = page.locator(".s7-seen-img")
            centred = seen.evaluate("c => c.toDataURL()")
            page.locator(".s7-switch input").uncheck()            # the switch: what the networks see changes
            page.wait_for_function("([c, before]) => c.toDataURL() !== before", arg=[seen.element_handle(), centred],
                                   timeout=60_000)
            expect(page.locator(".s7-guide")).to_be_visible()

            page.locator(".s7-clear").click()                     # cleared, then a dot: a message, no readings
            expect(steps).to_have_count(0, timeout=60_000)
            page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)   # a finger's tap
            expect(page.locator(".s7-message")).to_contain_text("Too little ink to read", timeout=60_000)
            assert "Traceback" not in page.locator(".jp-Notebook").inner_text()
        finally:
            browser.close()
    assert shot.is_file() and shot.stat().st_size > 1000
