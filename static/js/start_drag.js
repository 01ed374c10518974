// Drag the start θ⁽⁰⁾ on the parameter plot and see the path recompute at once (as in Distill's "Why Momentum
// Really Works"). Press on the start marker ○ and drag, with a mouse, a pen or a finger: once per animation
// frame the run is reset at the θ under the pointer and takes its first DRAG_STEPS steps (websocket `reset`,
// `step`, then a `ping` whose `pong` says they are all in), so the path drawn is the real run's own history.
// One such request is in flight at a time; the newest position goes next. A run that was playing plays on
// from the dropped start. A press anywhere else is the chart's own (a click sets the start, a drag zooms).
//
// The pointer is read here, in the capture phase on the plot's element, before Plotly's layers see it: the
// contour's code (charts/contour.js) knows nothing of the drag.

import * as S from "./state.js";
import * as socket from "./socket.js";

const GRAB_PX = 16; // a press this close to the start marker grabs it
export const DRAG_STEPS = 200; // steps of the path drawn while dragging

/** Start-point dragging on the contour in `el`; `session` sends the messages. {dragging, probes}. */
export function createStartDrag(el, session) {
  let drag = null; // {id, wasPlaying, latest: θ or null, ending}
  let inFlight = false;
  let queued = false;
  let sent = 0; // reset + step requests sent (test hook)
  const front = () => el.querySelector(".layer-front");

  /** The plot area's rectangle and axis ranges, or null before the chart is drawn. */
  function geometry() {
    const gd = front();
    const area = gd?.querySelector(".nsewdrag");
    const xa = gd?._fullLayout?.xaxis;
    const ya = gd?._fullLayout?.yaxis;
    if (!area || !xa?.range || !ya?.range) return null;
    return { r: area.getBoundingClientRect(), x: xa.range.map(Number), y: ya.range.map(Number) };
  }

  const toTheta = (g, cx, cy) => [
    g.x[0] + ((cx - g.r.left) / g.r.width) * (g.x[1] - g.x[0]),
    g.y[1] - ((cy - g.r.top) / g.r.height) * (g.y[1] - g.y[0]),
  ];
  const toPixels = (g, p) => [
    g.r.left + ((p[0] - g.x[0]) / (g.x[1] - g.x[0])) * g.r.width,
    g.r.top + ((g.y[1] - p[1]) / (g.y[1] - g.y[0])) * g.r.height,
  ];

  /** The start marker's page position, or null (no run, or not a two-parameter problem). */
  function startPixels() {
    const g = geometry();
    const s = S.run.state?.start;
    if (!g || !s || s.length !== 2) return null;
    return toPixels(g, s);
  }

  function near(cx, cy) {
    const p = startPixels();
    return !!p && Math.hypot(cx - p[0], cy - p[1]) <= GRAB_PX;
  }

  const round = (p) => p.map((v) => Number(v.toPrecision(4)));

  function onDown(ev) {
    if (drag || (ev.pointerType === "mouse" && ev.button !== 0) || !near(ev.clientX, ev.clientY)) return;
    ev.stopPropagation(); // not a zoom, not a click: Plotly never sees this press
    ev.preventDefault();
    drag = { id: ev.pointerId, wasPlaying: S.playing(), latest: null, ending: false };
    if (drag.wasPlaying) session.pause();
    el.setPointerCapture?.(ev.pointerId);
    el.classList.add("dragging-start");
    move(ev);
  }

  function move(ev) {
    if (!drag || ev.pointerId !== drag.id) return;
    ev.stopPropagation();
    const g = geometry();
    if (!g) return;
    const p = round(toTheta(g, ev.clientX, ev.clientY));
    if (!p.every(Number.isFinite)) return;
    drag.latest = p;
    if (!queued) {
      queued = true;
      requestAnimationFrame(tick);
    }
  }

  function up(ev) {
    if (!drag || ev.pointerId !== drag.id) return;
    ev.stopPropagation();
    drag.ending = true;
    el.classList.remove("dragging-start");
    tick();
  }

  /** Send the newest position when nothing is in flight; after the last one, play on if it played. */
  function tick() {
    queued = false;
    if (!drag || inFlight) return;
    if (drag.latest) {
      const params = drag.latest;
      drag.latest = null;
      S.setConfig({ start: params });
      const n = Math.min(DRAG_STEPS, S.config.stop.max_steps ?? DRAG_STEPS);
      session.send({ type: "reset", params });
      session.send({ type: "step", n });
      session.send({ type: "ping" }); // its pong follows every step taken
      inFlight = true;
      sent += 1;
      return;
    }
    if (drag.ending) {
      const resume = drag.wasPlaying;
      drag = null;
      if (resume) session.play();
    }
  }

  socket.listen("pong", () => {
    if (!inFlight) return;
    inFlight = false;
    tick();
  });

  el.addEventListener("pointerdown", onDown, true);
  el.addEventListener("pointermove", move, true);
  el.addEventListener("pointerup", up, true);
  el.addEventListener("pointercancel", up, true);
  // Plotly listens to mouse and touch events: while the start is held they stop here (a finger on the marker
  // does not scroll the page either).
  const hold = (ev) => {
    const t = ev.touches?.[0];
    if (drag || (t && near(t.clientX, t.clientY))) {
      ev.stopPropagation();
      if (ev.cancelable) ev.preventDefault();
    }
  };
  for (const type of ["mousedown", "touchstart", "touchmove", "click"]) {
    el.addEventListener(type, hold, { capture: true, passive: false });
  }

  return {
    dragging: () => !!drag,
    probes: { startPixels, sent: () => sent, busy: () => !!drag || inFlight },
  };
}
