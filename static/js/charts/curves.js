// Curves against t, or against the training examples seen (the menu in the card's title): J(θₜ) on top (log
// scale optional) and ‖∇J(θₜ)‖ below (log by default), with the minimum J* and the tolerance ε drawn as dashed
// lines, and each racer's stop marked where its test fired (curves_marks.js). One pair of traces per racer;
// random guessing uses no gradient, so its ‖∇J‖ curve is not drawn.

/* global Plotly */

import { fmt } from "../format.js";
import * as S from "../state.js";
import { PLOT_CONFIG, axis, baseLayout, extend, racerColour } from "./theme.js";
import { LINEAR, logAxis, ticksKey } from "./log_ticks.js";
import { guesses, noGradientNote, stopMarks } from "./curves_marks.js";

const MAX_POINTS = 50000;
// Plotly redraws every point of a line it extends: past CAP points a curve is drawn from every 2nd, 4th, …
// step (a power of two, so the points drawn stay the same ones), which a chart a few hundred pixels wide
// cannot tell apart, and an update stays cheap at any speed.
const CAP = 3000;
const COLUMNS = ["t", "loss", "grad_norm", "examples"];

/** Every `stride`-th value of `a` (from the first), and its last one. */
function every(a, stride) {
  if (stride === 1) return a.slice();
  const out = [];
  for (let i = 0; i < a.length; i += stride) out.push(a[i]);
  if ((a.length - 1) % stride !== 0 && a.length) out.push(a[a.length - 1]);
  return out;
}
const PER_RACER = 2; // J, ‖∇J‖
const hasData = () => S.racerStates().some((r) => r.examples !== null && r.examples !== undefined); // it has data

