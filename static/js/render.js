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
import { paced } from "./pace.js";

let queued = false;
let frames = 0; // animation frames that drew steps (test hook)
let historyUrl = () => "#";

// Live updates per chart, paced by what each redraw costs (the 3-D view at most 4 times a second).
const live = [
  paced((b) => contour.update(b, S.run), { factor: 1.5 }),
  paced((b) => dataChart.update(b, S.run), { factor: 2 }),
  paced((b) => curves.update(b, S.run, S.config.view), { factor: 2 }),
  paced((b) => surface.update(b, S.run), { minMs: 250, factor: 6 }),
];

/** Create every chart in its element; hooks of the parameter plot: onClick(θ), onLeaveBox(). */
export function init(contourHooks, urlOfHistory) {
  historyUrl = urlOfHistory;
  contour.init(document.getElementById("plot-contour"), contourHooks);
  surface.init(document.getElementById("plot-surface"), S.config.view.surface3d);
  dataChart.init(document.getElementById("plot-data"));
  curves.init(document.getElementById("plot-curves"));
  table.init(document.getElementById("iter-table"));
  document.getElementById("table-racer").addEventListener("change", (ev) => {
    table.setRacer(Number(ev.target.value));
    table.render(S.run);
  });
  S.on("landscape", () => {
    contour.reset(S.run, S.config.view);
    surface.reset(S.run);
  });
  S.on("data", () => dataChart.reset(S.run));
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
    for (const chart of live) chart.push(batch);
    table.render(run);
  }
  status.render(run.state);
  controls.showState(run.state, run.wantPlaying);
}

/** Redraw every chart from the run's history. */
export function redrawAll() {
  const run = S.run;
  S.takePending(); // everything is drawn from the history
  for (const chart of live) chart.clear();
  contour.reset(run, S.config.view);
  surface.reset(run);
  dataChart.reset(run);
  curves.reset(run, S.config.view);
  table.render(run);
  status.render(run.state);
  controls.showState(run.state, run.wantPlaying);
  syncTableRacers();
  document.getElementById("history-link").href = run.id ? historyUrl(run.id) : "#";
}

/** Apply view toggles (arrows, flow, log axes, the 3-D view). */
export function setView(changes) {
  if ("arrows" in changes || "flow" in changes) contour.setView(S.config.view);
  if ("logJ" in changes || "logGrad" in changes) curves.setView(S.config.view);
  if ("surface3d" in changes) surface.setEnabled(S.config.view.surface3d, S.run);
}

/** Move the dashed ε line of the ‖∇J‖ curve. */
export function setEpsilon(eps) {
  curves.setMarks({ eps });
}

function syncTableRacers() {
  const sel = document.getElementById("table-racer");
  const racers = S.racerStates();
  sel.hidden = racers.length < 2;
  if (racers.length < 2) return;
  sel.innerHTML = racers
    .map((r, k) => `<option value="${k}">${r.optimizer?.label || `racer ${k + 1}`}</option>`).join("");
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
};
