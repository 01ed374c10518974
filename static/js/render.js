// Drawing: steps queued in state.js are drawn once per animation frame, incrementally, each chart paced
// by what its redraw costs; whole redraws only for a new run, a hello, a reset or a new landscape.

import * as S from "./state.js";
import * as controls from "./controls.js";
import * as status from "./status.js";
import * as contour from "./charts/contour.js";
import * as surface from "./charts/surface3d.js";
import * as dataChart from "./charts/data.js";
import * as curves from "./charts/curves.js";
import * as table from "./charts/table.js";
import * as leaderboard from "./charts/leaderboard.js";
import * as arrows from "./charts/arrows.js";
import { createNetworkView } from "./network_view.js";
import { paced } from "./pace.js";

let queued = false;
let frames = 0; // animation frames that drew steps (test hook)
let historyUrl = () => "#";
// The chart set shown: "network" (network_view.js) or the classic one (parameter space, surface, data,
// curves, table) for every other view. Each set is created the first time it is shown.
let view = "classic";
let started = false;
let classicReady = false;
let contourHooks = null;
let networkView = null; // the network charts, created the first time a network is shown

// The 3-D view rests while the lecture covers it (lecture/index.js): its WebGL redraws cost the most.
let resting3d = false;

// Live updates per chart, paced by what each redraw costs (the 3-D view at most 4 times a second).
const live = [
  paced((b) => contour.update(b, S.run), { factor: 1.5 }),
  paced((b) => dataChart.update(b, S.run), { factor: 2 }),
  paced((b) => curves.update(b, S.run, S.config.view), { factor: 2 }),
  paced((b) => { if (!resting3d) surface.update(b, S.run); }, { minMs: 250, factor: 6 }),
];

/** Whether the classic charts are shown (every view but "network"). */
export const classic = () => view !== "network";

/** Show the chart set of a problem kind's view: elements with data-view="a b" show for views a and b. */
export function useView(name) {
  view = name || "classic";
  for (const el of document.querySelectorAll("[data-view]")) el.hidden = !el.dataset.view.split(" ").includes(view);
  if (!started) return;
  createCharts();
  window.dispatchEvent(new Event("resize")); // charts drawn while hidden take their size
}

/** Create the charts; hooks of the parameter plot: onClick(θ), onLeaveBox(). */
export function init(hooks, urlOfHistory) {
  historyUrl = urlOfHistory;
  contourHooks = hooks;
  started = true;
  createCharts();
}

function createCharts() {
  if (!classic()) {
    networkView = networkView || createNetworkView();
    return;
  }
  if (classicReady) return;
  classicReady = true;
  contour.init(document.getElementById("plot-contour"), contourHooks);
  arrows.setEnabled(S.config.view.stepArrows !== false);
  leaderboard.init(document.getElementById("leaderboard"), {
    onPick: (k) => {
      table.setRacer(k);
      document.getElementById("table-racer").value = String(k);
      table.render(S.run);
      document.querySelector(".charts").dataset.focus = "table"; // where they share a place, the table shows
    },
  });
  document.getElementById("table-back").addEventListener("click", () => {
    document.querySelector(".charts").dataset.focus = "leader";
  });
  surface.init(document.getElementById("plot-surface"), S.config.view.surface3d);
  dataChart.init(document.getElementById("plot-data"));
  curves.init(document.getElementById("plot-curves"));
  table.init(document.getElementById("iter-table"));
  document.getElementById("table-racer").addEventListener("change", (ev) => {
    table.setRacer(Number(ev.target.value));
    table.render(S.run);
  });
  S.on("landscape", () => {
    if (!classic()) return;
    contour.reset(S.run, S.config.view);
    if (!resting3d) surface.reset(S.run);
  });
  S.on("data", () => { if (classic()) dataChart.reset(S.run); });
}

/** Draw the queued steps at the next animation frame. */
export function schedule() {
  if (queued) return;
  queued = true;
  requestAnimationFrame(frame);
}

function frame() {
  queued = false;
  if (S.takeOverflow()) {
    redrawAll();
    return;
  }
  const run = S.run;
  const batch = S.takePending();
  if (batch) {
    frames += 1;
    // A network's charts follow its weights and metrics (network_view.js), not the step records.
    if (classic()) {
      for (const chart of live) chart.push(batch);
      table.render(run);
    }
  }
  showRace(run);
  status.render(run.state);
  controls.showState(run.state, run.wantPlaying);
}