/** Create the plot in `el`. */
export function createCurves(el) {
  let racers = 0;
  let stride = 1; // the curves show every stride-th step
  let marks = { Jstar: null, eps: null };
  let shown = { logJ: true, logGrad: true }; // the axis types drawn
  let by = "t"; // the x-axis: "t" or "examples"
  const jRange = [Infinity, -Infinity];
  const gRange = [Infinity, -Infinity];
  const xRange = [Infinity, -Infinity]; // of the examples seen
  let tickKeys = "";
  let stopKey = "";
  let stops = [];
  let signed = false;
  let last = null; // the run last drawn (the x-axis menu redraws it)
  const gd = el;
  const pick = mountPick();
  Plotly.newPlot(gd, [], layout(0, { logJ: true, logGrad: true }), PLOT_CONFIG);
  // The marks follow the frames (update): a listener on every state would run inside the session's reset.

  /** The x-axis menu among the card's tools (t or examples seen), shown for runs with data. */
  function mountPick() {
    const card = el.closest(".card");
    const tools = card?.querySelector(".card-head .card-tools");
    if (!tools) return null;
    const label = document.createElement("label");
    label.className = "toggle curves-x";
    label.title = "the curves against t (updates) or against the training examples the updates used";
    label.hidden = true;
    label.innerHTML = `<select class="small-select" data-testid="curves-x" aria-label="the curves' x-axis">
      <option value="t">t</option><option value="examples">examples</option></select>`;
    tools.prepend(label);
    const sel = label.querySelector("select");
    sel.style.width = "auto"; // as narrow as its words: the card's title keeps its room
    sel.addEventListener("change", () => {
      S.setConfig({ view: { byExamples: sel.value === "examples" } });
      if (last) reset(last, S.config.view);
    });
    return sel;
  }

  /** The card's subtitle says what the curves are against. */
  function subtitle() {
    const sub = el.closest(".card")?.querySelector(".card-head .sub");
    const text = by === "examples" ? "against examples seen" : "against t";
    if (sub && sub.textContent !== text) sub.textContent = text;
  }

  function xTitle() {
    return by === "examples" ? "training examples seen (log)" : "t (iteration)";
  }

  // Against examples seen the x-axis is logarithmic: one example per update and N per update differ by N times.
  function xAxis() {
    if (by !== "examples") return axis(xTitle(), { rangemode: "tozero", ...LINEAR });
    return axis(xTitle(), logAxis(xRange[0], xRange[1]));
  }

  function layout(uirevision, view) {
    shown = { logJ: !!view.logJ && !signed, logGrad: !!view.logGrad };
    return baseLayout({
      uirevision: `${uirevision}|${by}`,
      margin: { l: 56, r: 10, t: 6, b: 36 },
      grid: { rows: 2, columns: 1, subplots: [["xy"], ["xy2"]], roworder: "top to bottom", ygap: 0.12 },
      xaxis: xAxis(),
      yaxis: axis("J(θₜ)", jAxis(view.logJ)),
      yaxis2: axis("‖∇J(θₜ)‖₂", gAxis(view.logGrad)),
      xaxis2: { matches: "x", visible: false },
      shapes: shapes(),
      annotations: annotations(),
    });
  }

  // Some J ≤ 0 was seen (the six-hump camel's minimum is −1.03, a saddle has no bottom): a log axis would drop
  // those points, so J is drawn on a linear axis whatever the log toggle says.
  function jAxis(log) { return log && !signed ? logAxis(jRange[0], jRange[1]) : LINEAR; }
  function gAxis(log) { return log ? logAxis(gRange[0], gRange[1]) : LINEAR; }

  function track(range, values, isJ) {
    for (const v of values) {
      if (v > 0 && Number.isFinite(v)) {
        if (v < range[0]) range[0] = v;
        if (v > range[1]) range[1] = v;
      } else if (isJ && v !== null && v <= 0) {
        signed = true;
      }
    }
  }

  /** Whether the ticks the axes need changed (the ranges grew past a tick). */
  function ticksChanged() {
    const key = `${signed}|${ticksKey(jRange[0], jRange[1])}|${ticksKey(gRange[0], gRange[1])}|${
      by === "examples" ? ticksKey(xRange[0], xRange[1]) : ""}`;
    const changed = key !== tickKeys;
    tickKeys = key;
    return changed;
  }

  function allGuess() { return S.racerStates().length > 0 && S.racerStates().every(guesses); }

  function shapes() {
    const out = [];
    const line = (yref, y, colour) => ({
      type: "line", xref: "paper", x0: 0, x1: 1, yref, y0: y, y1: y,
      line: { color: colour, width: 1, dash: "dash" }, layer: "below",
    });
    if (marks.Jstar !== null && marks.Jstar > 0) out.push(line("y", marks.Jstar, "#b08900"));
    if (marks.eps !== null && marks.eps > 0 && !allGuess()) out.push(line("y2", marks.eps, "#2b8a3e"));
    return out;
  }

  function annotations() {
    const out = [];
    // Annotations on a log axis are placed in log10 units (shapes take data values).
    const label = (yref, y, text, colour) => ({
      xref: "paper", x: 1, xanchor: "right", yref,
      y: (yref === "y" ? shown.logJ : shown.logGrad) ? Math.log10(y) : y, yanchor: "bottom", text, showarrow: false,
      font: { size: 10, color: colour }, bgcolor: "rgba(255,255,255,0.7)",
    });
    if (marks.Jstar !== null && marks.Jstar > 0) out.push(label("y", marks.Jstar, `J* = ${fmt(marks.Jstar)}`, "#b08900"));
    if (marks.eps !== null && marks.eps > 0 && !allGuess()) out.push(label("y2", marks.eps, `ε = ${fmt(marks.eps)}`, "#2b8a3e"));
    const note = noGradientNote(S.racerStates());
    if (note) out.push(note);
    return out.concat(stops);
  }

  /** Recompute the stop marks; relayout when they changed. */
  function refreshMarks(force = false) {
    if (!gd.layout || !last) return;
    const m = stopMarks(S.racerStates(), last.history || [], by, { J: shown.logJ, grad: shown.logGrad }, racerColour);
    if (!force && m.key === stopKey) return;
    stopKey = m.key;
    stops = m.annotations;
    Plotly.relayout(gd, { annotations: annotations() });
  }

  // No update has used an example at t = 0: a log axis cannot draw 0, so that point is left out.
  function xOf(h) { return by === "examples" ? h.examples.map((v) => (v > 0 ? v : null)) : h.t; }

  /** Redraw from the run's history. */
  function reset(run, view) {
    if (!gd) return;
    last = run;
    const data_ = hasData();
    by = view.byExamples && data_ ? "examples" : "t";
    if (pick) {
      pick.parentElement.hidden = !data_;
      pick.value = by;
    }
    subtitle();
    const states = S.racerStates();
    racers = Math.max(run.history.length, states.length, 1);
    marks = { Jstar: run.state?.problem?.minimum_loss ?? null, eps: run.state?.stop?.grad_norm ?? null };
    for (const r of [jRange, gRange, xRange]) [r[0], r[1]] = [Infinity, -Infinity];
    signed = false;
    run.history.forEach((h, k) => {
      track(jRange, h.loss, true);
      if (!guesses(states[k])) track(gRange, h.grad_norm, false);
      track(xRange, h.examples || [], false);
    });
    if (marks.Jstar > 0) track(jRange, [marks.Jstar], true);
    if (marks.eps > 0 && !allGuess()) track(gRange, [marks.eps], false);
    ticksChanged();
    const data = [];
    const names = states.map((r) => r.optimizer?.label || r.optimizer?.name || "");
    stride = 1;
    while (Math.max(0, ...run.history.map((h) => h.t.length)) / stride > CAP) stride *= 2;
    const xName = by === "examples" ? "examples" : "t";
    for (let k = 0; k < racers; k++) {
      const full = run.history[k] || { t: [], loss: [], grad_norm: [], examples: [] };
      const h = {};
      for (const c of COLUMNS) h[c] = every(full[c] || [], stride);
      const colour = racerColour(k);
      const name = names[k] || `racer ${k + 1}`;
      data.push({
        type: "scatter", mode: "lines", x: xOf(h).slice(), y: h.loss.slice(), xaxis: "x", yaxis: "y",
        name, line: { color: colour, width: 1.8 },
        hovertemplate: `${xName} = %{x}<br>J = %{y:.5g}<extra>%{fullData.name}</extra>`,
      });
      data.push({
        type: "scatter", mode: "lines", x: xOf(h).slice(), y: h.grad_norm.slice(), xaxis: "x", yaxis: "y2",
        name, line: { color: colour, width: 1.4 }, visible: !guesses(states[k]),
        hovertemplate: `${xName} = %{x}<br>‖∇J‖ = %{y:.3g}<extra>%{fullData.name}</extra>`,
      });
    }
    shown = { logJ: !!view.logJ && !signed, logGrad: !!view.logGrad };
    const m = stopMarks(states, run.history, by, { J: shown.logJ, grad: shown.logGrad }, racerColour);
    stopKey = m.key;
    stops = m.annotations;
    Plotly.react(gd, data, layout(run.generation, view), PLOT_CONFIG);
  }

  /** Append one animation frame's steps. */
  function update(batch, run, view) {
    if (!gd || !gd.data) return;
    last = run;
    if (batch.length > racers) {
      reset(run, view);
      return;
    }
    const states = S.racerStates();
    const xs = [];
    const ys = [];
    const idx = [];
    for (let k = 0; k < batch.length; k++) {
      let h = batch[k];
      if (!h || !h.t.length) continue;
      if ((gd.data[PER_RACER * k]?.x?.length ?? 0) > 2 * CAP) {
        reset(run, view); // drawn from every (2 × stride)-th step from now on
        return;
      }
      track(jRange, h.loss, true);
      if (!guesses(states[k])) track(gRange, h.grad_norm, false);
      track(xRange, h.examples || [], false);
      if (stride > 1) {
        const first = (run.history[k]?.t.length ?? h.t.length) - h.t.length; // index of h's first step
        const keep = h.t.map((_, j) => (first + j) % stride === 0);
        const cut = {};
        for (const c of COLUMNS) cut[c] = (h[c] || []).filter((_, j) => keep[j]);
        h = cut;
        if (!h.t.length) continue;
      }
      xs.push(xOf(h), xOf(h));
      ys.push(h.loss, h.grad_norm);
      idx.push(PER_RACER * k, PER_RACER * k + 1);
    }
    if (idx.length) extend(gd, { x: xs, y: ys }, idx, MAX_POINTS);
    if (ticksChanged() && (view.logJ || view.logGrad || by === "examples")) setView(view);
    refreshMarks();
  }

  /** Switch the J and ‖∇J‖ axes between log and linear. */
  function setView(view) {
    if (!gd || !gd.layout) return;
    shown = { logJ: !!view.logJ && !signed, logGrad: !!view.logGrad };
    const update = { "yaxis.autorange": true, "yaxis2.autorange": true };
    if (by === "examples") for (const [k, v] of Object.entries(logAxis(xRange[0], xRange[1]))) update[`xaxis.${k}`] = v;
    for (const [k, v] of Object.entries(jAxis(view.logJ))) update[`yaxis.${k}`] = v;
    for (const [k, v] of Object.entries(gAxis(view.logGrad))) update[`yaxis2.${k}`] = v;
    const m = last ? stopMarks(S.racerStates(), last.history || [], by, { J: shown.logJ, grad: shown.logGrad }, racerColour) : null;
    if (m) [stopKey, stops] = [m.key, m.annotations];
    update.annotations = annotations();
    Plotly.relayout(gd, update);
  }

  /** Move the dashed ε line (the stopping test changed). */
  function setMarks(changes) {
    if (!gd || !gd.layout) return;
    const next = { ...marks, ...changes };
    if (next.Jstar === marks.Jstar && next.eps === marks.eps) return;
    marks = next;
    Plotly.relayout(gd, { shapes: shapes(), annotations: annotations() });
  }

  const xsOf = (k) => gd?.data?.[PER_RACER * k]?.x || [];
  /** What the chart shows, for the browser tests: points, the x-axis, the stop marks, hidden ‖∇J‖ curves, ticks. */
  const probes = {
    curveLength: (k = 0) => xsOf(k).length, // points in racer k's J curve
    xAxis: () => by,
    lastX: (k = 0) => xsOf(k).at(-1) ?? null,
    stopMarks: () => stops.map((a) => ({ name: a.name, text: a.text, yref: a.yref, x: a.x })),
    gradVisible: (k = 0) => gd?.data?.[PER_RACER * k + 1]?.visible !== false,
    notes: () => (gd?.layout?.annotations || []).map((a) => a.text),
    ticks: () => ({ J: gd?.layout?.yaxis?.ticktext ?? null, grad: gd?.layout?.yaxis2?.ticktext ?? null }),
    epsLine: () => (gd?.layout?.shapes || []).some((s) => s.yref === "y2"),
  };

  return { reset, update, setView, setMarks, probes };
}
