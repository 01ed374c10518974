// Parameter plot: contour of J over (θ1, θ2), −∇J arrows, gradient-flow paths, the minimum, the start,
// and per racer its random guesses, its descent path (grown with extendTraces) and its current point.
// A click sets the start point.
//
// Two Plotly plots share one plot area: the back layer (contour, arrows, flow, axes, colour bar) is
// static and redrawn only when the landscape or the view changes; the front layer (paths and markers)
// takes the live updates, so a new step never makes Plotly recompute the contour. The front layer owns
// the mouse: zoom and pan are copied to the back layer, clicks and the J read-out use the pixel position.

/* global Plotly */

import { fmt, subscriptName } from "../format.js";
import { racerStates } from "../state.js";
import * as arrows from "./arrows.js";
import { arrowsTrace, catcherTrace, contourTrace, flowTrace, minimumTrace, startTrace } from "./landscape.js";
import { PLOT_CONFIG, axis, baseLayout, extend, racerColour } from "./theme.js";

const PATH_MAX = 20000; // points kept per drawn path
const GUESS_MAX = 4000; // random guesses kept per racer
const THIN = 1 / 1500; // a path point closer than this (in box units) to the last drawn one is not drawn
const MARGIN = { l: 58, r: 66, t: 8, b: 42 }; // fixed, so both layers have the same plot area
// Front-layer traces: the click catcher, the minimum, the start, then PER_RACER traces per racer, then
// (on top of every path) each racer's arrows at its current point (arrows.js).
const BASE = 3;
const PER_RACER = 3; // guesses, path, current point
const arrowTrace = (k, j) => BASE + PER_RACER * racers + arrows.KINDS.length * k + j;
// Back-layer traces.
const B = { contour: 0, arrows: 1, flow: 2 };

let back = null;
let front = null;
let readout = null;
let hooks = {};
let box = null; // {x_min, x_max, y_min, y_max} of the drawn landscape
let surface = null; // the landscape grid, for the J read-out
let view = { x: [0, 1], y: [0, 1] }; // the axis ranges shown
let zoomed = false; // the person zoomed or panned: keep their view when the landscape changes
let racers = 0;
let last = []; // last drawn path point per racer, for thinning
let leftBox = false;
let labels = ["θ₁", "θ₂"];
let syncing = false;
let generation = -1; // the run drawn: a new run starts with the whole view
let backCache = null; // {land, key} of what the back layer shows

/** Create both layers in `el`; hooks: onClick([θ1, θ2]), onLeaveBox(). */
export function init(el, h) {
  hooks = h;
  el.classList.add("layered");
  back = document.createElement("div");
  back.className = "layer layer-back";
  front = document.createElement("div");
  front.className = "layer layer-front";
  readout = document.createElement("div");
  readout.className = "hover-readout";
  readout.hidden = true;
  el.append(back, front, readout);
  Plotly.newPlot(back, [], backLayout(), { ...PLOT_CONFIG, staticPlot: true });
  Plotly.newPlot(front, [], frontLayout(0), PLOT_CONFIG);
  front.on("plotly_click", onClick);
  front.on("plotly_relayout", onRelayout);
  front.addEventListener("mousemove", onMove);
  front.addEventListener("mouseleave", () => { readout.hidden = true; });
}

function backLayout() {
  const ax = (title, range) => axis(title, { range: [...range], automargin: false, showgrid: false, zeroline: false });
  return baseLayout({
    margin: MARGIN,
    xaxis: ax(labels[0], view.x),
    yaxis: ax(labels[1], view.y),
    plot_bgcolor: "#f8f9fa",
  });
}

function frontLayout(uirevision) {
  const ax = (range) => ({
    range: [...range], automargin: false, showticklabels: false, showgrid: false, zeroline: false,
    showline: false, ticks: "",
  });
  return baseLayout({
    uirevision,
    margin: MARGIN,
    xaxis: ax(view.x),
    yaxis: ax(view.y),
    plot_bgcolor: "rgba(0,0,0,0)",
    dragmode: "zoom",
  });
}