/** The leaderboard, the table's racer menu and the race layout follow the racers (cheap when unchanged). */
function showRace(run, live = true) {
  setRace(S.racerStates().length > 1);
  leaderboard.render(run);
  // A racer renamed or given another optimiser mid-run: the charts that name racers say so.
  if (syncTableRacers() && live && classic()) {
    dataChart.reset(run);
    curves.reset(run, S.config.view);
  }
}

/** Redraw every chart from the run's history. */
export function redrawAll() {
  const run = S.run;
  S.takePending(); // everything is drawn from the history
  for (const chart of live) chart.clear();
  if (!classic()) {
    networkView?.reset(run);
  } else {
    contour.reset(run, S.config.view);
    if (!resting3d) surface.reset(run);
    dataChart.reset(run);
    curves.reset(run, S.config.view);
    table.render(run);
  }
  showRace(run, false);
  status.render(run.state);
  controls.showState(run.state, run.wantPlaying);
  document.getElementById("history-link").href = run.id ? historyUrl(run.id) : "#";
}

/** Let the 3-D view rest (no redraws) while something covers it; waking it redraws it from the history. */
export function rest3d(on) {
  if (resting3d === on) return;
  resting3d = on;
  if (!on && classicReady) surface.reset(S.run);
}

/** Apply view toggles (arrows, flow, log axes, the 3-D view). */
export function setView(changes) {
  if ("arrows" in changes || "flow" in changes) contour.setView(S.config.view);
  if ("logJ" in changes || "logGrad" in changes) curves.setView(S.config.view);
  if ("surface3d" in changes) surface.setEnabled(S.config.view.surface3d, S.run);
  if ("stepArrows" in changes && classic()) {
    arrows.setEnabled(S.config.view.stepArrows);
    contour.reset(S.run, S.config.view);
  }
}

/** Mark the chart grid as showing a race (two racers or more): the leaderboard card joins it. */
export function setRace(on) {
  const charts = document.querySelector(".charts");
  const flag = on ? "1" : "0";
  if (!charts || charts.dataset.race === flag) return;
  const was = charts.dataset.race;
  charts.dataset.race = flag;
  if (was !== undefined) window.dispatchEvent(new Event("resize")); // the cards around it changed size
}

/** Move the dashed ε line of the ‖∇J‖ curve. */
export function setEpsilon(eps) {
  curves.setMarks({ eps });
}

let tableRacersKey = "";
/** The table's racer menu from the racers' labels; true when they changed. */
function syncTableRacers() {
  const sel = document.getElementById("table-racer");
  const racers = S.racerStates();
  const labels = racers.map((r, k) => r.optimizer?.label || `racer ${k + 1}`);
  const key = labels.join("\u0000");
  if (key === tableRacersKey) return false;
  const renamed = tableRacersKey !== "" && key.split("\u0000").length === tableRacersKey.split("\u0000").length;
  tableRacersKey = key;
  sel.hidden = racers.length < 2;
  if (racers.length < 2) return renamed;
  const keep = Math.min(Number(sel.value) || 0, racers.length - 1);
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  sel.innerHTML = labels.map((l, k) => `<option value="${k}">${esc(l)}</option>`).join("");
  sel.value = String(keep);
  table.setRacer(keep);
  return renamed;
}

/** Read-only numbers for the browser tests. */
export const probes = {
  frames: () => frames,
  box: () => contour.currentBox(),
  pathLength: (k = 0) => contour.pathLength(k),
  guessCount: (k = 0) => contour.guessCount(k),
  arrowCount: () => contour.arrowCount(),
  surfacePathLength: (k = 0) => surface.pathLength(k),
  surfaceStep: () => surface.drawnStep(),
  curveLength: (k = 0) => curves.curveLength(k),
  tableRows: () => table.rowCount(),
  newestRow: () => table.newestRow(),
  leaderRows: () => leaderboard.rowCount(),
  leaderTexts: () => leaderboard.rowTexts(),
  stepArrowCount: () => contour.stepArrowCount(),
  // The network charts' numbers; before a network was shown, what the run says and nothing drawn.
  net: new Proxy({}, {
    get: (_, k) => networkView?.probes[k] ?? ({
      problem: () => structuredClone(S.run.state?.problem ?? null),
      accuracy: () => S.run.state?.test_accuracy ?? null,
      trainAccuracy: () => S.run.state?.train_accuracy ?? null,
    }[k] || (() => null)),
  }),
};

/** The network diagram (lecture/backprop.js highlights its rows there), or null before a network was shown. */
export const networkDiagram = () => networkView?.diagram ?? null;
