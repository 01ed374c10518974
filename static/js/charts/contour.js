// Parameter plot: contour of J over (θ1, θ2), −∇J arrows, gradient-flow paths, the minimum, the start,
// and per racer its random guesses, its descent path (grown with extendTraces) and its current point.
// A click sets the start point.
//
// Two Plotly plots share one plot area: the back layer (contour, arrows, flow, axes, colour bar) is
// static and redrawn only when the landscape or the view changes; the front layer (paths and markers)
// takes the live updates, so a new step never makes Plotly recompute the contour. The front layer owns
// the mouse: zoom and pan are copied to the back layer, clicks and the J read-out use the pixel position.

/* global Plotly */

import { fmt } from "../format.js";
import { config, racerStates } from "../state.js";
import { KINDS, POINTS, countDrawn, createArrows, traces as arrowTraces } from "./arrows.js";
import { arrowsTrace, catcherTrace, contourTrace, flowTrace, minimumTrace, startTrace } from "./landscape.js";
import { PLOT_CONFIG, extend, racerColour } from "./theme.js";
import { FADED, createClip } from "./contour_clip.js";
import {
  backLayout as backOf, frontLayout as frontOf, guessBoxes, guessesOf, interpolate, paramLabels, racerTraces,
} from "./contour_traces.js";

const PATH_MAX = 20000; // points kept per drawn path
const GUESS_MAX = 4000; // random guesses kept per racer
const THIN = 1 / 1500; // a path point closer than this (in box units) to the last drawn one is not drawn
// Front-layer traces: the click catcher, the minimum, the start, then PER_RACER traces per racer, then
// (on top of every path) each racer's arrows at its current point (arrows.js).
const BASE = 3;
const PER_RACER = 3; // guesses, path, current point
// Back-layer traces.
const B = { contour: 0, arrows: 1, flow: 2 };

