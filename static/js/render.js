// Drawing: steps queued in state.js are drawn once per animation frame, incrementally, each chart paced
// by what its redraw costs; whole redraws only for a new run, a hello, a reset or a new landscape.
//
// createRender(hooks) → the page's one renderer: it creates each chart set the first time it is shown
// (the classic one: parameter space, 3-D surface, data, curves, table, leaderboard; or the network's).

import * as S from "./state.js";
import { createContour } from "./charts/contour.js";
import { createSurface3d } from "./charts/surface3d.js";
import { createData } from "./charts/data.js";
import { createCurves } from "./charts/curves.js";
import { createTable } from "./charts/table.js";
import { createLeaderboard } from "./charts/leaderboard.js";
import { createNetworkView } from "./network_view.js";
import { paced } from "./pace.js";
import { syncRacerMenu } from "./racer_menu.js";

const $ = (id) => document.getElementById(id);
const HOLD_MS = 3000; // the longest a 3-D redraw waits for a pointer resting on the Run panel

/** The classic charts in their page elements; hooks: onClick(θ), onLeaveBox(). */
function createClassic(hooks) {
  const contour = createContour($("plot-contour"), hooks, { stepArrows: S.config.view.stepArrows !== false });
  const table = createTable($("iter-table"));
  const showTable = (k) => {
    table.setRacer(k);
    table.render(S.run);
  };
  const leaderboard = createLeaderboard($("leaderboard"), {
    onPick: (k) => {
      $("table-racer").value = String(k);
      showTable(k);
      document.querySelector(".charts").dataset.focus = "table"; // where they share a place, the table shows
    },
  });
  $("table-back").addEventListener("click", () => { document.querySelector(".charts").dataset.focus = "leader"; });
  $("table-racer").addEventListener("change", (ev) => showTable(Number(ev.target.value)));
  const surface = createSurface3d($("plot-surface"), S.config.view.surface3d);
  return {
    contour, surface, table, leaderboard, data: createData($("plot-data")), curves: createCurves($("plot-curves")),
  };
}