function paramLabels(state) {
  const names = state?.problem?.param_names || ["θ1", "θ2"];
  const pretty = names.map(subscriptName);
  if (state?.problem?.kind === "linear_regression") return [`${pretty[0]}  (intercept)`, `${pretty[1]}  (slope)`];
  return pretty;
}

/** Redraw everything from the run (new run, hello, reset, new landscape). */
export function reset(run, viewFlags) {
  if (!front) return;
  labels = paramLabels(run.state);
  const land = run.landscape;
  const newBox = land ? land.box : null;
  const newRun = run.generation !== generation;
  if (newRun) zoomed = false;
  if (newBox && (!box || !zoomed)) view = { x: [newBox.x_min, newBox.x_max], y: [newBox.y_min, newBox.y_max] };
  generation = run.generation;
  box = newBox;
  surface = land ? land.surface : null;
  racers = Math.max(run.history.length, racerStates().length, 1);
  last = [];
  leftBox = false;
  // The back layer changes only with the landscape (or the axis titles): recomputing a contour is costly.
  const key = labels.join("|");
  if (!backCache || backCache.land !== land || backCache.key !== key) {
    backCache = { land, key };
    Plotly.react(back, [contourTrace(land), arrowsTrace(land, viewFlags), flowTrace(land, viewFlags)], backLayout(),
      { ...PLOT_CONFIG, staticPlot: true });
  } else if (back.layout && (back.layout.xaxis.range[0] !== view.x[0] || back.layout.xaxis.range[1] !== view.x[1]
      || back.layout.yaxis.range[0] !== view.y[0] || back.layout.yaxis.range[1] !== view.y[1])) {
    Plotly.relayout(back, { "xaxis.range": [...view.x], "yaxis.range": [...view.y] });
  }
  const b = box || { x_min: view.x[0], x_max: view.x[1], y_min: view.y[0], y_max: view.y[1] };
  const data = [catcherTrace(b), minimumTrace(run.state), startTrace(run.state)];
  for (let k = 0; k < racers; k++) data.push(...racerTraces(k, run.history[k]));
  const arrowsNow = arrows.compute(run, view);
  for (let k = 0; k < racers; k++) {
    arrows.traces(racerColour(k)).forEach((tr, j) => data.push({ ...tr, ...(arrowsNow[k]?.[j] || {}) }));
  }
  Plotly.react(front, data, frontLayout(run.generation), PLOT_CONFIG);
}

/** Show or hide the arrows and the flow paths. */
export function setView(viewFlags) {
  if (!back || !back.data || back.data.length < 3) return;
  Plotly.restyle(back, { visible: [!!viewFlags.arrows, !!viewFlags.flow] }, [B.arrows, B.flow]);
}

/** Add the steps of one or more animation frames: extend paths and guesses, move the current points. */
export function update(batch, run) {
  if (!front || !front.data || front.data.length < BASE) return;
  if (batch.length > racers) {
    reset(run, currentFlags());
    return;
  }
  const xs = [];
  const ys = [];
  const texts = [];
  const idx = [];
  const maxp = [];
  for (let k = 0; k < batch.length; k++) {
    const h = batch[k];
    if (!h || !h.t.length) continue;
    const base = BASE + PER_RACER * k;
    const g = guessesOf(h);
    if (g.x.length) {
      xs.push(g.x); ys.push(g.y); texts.push(g.text); idx.push(base); maxp.push(GUESS_MAX);
    }
    const p = thinPath(k, h);
    if (p.x.length) {
      xs.push(p.x); ys.push(p.y); texts.push(p.text); idx.push(base + 1); maxp.push(PATH_MAX);
    }
    const n = h.t.length - 1;
    if (h.p1[n] !== null) {
      xs.push([h.p1[n]]); ys.push([h.p2[n]]); texts.push([`t = ${h.t[n]}`]); idx.push(base + 2); maxp.push(1);
    }
    for (let i = 0; i < h.t.length && !leftBox; i++) if (h.p1[i] !== null) checkBox(h.p1[i], h.p2[i]);
  }
  // Every racer's arrows move to where it is now (a finished racer's disappear), replacing the old ones.
  arrows.compute(run, view).forEach((set, k) => {
    if (k >= racers) return;
    set.forEach((a, j) => {
      xs.push(a.x); ys.push(a.y); texts.push(a.x.map(() => "")); idx.push(arrowTrace(k, j));
      maxp.push(arrows.POINTS);
    });
  });
  extend(front, { x: xs, y: ys, text: texts }, idx, { x: maxp, y: maxp, text: maxp });
}