/** Both layers in `el`; hooks: onClick([θ1, θ2]), onLeaveBox(). {reset, update, setView, setArrows, probes}. */
export function createContour(el, hooks, { stepArrows = true } = {}) {
  el.classList.add("layered");
  const back = document.createElement("div");
  back.className = "layer layer-back";
  const front = document.createElement("div");
  front.className = "layer layer-front";
  const readout = document.createElement("div");
  readout.className = "hover-readout";
  readout.hidden = true;
  el.append(back, front, readout);
  const arrows = createArrows(stepArrows);
  let box = null; // {x_min, x_max, y_min, y_max} of the drawn landscape
  let surface = null; // the landscape grid, for the J read-out
  let view = { x: [0, 1], y: [0, 1] }; // the axis ranges shown
  let zoomed = false; // the person zoomed or panned: keep their view when the landscape changes
  let framed = false; // a view was set from a landscape's box
  let racers = 0;
  let last = []; // last drawn path point per racer, for thinning
  let leftBox = false; // a followed path left this landscape's box: a bigger one was asked for
  const clip = createClip(); // diverging racers not followed (drawn faded) while another descends
  let labels = ["θ₁", "θ₂"];
  let syncing = false;
  let generation = -1; // the run drawn
  let landKey = ""; // its problem: a new run of another problem starts with the whole view, whatever the zoom
  let backCache = null; // {land, key} of what the back layer shows
  let boxKey = ""; // the guess boxes drawn
  // The racers' guess boxes: the page's own setting where it has one (just typed), else the server's.
  const boxes = () => guessBoxes(racerStates().map((r, k) => {
    const mine = config.racers[k];
    return mine?.low && mine?.high ? { optimizer: { ...r.optimizer, low: mine.low, high: mine.high } } : r;
  }));
  /** Redraw the guess boxes when they changed (cheap to call every frame). */
  function syncBoxes() {
    const b = boxes();
    const key = JSON.stringify(b);
    if (key === boxKey || !front.layout) return;
    boxKey = key;
    Plotly.relayout(front, { shapes: b });
  }
  const arrowTrace = (k, j) => BASE + PER_RACER * racers + KINDS.length * k + j;
  const backLayout = () => backOf(labels, view);
  const frontLayout = (uirevision) => frontOf(uirevision, view);
  Plotly.newPlot(back, [], backLayout(), { ...PLOT_CONFIG, staticPlot: true });
  Plotly.newPlot(front, [], frontLayout(0), PLOT_CONFIG);
  front.on("plotly_click", onClick);
  front.on("plotly_relayout", onRelayout);
  front.addEventListener("mousemove", onMove);
  front.addEventListener("mouseleave", () => { readout.hidden = true; });




  /** Redraw everything from the run (new run, hello, reset, new landscape). */
  function reset(run, viewFlags) {
    labels = paramLabels(run.state);
    const land = run.landscape;
    const newBox = land ? land.box : null;
    // A new run, a reset, a landscape back to the run's own box after a divergence: the view is the box, unless
    // the person zoomed by hand on this same landscape (then their view stays).
    const p = run.state?.problem;
    const key = JSON.stringify([p?.kind, p?.param_names, p?.minima ?? run.state?.minimum]);
    if (run.generation !== generation && key !== landKey) zoomed = false;
    landKey = key;
    if (newBox && (!framed || !zoomed)) view = { x: [newBox.x_min, newBox.x_max], y: [newBox.y_min, newBox.y_max] };
    if (newBox) framed = true;
    generation = run.generation;
    box = newBox;
    surface = land ? land.surface : null;
    racers = Math.max(run.history.length, racerStates().length, 1);
    last = [];
    leftBox = false;
    clip.reset(run, box);
    // The back layer changes only with the landscape (or the axis titles): recomputing a contour is costly.
    const titles = labels.join("|");
    if (!backCache || backCache.land !== land || backCache.key !== titles) {
      backCache = { land, key: titles };
      Plotly.react(back, [contourTrace(land), arrowsTrace(land, viewFlags), flowTrace(land, viewFlags)], backLayout(),
        { ...PLOT_CONFIG, staticPlot: true });
    } else if (back.layout && (back.layout.xaxis.range[0] !== view.x[0] || back.layout.xaxis.range[1] !== view.x[1]
        || back.layout.yaxis.range[0] !== view.y[0] || back.layout.yaxis.range[1] !== view.y[1])) {
      Plotly.relayout(back, { "xaxis.range": [...view.x], "yaxis.range": [...view.y] });
    }
    const b = box || { x_min: view.x[0], x_max: view.x[1], y_min: view.y[0], y_max: view.y[1] };
    const data = [catcherTrace(b), minimumTrace(run.state), startTrace(run.state)];
    for (let k = 0; k < racers; k++) {
      const h = run.history[k];
      data.push(...racerTraces(k, h, h ? thinPath(k, h) : undefined, clip.clipped(k)));
    }
    const arrowsNow = arrows.compute(run, view);
    for (let k = 0; k < racers; k++) {
      arrowTraces(racerColour(k)).forEach((tr, j) => data.push({ ...tr, ...(arrowsNow[k]?.[j] || {}) }));
    }
    boxKey = JSON.stringify(boxes());
    Plotly.react(front, data, frontOf(run.generation, view, boxes()), PLOT_CONFIG);
  }

  /** Show or hide the arrows and the flow paths. */
  function setView(viewFlags) {
    if (!back.data || back.data.length < 3) return;
    Plotly.restyle(back, { visible: [!!viewFlags.arrows, !!viewFlags.flow] }, [B.arrows, B.flow]);
  }

  /** Add the steps of one or more animation frames: extend paths and guesses, move the current points. */
  function update(batch, run) {
    if (!front.data || front.data.length < BASE) return;
    if (batch.length > racers) {
      reset(run, currentFlags());
      return;
    }
    const xs = [];
    const ys = [];
    const texts = [];
    const idx = [];
    const maxp = [];
    const fade = [];
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
      const verdict = clip.check(run, box, k, h);
      if (verdict === "clip") fade.push(base + 1);
      if (verdict === "grow" && !leftBox) {
        leftBox = true; // once per landscape: the next landscape resets it
        hooks.onLeaveBox?.(clip.followed(racers));
      }
    }
    // Every racer's arrows move to where it is now (a finished racer's disappear), replacing the old ones.
    arrows.compute(run, view).forEach((set, k) => {
      if (k >= racers) return;
      set.forEach((a, j) => {
        xs.push(a.x); ys.push(a.y); texts.push(a.x.map(() => "")); idx.push(arrowTrace(k, j));
        maxp.push(POINTS);
      });
    });
    extend(front, { x: xs, y: ys, text: texts }, idx, { x: maxp, y: maxp, text: maxp });
    if (fade.length) Plotly.restyle(front, FADED, fade);
  }

  function currentFlags() {
    return { arrows: back.data?.[B.arrows]?.visible !== false, flow: back.data?.[B.flow]?.visible === true };
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
    const J = interpolate(surface, p[0], p[1]);
    readout.textContent = `${labels[0].split(" ")[0]} = ${fmt(p[0], 4)}   ${labels[1].split(" ")[0]} = ${fmt(p[1], 4)}`
      + `   J ≈ ${J === null ? "–" : fmt(J, 4)}`;
    readout.hidden = false;
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

  const trace = (k, j) => front.data?.[BASE + PER_RACER * k + j];
  const probes = {
    /** Points drawn in racer k's path trace. */
    pathLength: (k = 0) => trace(k, 1)?.x?.length ?? 0,
    /** Whether racer k's path is drawn clipped and faded (a diverging racer beside a descending one). */
    clipped: (k = 0) => clip.clipped(k) && trace(k, 1)?.opacity < 1,
    /** Random guesses drawn for racer k. */
    guessCount: (k = 0) => trace(k, 0)?.x?.length ?? 0,
    /** Arrows drawn at the racers' current points (Δθ, −∇J, momentum). */
    stepArrowCount: () => countDrawn(front.data),
    /** Arrows drawn (0 when hidden or not loaded). */
    arrowCount() {
      const tr = back.data?.[B.arrows];
      return tr && tr.visible !== false && tr.x ? tr.x.filter((v) => v === null).length / 2 : 0;
    },
    /** The θ box the landscape was computed over. */
    box: () => (box ? { ...box } : null),
    /** The guess boxes drawn: [[x0, x1, y0, y1], ...]. */
    guessBoxes: () => (front.layout?.shapes || []).filter((sh) => sh.type === "rect").map((sh) => [sh.x0, sh.x1, sh.y0, sh.y1]),
  };

  return { reset, update, setView, syncBoxes, setArrows: (on) => arrows.setEnabled(on), probes };
}
