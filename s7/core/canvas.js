// The drawing canvas of s7/core/canvas.py (an anywidget front end): draw with a mouse, a pen or a finger;
// at the end of each stroke the drawing goes to Python as a PNG data URL (the trait `png`), and the
// readings Python sends back (`readings`, `seen`, `message`) are drawn beside it.

const SIZE = 280;                   // the canvas, in its own pixels (what Python receives)
const PEN = 20;                     // pen width: about MNIST's stroke for a digit drawn most of the box tall
const BOX = (SIZE * 20) / 28;       // MNIST's 20x20 box within its 28x28 field, at canvas scale

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el: root }) {
  const widget = el("div", "s7-canvas");
  root.appendChild(widget);

  // left: the canvas, the guide square, the buttons
  const left = el("div", "s7-left");
  const frame = el("div", "s7-frame");
  const canvas = el("canvas", "s7-draw");
  canvas.width = SIZE;
  canvas.height = SIZE;
  canvas.setAttribute("aria-label", "drawing area: draw one digit");
  const guide = el("div", "s7-guide");
  guide.style.left = guide.style.top = `${(100 * (SIZE - BOX)) / 2 / SIZE}%`;
  guide.style.width = guide.style.height = `${(100 * BOX) / SIZE}%`;
  guide.title = "where MNIST's 20x20 box sits in its 28x28 field";
  frame.append(canvas, guide);
  const controls = el("div", "s7-controls");
  const clear = el("button", "s7-clear", "Clear");
  clear.type = "button";
  const label = el("label", "s7-switch");
  const centre = el("input");
  centre.type = "checkbox";
  label.append(centre, document.createTextNode(" centre the digit (as MNIST was made)"));
  controls.append(clear, label);
  const hint = el("div", "s7-hint");
  left.append(frame, controls, hint);

  // right: what the networks see, the message, the six readings
  const right = el("div", "s7-right");
  const seenBox = el("div", "s7-seen");
  const seen = el("canvas", "s7-seen-img");
  seen.width = seen.height = 28;
  seenBox.append(el("div", "s7-caption", "what the networks see, 28x28"), seen);
  const message = el("div", "s7-message");
  const row = el("div", "s7-row");
  const steps = el("div", "s7-steps");
  row.append(seenBox, steps);
  right.append(message, row);
  widget.append(left, right);

  // drawing
  const ctx = canvas.getContext("2d");
  function blank() {
    ctx.fillStyle = "white";
    ctx.fillRect(0, 0, SIZE, SIZE);
  }
  blank();
  ctx.strokeStyle = ctx.fillStyle = "black";
  ctx.lineWidth = PEN;
  ctx.lineCap = ctx.lineJoin = "round";

  let drawing = false;
  let last = null;
  function at(clientX, clientY) {
    const r = canvas.getBoundingClientRect();
    return [((clientX - r.left) * SIZE) / r.width, ((clientY - r.top) * SIZE) / r.height];
  }
  function start(x, y) {
    drawing = true;
    last = [x, y];
    ctx.fillStyle = "black";
    ctx.beginPath();
    ctx.arc(x, y, PEN / 2, 0, 2 * Math.PI);      // a tap leaves a dot
    ctx.fill();
  }
  function move(x, y) {
    if (!drawing) return;
    ctx.beginPath();
    ctx.moveTo(last[0], last[1]);
    ctx.lineTo(x, y);
    ctx.stroke();
    last = [x, y];
  }
  function end() {
    if (!drawing) return;
    drawing = false;
    hint.textContent = "reading…";
    model.set("png", canvas.toDataURL("image/png"));
    model.save_changes();
  }

  if (window.PointerEvent) {          // mouse, pen and touch alike
    canvas.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      start(...at(e.clientX, e.clientY));
    });
    canvas.addEventListener("pointermove", (e) => {
      if (!drawing) return;
      e.preventDefault();
      const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
      for (const p of events.length ? events : [e]) move(...at(p.clientX, p.clientY));
    });
    for (const kind of ["pointerup", "pointercancel", "lostpointercapture"]) canvas.addEventListener(kind, end);
  } else {                            // older browsers: mouse and touch events
    canvas.addEventListener("mousedown", (e) => start(...at(e.clientX, e.clientY)));
    canvas.addEventListener("mousemove", (e) => move(...at(e.clientX, e.clientY)));
    window.addEventListener("mouseup", end);
    const touch = (f) => (e) => {
      e.preventDefault();
      const t = e.changedTouches[0];
      f(...at(t.clientX, t.clientY));
    };
    canvas.addEventListener("touchstart", touch(start), { passive: false });
    canvas.addEventListener("touchmove", touch(move), { passive: false });
    canvas.addEventListener("touchend", (e) => { e.preventDefault(); end(); }, { passive: false });
    canvas.addEventListener("touchcancel", end);
  }

  clear.addEventListener("click", () => {
    blank();
    hint.textContent = "";
    model.set("png", "");
    model.save_changes();
  });
  centre.addEventListener("change", () => {
    model.set("centre", centre.checked);
    model.save_changes();
  });

  // what Python sends back
  function showSwitch() {
    centre.checked = model.get("centre");
    guide.style.display = centre.checked ? "none" : "block";
  }
  function showSeen() {
    const rows = model.get("seen") || [];
    const sctx = seen.getContext("2d");
    const img = sctx.createImageData(28, 28);
    for (let i = 0; i < 28 * 28; i++) {
      const v = rows.length ? Math.round(255 * rows[Math.floor(i / 28)][i % 28]) : 0;
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
      img.data[4 * i + 3] = 255;
    }
    sctx.putImageData(img, 0, 0);
  }
  function showReadings() {
    hint.textContent = "";
    message.textContent = model.get("message") || "";
    message.style.display = message.textContent ? "block" : "none";
    steps.replaceChildren();
    for (const r of model.get("readings") || []) {
      const box = el("div", "s7-step");
      box.dataset.step = r.step;
      const p = r.probs[r.digit];
      box.append(el("div", "s7-step-name", `step ${r.step}`), el("div", "s7-digit", `${r.digit}`),
                 el("div", "s7-prob", `${(100 * p).toFixed(1)}%`));
      const bars = el("div", "s7-bars");
      r.probs.forEach((q, d) => {
        const col = el("div", "s7-col");
        col.title = `${d}: ${(100 * q).toFixed(1)}%`;
        const bar = el("div", d === r.digit ? "s7-bar s7-top" : "s7-bar");
        bar.style.height = `${Math.max(1, Math.round(60 * q))}px`;
        col.append(bar, el("div", "s7-label", `${d}`));
        bars.append(col);
      });
      box.append(bars);
      steps.append(box);
    }
  }
  showSwitch();
  showSeen();
  showReadings();
  model.on("change:centre", showSwitch);
  model.on("change:seen", showSeen);
  model.on("change:readings", showReadings);
  model.on("change:message", showReadings);
}

export default { render };