function currentFlags() {
  return { arrows: back.data?.[B.arrows]?.visible !== false, flow: back.data?.[B.flow]?.visible === true };
}

function checkBox(x, y) {
  if (!box || leftBox) return;
  const mx = (box.x_max - box.x_min) * 0.02;
  const my = (box.y_max - box.y_min) * 0.02;
  if (x < box.x_min - mx || x > box.x_max + mx || y < box.y_min - my || y > box.y_max + my) {
    leftBox = true; // once per landscape: the next landscape resets it
    hooks.onLeaveBox?.();
  }
}

// ----- zoom, clicks and the J read-out ----------------------------------------------------------

function onRelayout(ev) {
  if (syncing) return;
  const auto = ev["xaxis.autorange"] || ev["yaxis.autorange"];
  // Only a zoom or a pan moves the axes: a resize ({autosize: true}) is not the person choosing a view.
  const moved = Object.keys(ev).some((k) => k.startsWith("xaxis.range") || k.startsWith("yaxis.range"));
  if (!auto && !moved) return;
  if (auto && box) {
    zoomed = false;
    view = { x: [box.x_min, box.x_max], y: [box.y_min, box.y_max] };
    syncing = true;
    Plotly.relayout(front, { "xaxis.range": [...view.x], "yaxis.range": [...view.y] })
      .finally(() => { syncing = false; });
  } else if (front.layout?.xaxis?.range && front.layout?.yaxis?.range) {
    zoomed = true;
    view = { x: [...front.layout.xaxis.range], y: [...front.layout.yaxis.range] };
  } else {
    return;
  }
  Plotly.relayout(back, { "xaxis.range": [...view.x], "yaxis.range": [...view.y] });
}

function onClick(ev) {
  const pt = pointAt(ev.event) || (ev.points && ev.points[0] ? [ev.points[0].x, ev.points[0].y] : null);
  if (pt && pt.every(Number.isFinite)) hooks.onClick?.(pt);
}

/** The θ under the mouse, from the plot area's pixels and the axis ranges shown. */
function pointAt(e) {
  const area = front.querySelector(".nsewdrag");
  if (!e || !area) return null;
  const r = area.getBoundingClientRect();
  const fx = (e.clientX - r.left) / r.width;
  const fy = (e.clientY - r.top) / r.height;
  if (!(fx >= 0 && fx <= 1 && fy >= 0 && fy <= 1)) return null;
  return [view.x[0] + fx * (view.x[1] - view.x[0]), view.y[1] - fy * (view.y[1] - view.y[0])];
}

function onMove(e) {
  const p = pointAt(e);
  if (!p || !surface) {
    readout.hidden = true;
    return;
  }
  const J = interpolate(p[0], p[1]);
  readout.textContent = `${labels[0].split(" ")[0]} = ${fmt(p[0], 4)}   ${labels[1].split(" ")[0]} = ${fmt(p[1], 4)}`
    + `   J ≈ ${J === null ? "–" : fmt(J, 4)}`;
  readout.hidden = false;
}