/** The renderer; hooks: onClick(θ) and onLeaveBox() of the parameter plot, historyUrl(id). */
export function createRender(hooks) {
  let queued = false;
  let frames = 0; // animation frames that drew steps (test hook)
  let view = "classic"; // the chart set shown: "network" or the classic one (every other view)
  let classic = null; // the classic charts, once shown
  let network = null; // the network charts, once shown
  let resting3d = false; // the 3-D view rests while the lecture covers it: its WebGL redraws cost the most
  let racerKey = ""; // the racers' labels the table's menu shows
  const isClassic = () => view !== "network";
  // A 3-D redraw cannot be interrupted: while the pointer is on the Run panel (Play / Pause, Step, Reset, the
  // speed) it waits, so a click there is acted on at once; but at most HOLD_MS in a row, else a pointer left
  // resting on Play would freeze the 3-D view for the whole run.
  let pointerOnRun = false;
  let heldSince = 0; // when the current wait began
  const run = $("run-panel");
  run?.addEventListener("pointerenter", () => { pointerOnRun = true; });
  run?.addEventListener("pointerleave", () => { pointerOnRun = false; });
  const aboutToAct = () => { // paused or finished: it catches up at once
    const now = performance.now();
    if (!pointerOnRun || !S.playing()) heldSince = 0;
    else if (!heldSince) heldSince = now;
    else if (now - heldSince >= HOLD_MS) heldSince = 0; // drawn now; the next wait starts afresh
    return heldSince > 0;
  };

  // Live updates per chart, paced by what each redraw costs: a chart that took d ms waits factor × d before the
  // next, so together they keep the page free for input most of each second. The 3-D view, the costliest by
  // far (WebGL; without a GPU a redraw can take most of a second), is updated at most every 1.5 s.
  const live = [
    paced((b) => classic.contour.update(b, S.run), { factor: 3 }),
    paced((b) => classic.data.update(b, S.run), { minMs: 50, factor: 4 }),
    paced((b) => classic.curves.update(b, S.run, S.config.view), { minMs: 50, factor: 4 }),
    paced((b) => { if (!resting3d) classic.surface.update(b, S.run); }, { minMs: 1500, factor: 8, hold: aboutToAct }),
  ];

  function createCharts() {
    if (!isClassic()) {
      network = network || createNetworkView();
      return;
    }
    if (classic) return;
    classic = createClassic(hooks);
    S.on("landscape", () => {
      if (!isClassic()) return;
      classic.contour.reset(S.run, S.config.view);
      if (!resting3d) classic.surface.reset(S.run);
    });
    S.on("data", () => { if (isClassic()) classic.data.reset(S.run); });
  }

  function frame() {
    queued = false;
    if (S.takeOverflow()) {
      redrawAll();
      return;
    }
    const batch = S.takePending();
    if (batch) {
      frames += 1;
      // A network's charts follow its weights and metrics (network_view.js), not the step records.
      if (isClassic() && classic) {
        for (const chart of live) chart.push(batch);
        classic.table.render(S.run);
      }
    }
    showRace(true);
    if (isClassic()) classic?.contour.syncBoxes();
    hooks.onDrawn?.(S.run.state);
  }

  /** The leaderboard, the table's racer menu and the race layout follow the racers (cheap when unchanged). */
  function showRace(liveFrame) {
    setRace(S.racerStates().length > 1);
    if (!classic) return;
    classic.leaderboard.render(S.run);
    // A racer renamed or given another optimiser mid-run: the charts that name racers say so.
    const { key, renamed, keep } = syncRacerMenu($("table-racer"), S.racerStates(), racerKey);
    if (keep !== null) classic.table.setRacer(keep);
    racerKey = key;
    if (renamed && liveFrame && isClassic()) {
      classic.data.reset(S.run);
      classic.curves.reset(S.run, S.config.view);
    }
  }

  /** Redraw every chart from the run's history. */
  function redrawAll() {
    const run = S.run;
    S.takePending(); // everything is drawn from the history
    for (const chart of live) chart.clear();
    if (!isClassic()) {
      network?.reset(run);
    } else if (classic) {
      classic.contour.reset(run, S.config.view);
      if (!resting3d) classic.surface.reset(run);
      classic.data.reset(run);
      classic.curves.reset(run, S.config.view);
      classic.table.render(run);
    }
    showRace(false);
    hooks.onDrawn?.(run.state);
    $("history-link").href = run.id ? hooks.historyUrl(run.id) : "#";
  }

  /** Mark the chart grid as showing a race (two racers or more): the leaderboard card joins it. */
  function setRace(on) {
    const charts = document.querySelector(".charts");
    const flag = on ? "1" : "0";
    if (!charts || charts.dataset.race === flag) return;
    const was = charts.dataset.race;
    charts.dataset.race = flag;
    if (was !== undefined) window.dispatchEvent(new Event("resize")); // the cards around it changed size
  }

  const c = () => classic || {};
  return {
    classic: isClassic,
    /** Show the chart set of a problem kind's view: elements with data-view="a b" show for views a and b. */
    useView(name) {
      view = name || "classic";
      for (const el of document.querySelectorAll("[data-view]")) el.hidden = !el.dataset.view.split(" ").includes(view);
      createCharts();
      window.dispatchEvent(new Event("resize")); // charts drawn while hidden take their size
    },
    /** Draw the queued steps at the next animation frame. */
    schedule() {
      if (queued) return;
      queued = true;
      requestAnimationFrame(frame);
    },
    redrawAll,
    /** Let the 3-D view rest (no redraws) while something covers it; waking it redraws it from the history. */
    rest3d(on) {
      if (resting3d === on) return;
      resting3d = on;
      if (!on && classic) classic.surface.reset(S.run);
    },
    /** Apply view toggles (arrows, flow, log axes, the 3-D view). */
    setView(changes) {
      if (!classic) return;
      if ("arrows" in changes || "flow" in changes) classic.contour.setView(S.config.view);
      if ("logJ" in changes || "logGrad" in changes) classic.curves.setView(S.config.view);
      if ("surface3d" in changes) classic.surface.setEnabled(S.config.view.surface3d, S.run);
      if ("stepArrows" in changes && isClassic()) {
        classic.contour.setArrows(S.config.view.stepArrows);
        classic.contour.reset(S.run, S.config.view);
      }
    },
    /** Move the dashed ε line of the ‖∇J‖ curve. */
    setEpsilon: (eps) => classic?.curves.setMarks({ eps }),
    /** The network diagram (lecture/backprop.js highlights its rows there), or null before a network was shown. */
    networkDiagram: () => network?.diagram ?? null,
    /** Read-only numbers for the browser tests (probes.js). */
    probes: {
      frames: () => frames,
      contour: () => c().contour?.probes,
      surface: () => c().surface?.probes,
      curves: () => c().curves?.probes,
      table: () => c().table?.probes,
      leaderboard: () => c().leaderboard?.probes,
      net: () => network?.probes ?? null,
    },
  };
}
