// Curves against t: J(θₜ) on top (log scale optional) and ‖∇J(θₜ)‖ below (log by default),
// with the minimum J* and the tolerance ε drawn as dashed lines. One pair of traces per racer.

/* global Plotly */

import { fmt } from "../format.js";
import { racerStates } from "../state.js";
import { PLOT_CONFIG, axis, baseLayout, extend, racerColour } from "./theme.js";

const MAX_POINTS = 50000;
// Plotly redraws every point of a line it extends: past CAP points a curve is drawn from every 2nd, 4th, …
// step (a power of two, so the points drawn stay the same ones), which a chart a few hundred pixels wide
// cannot tell apart, and an update stays cheap at any speed.
const CAP = 3000;

/** Every `stride`-th value of `a` (from the first), and its last one. */
function every(a, stride) {
  if (stride === 1) return a.slice();
  const out = [];
  for (let i = 0; i < a.length; i += stride) out.push(a[i]);
  if ((a.length - 1) % stride !== 0 && a.length) out.push(a[a.length - 1]);
  return out;
}
const PER_RACER = 2; // J, ‖∇J‖

/** Create the plot in `el`. */
export function createCurves(el) {
  let racers = 0;
  let stride = 1; // the curves show every stride-th step
  let marks = { Jstar: null, eps: null };
  let shown = { logJ: true, logGrad: true }; // the axis types drawn
  let jRange = [Infinity, -Infinity];
  let jMode = "";
  let signed = false;
  const gd = el;
  Plotly.newPlot(gd, [], layout(0, { logJ: true, logGrad: true }), PLOT_CONFIG);

  function layout(uirevision, view) {
    shown = { logJ: !!view.logJ && !signed, logGrad: !!view.logGrad };
    return baseLayout({
      uirevision,
      margin: { l: 56, r: 10, t: 6, b: 36 },
      grid: { rows: 2, columns: 1, subplots: [["xy"], ["xy2"]], roworder: "top to bottom", ygap: 0.12 },
      xaxis: axis("t (iteration)", { rangemode: "tozero" }),
      yaxis: axis("J(θₜ)", jAxis(view.logJ)),
      yaxis2: axis("‖∇J(θₜ)‖₂", { type: view.logGrad ? "log" : "linear", exponentformat: "power" }),
      xaxis2: { matches: "x", visible: false },
      shapes: shapes(),
      annotations: annotations(),
    });
  }

  // Log J often spans only a decade or two, where Plotly labels every digit: label 1, 2, 5 × 10ᵏ then,
  // and decades only once J spans more than ~2.5 decades.
  const TICKS_125 = [];
  for (let e = -15; e <= 15; e++) for (const m of [1, 2, 5]) TICKS_125.push(m * 10 ** e);
  // Some J ≤ 0 was seen (the six-hump camel's minimum is −1.03, a saddle has no bottom): a log axis would drop
  // those points, so J is drawn on a linear axis whatever the log toggle says.

  function jAxis(log) {
    if (!log || signed) return { type: "linear", tickmode: "auto", tickvals: null, ticktext: null, dtick: null };
    const span = Math.log10(jRange[1] / jRange[0]);
    if (!(span < 2.5)) return { type: "log", tickmode: "auto", tickvals: null, ticktext: null, exponentformat: "power" };
    return { type: "log", tickmode: "array", tickvals: TICKS_125, ticktext: TICKS_125.map(tickLabel) };
  }

  /** 0.002, 0.5, 20, 5000 as they are; exponents only far from 1. */
  function tickLabel(v) {
    return v >= 1e-3 && v < 1e6 ? String(Number(v.toPrecision(1))) : fmt(v, 1);
  }

  function track(values) {
    let [lo, hi] = jRange;
    for (const v of values) {
      if (v > 0) { if (v < lo) lo = v; if (v > hi) hi = v; } else if (v !== null && v <= 0) signed = true;
    }
    jRange = [lo, hi];
    const mode = signed ? "linear" : Math.log10(hi / lo) < 2.5 ? "125" : "decades";
    const changed = mode !== jMode;
    jMode = mode;
    return changed;
  }

  function shapes() {
    const out = [];
    const line = (yref, y, colour) => ({
      type: "line", xref: "paper", x0: 0, x1: 1, yref, y0: y, y1: y,
      line: { color: colour, width: 1, dash: "dash" }, layer: "below",
    });
    if (marks.Jstar !== null && marks.Jstar > 0) out.push(line("y", marks.Jstar, "#b08900"));
    if (marks.eps !== null && marks.eps > 0) out.push(line("y2", marks.eps, "#2b8a3e"));
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
    if (marks.eps !== null && marks.eps > 0) out.push(label("y2", marks.eps, `ε = ${fmt(marks.eps)}`, "#2b8a3e"));
    return out;
  }

  /** Redraw from the run's history. */
  function reset(run, view) {
    if (!gd) return;
    racers = Math.max(run.history.length, racerStates().length, 1);
    marks = { Jstar: run.state?.problem?.minimum_loss ?? null, eps: run.state?.stop?.grad_norm ?? null };
    jRange = [Infinity, -Infinity];
    signed = false;
    for (const h of run.history) track(h.loss);
    if (marks.Jstar > 0) track([marks.Jstar]);
    const data = [];
    const names = racerStates().map((r) => r.optimizer?.label || r.optimizer?.name || "");
    stride = 1;
    while (Math.max(0, ...run.history.map((h) => h.t.length)) / stride > CAP) stride *= 2;
    for (let k = 0; k < racers; k++) {
      const full = run.history[k] || { t: [], loss: [], grad_norm: [] };
      const h = { t: every(full.t, stride), loss: every(full.loss, stride), grad_norm: every(full.grad_norm, stride) };
      const colour = racerColour(k);
      data.push({
        type: "scatter", mode: "lines", x: h.t.slice(), y: h.loss.slice(), xaxis: "x", yaxis: "y",
        name: names[k] || `racer ${k + 1}`, line: { color: colour, width: 1.8 },
        hovertemplate: "t = %{x}<br>J = %{y:.5g}<extra>%{fullData.name}</extra>",
      });
      data.push({
        type: "scatter", mode: "lines", x: h.t.slice(), y: h.grad_norm.slice(), xaxis: "x", yaxis: "y2",
        name: names[k] || `racer ${k + 1}`, line: { color: colour, width: 1.4 },
        hovertemplate: "t = %{x}<br>‖∇J‖ = %{y:.3g}<extra>%{fullData.name}</extra>",
      });
    }
    Plotly.react(gd, data, layout(run.generation, view), PLOT_CONFIG);
  }

  /** Append one animation frame's steps. */
  function update(batch, run, view) {
    if (!gd || !gd.data) return;
    if (batch.length > racers) {
      reset(run, view);
      return;
    }
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
      if (stride > 1) {
        const first = (run.history[k]?.t.length ?? h.t.length) - h.t.length; // index of h's first step
        const keep = h.t.map((_, j) => (first + j) % stride === 0);
        const pick = (a) => a.filter((_, j) => keep[j]);
        h = { t: pick(h.t), loss: pick(h.loss), grad_norm: pick(h.grad_norm) };
        if (!h.t.length) continue;
      }
      xs.push(h.t, h.t);
      ys.push(h.loss, h.grad_norm);
      idx.push(PER_RACER * k, PER_RACER * k + 1);
    }
    const retick = batch.map((h) => !!h && track(h.loss)).some(Boolean);
    if (!idx.length) return;
    extend(gd, { x: xs, y: ys }, idx, MAX_POINTS);
    if (retick && view.logJ) relayoutJ(view);
  }

  function relayoutJ(view) {
    const j = jAxis(view.logJ);
    const update = {};
    for (const [k, v] of Object.entries(j)) update[`yaxis.${k}`] = v;
    Plotly.relayout(gd, update);
  }

  /** Switch the J and ‖∇J‖ axes between log and linear. */
  function setView(view) {
    if (!gd || !gd.layout) return;
    shown = { logJ: !!view.logJ && !signed, logGrad: !!view.logGrad };
    const update = { "yaxis.autorange": true, "yaxis2.type": view.logGrad ? "log" : "linear", "yaxis2.autorange": true,
      annotations: annotations() };
    for (const [k, v] of Object.entries(jAxis(view.logJ))) update[`yaxis.${k}`] = v;
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

  /** Points in racer k's J curve (test hook). */
  function curveLength(k = 0) {
    const tr = gd?.data?.[PER_RACER * k];
    return tr && tr.x ? tr.x.length : 0;
  }

  return { reset, update, setView, setMarks, probes: { curveLength } };
}