/** J at (a, b) by bilinear interpolation of the landscape grid (null outside it). */
function interpolate(a, b) {
  const { x, y, z } = surface;
  const n = x.length;
  const m = y.length;
  const fi = ((a - x[0]) / (x[n - 1] - x[0])) * (n - 1);
  const fj = ((b - y[0]) / (y[m - 1] - y[0])) * (m - 1);
  if (!(fi >= 0 && fi <= n - 1 && fj >= 0 && fj <= m - 1)) return null;
  const i = Math.min(Math.floor(fi), n - 2);
  const j = Math.min(Math.floor(fj), m - 2);
  const u = fi - i;
  const v = fj - j;
  const z00 = z[j][i];
  const z10 = z[j][i + 1];
  const z01 = z[j + 1][i];
  const z11 = z[j + 1][i + 1];
  if ([z00, z10, z01, z11].some((q) => q === null)) return null;
  return (1 - u) * (1 - v) * z00 + u * (1 - v) * z10 + (1 - u) * v * z01 + u * v * z11;
}

// ----- traces ---------------------------------------------------------------------------------

function racerTraces(k, h) {
  const colour = racerColour(k);
  const g = h ? guessesOf(h) : { x: [], y: [], text: [] };
  const p = h ? thinPath(k, h) : { x: [], y: [], text: [] };
  const n = h ? h.t.length - 1 : -1;
  const cur = n >= 0 && h.p1[n] !== null ? { x: [h.p1[n]], y: [h.p2[n]], text: [`t = ${h.t[n]}`] }
    : { x: [], y: [], text: [] };
  return [
    {
      type: "scatter", mode: "markers", ...g, name: "guesses",
      marker: { size: 4, color: "rgba(73,80,87,0.5)", line: { width: 0 } },
      hovertemplate: "guess at %{text}<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
    },
    {
      type: "scatter", mode: "lines+markers", ...p, name: "path",
      line: { color: colour, width: 2.2 },
      marker: { size: 4, color: colour },
      hovertemplate: "%{text}<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
    },
    {
      type: "scatter", mode: "markers", ...cur, name: "θₜ",
      marker: { size: 12, color: colour, line: { color: "#ffffff", width: 2 } },
      hovertemplate: "θₜ at %{text}<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
    },
  ];
}

function guessesOf(h) {
  const out = { x: [], y: [], text: [] };
  for (let i = 0; i < h.t.length; i++) {
    const g = h.guess[i];
    if (g) { out.x.push(g[0]); out.y.push(g[1]); out.text.push(`t = ${h.t[i]}`); }
  }
  return out;
}

/** The points of h worth drawing: each one far enough from the last drawn (the rest are invisible). */
function thinPath(k, h) {
  const out = { x: [], y: [], text: [] };
  const sx = box ? box.x_max - box.x_min : 1;
  const sy = box ? box.y_max - box.y_min : 1;
  let prev = last[k];
  for (let i = 0; i < h.t.length; i++) {
    const a = h.p1[i];
    const b = h.p2[i];
    if (a === null || b === null) continue;
    if (prev && Math.hypot((a - prev[0]) / sx, (b - prev[1]) / sy) < THIN) continue;
    out.x.push(a); out.y.push(b); out.text.push(`t = ${h.t[i]}`);
    prev = [a, b];
  }
  last[k] = prev;
  return out;
}

// ----- test hooks -----------------------------------------------------------------------------

/** Points drawn in racer k's path trace. */
export function pathLength(k = 0) {
  const tr = front?.data?.[BASE + PER_RACER * k + 1];
  return tr && tr.x ? tr.x.length : 0;
}

/** Random guesses drawn for racer k. */
export function guessCount(k = 0) {
  const tr = front?.data?.[BASE + PER_RACER * k];
  return tr && tr.x ? tr.x.length : 0;
}

/** Arrows drawn at the racers' current points (Δθ, −∇J, momentum; test hook). */
export function stepArrowCount() {
  return arrows.countDrawn(front?.data);
}

/** Arrows drawn (0 when hidden or not loaded). */
export function arrowCount() {
  const tr = back?.data?.[B.arrows];
  return tr && tr.visible !== false && tr.x ? tr.x.filter((v) => v === null).length / 2 : 0;
}

/** The θ box the landscape was computed over. */
export function currentBox() {
  return box ? { ...box } : null;
}
