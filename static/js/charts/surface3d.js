// 3-D surface of J with each racer's path drawn on it. WebGL redraws are costly: main.js gathers live
// updates and calls update() at most a few times a second.

/* global Plotly */

import { fmt, subscriptName } from "../format.js";
import { racerStates } from "../state.js";
import { PLOT_CONFIG, SURFACE_COLORSCALE, baseLayout, colourTransform, extend, racerColour } from "./theme.js";

const MAX_SIDE = 100; // the surface mesh is at most this many points a side (see surfaceTrace)
const PATH_MAX = 20000;
const THIN = 1 / 800;
const BASE = 2; // surface, minimum
const PER_RACER = 2; // path, current point

/** Create the plot in `el` (nothing is drawn while the view is switched off). */
export function createSurface3d(el, on = true) {
  let racers = 0;
  let lift = 0; // paths float this far above the surface so the mesh does not hide them
  let box = null;
  let last = [];
  let labels = ["θ₁", "θ₂"];
  let failed = false;
  let drawnT = -1; // t of racer 0's newest step drawn (test hook)
  let enabled = on; // the person may switch the 3-D view off (it is the costliest chart on slow machines)
  let cache = null; // {land, trace, lift}: the surface trace of the landscape drawn
  const gd = el;
  if (!enabled) {
    placeholder();
  } else {
    try {
      Plotly.newPlot(gd, [], layout(0), PLOT_CONFIG);
    } catch (err) {
      noWebGL(err);
    }
  }

  function placeholder() {
    gd.classList.add("chart-unavailable");
    gd.textContent = "3-D view off (switch it on above)";
  }

  /** Switch the view on (drawn from the run) or off (freed). */
  function setEnabled(on, run) {
    if (!gd || failed || on === enabled) return;
    enabled = on;
    cache = null;
    if (on) {
      gd.classList.remove("chart-unavailable");
      gd.textContent = "";
      Plotly.newPlot(gd, [], layout(0), PLOT_CONFIG);
      reset(run);
    } else {
      Plotly.purge(gd);
      placeholder();
    }
  }

  function noWebGL() {
    failed = true;
    gd.classList.add("chart-unavailable");
    gd.textContent = "The 3-D view needs WebGL, which this browser does not offer.";
  }

  function layout(uirevision) {
    // Fixed to the landscape: a diverging path leaves the box instead of shrinking the surface to a dot.
    const r = cache?.ranges;
    const ax = (title, range) => ({
      title: { text: title, font: { size: 11 } }, gridcolor: "#dee2e6", zerolinecolor: "#ced4da",
      backgroundcolor: "#ffffff", showbackground: true, tickfont: { size: 9 }, ...(range ? { range } : {}),
    });
    return baseLayout({
      uirevision,
      margin: { l: 0, r: 0, t: 0, b: 0 },
      scene: {
        xaxis: ax(labels[0], r?.x),
        yaxis: ax(labels[1], r?.y),
        zaxis: ax("J(θ)", r?.z),
        aspectmode: "manual",
        aspectratio: { x: 1, y: 1, z: 0.65 },
        // Far enough that the J(θ) axis title stays inside the canvas (closer, it showed as "θ)").
        camera: { eye: { x: 1.75, y: -1.62, z: 1.05 }, center: { x: 0.04, y: 0, z: -0.12 } },
        dragmode: "turntable",
      },
    });
  }

  /** Redraw everything from the run. */
  function reset(run) {
    if (!gd || failed || !enabled) return;
    const names = run.state?.problem?.param_names || ["θ1", "θ2"];
    labels = names.map(subscriptName);
    const land = run.landscape;
    box = land ? land.box : null;
    racers = Math.max(run.history.length, racerStates().length, 1);
    last = [];
    // The same trace object for the same landscape: Plotly.react then sees nothing to recompute in the mesh.
    if (!cache || cache.land !== land) {
      const trace = surfaceTrace(land); // sets lift
      const b = land?.box;
      const ranges = b && trace.z.length > 1 ? {
        x: [b.x_min, b.x_max], y: [b.y_min, b.y_max], z: zRange(trace.z),
      } : null;
      cache = { land, trace, lift, ranges };
    }
    lift = cache.lift;
    const data = [cache.trace, minimumTrace(run.state)];
    for (let k = 0; k < racers; k++) data.push(...racerTraces(k, run.history[k]));
    const h0 = run.history[0];
    drawnT = h0 && h0.t.length ? h0.t[h0.t.length - 1] : -1;
    try {
      Plotly.react(gd, data, layout(run.generation), PLOT_CONFIG);
    } catch (err) {
      noWebGL(err);
    }
  }

  /** Extend the paths with new steps (main.js paces these calls: WebGL redraws are costly). */
  function update(batch, run) {
    if (!gd || failed || !enabled || !gd.data || gd.data.length < BASE) return;
    if (batch.length > racers) {
      reset(run);
      return;
    }
    const xs = [];
    const ys = [];
    const zs = [];
    const idx = [];
    const maxp = [];
    const sx = box ? box.x_max - box.x_min : 1;
    const sy = box ? box.y_max - box.y_min : 1;
    for (let k = 0; k < batch.length; k++) {
      const h = batch[k];
      if (!h || !h.t.length) continue;
      const path = { x: [], y: [], z: [] };
      let cur = null;
      for (let i = 0; i < h.t.length; i++) {
        const a = h.p1[i];
        const c = h.p2[i];
        if (a === null || c === null || h.loss[i] === null) continue;
        cur = [a, c, h.loss[i] + lift];
        const p = last[k];
        if (p && Math.hypot((a - p[0]) / sx, (c - p[1]) / sy) < THIN) continue;
        path.x.push(a); path.y.push(c); path.z.push(h.loss[i] + lift);
        last[k] = [a, c];
      }
      if (path.x.length) {
        xs.push(path.x); ys.push(path.y); zs.push(path.z); idx.push(BASE + PER_RACER * k); maxp.push(PATH_MAX);
      }
      if (cur) {
        xs.push([cur[0]]); ys.push([cur[1]]); zs.push([cur[2]]); idx.push(BASE + PER_RACER * k + 1); maxp.push(1);
      }
    }
    extend(gd, { x: xs, y: ys, z: zs }, idx, { x: maxp, y: maxp, z: maxp });
    if (batch[0] && batch[0].t.length) drawnT = batch[0].t[batch[0].t.length - 1];
  }

  function zRange(z) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const row of z) for (const v of row) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    return [lo, hi + (hi - lo) * 0.05];
  }

  function surfaceTrace(land) {
    lift = 0;
    if (!land || !land.surface) return { type: "surface", x: [], y: [], z: [[]], showscale: false, hoverinfo: "skip" };
    const s = land.surface;
    const step = Math.max(1, Math.ceil(s.x.length / MAX_SIDE));
    const pick = (arr) => arr.filter((_, i) => i % step === 0 || i === arr.length - 1);
    const rows = s.z.filter((_, j) => j % step === 0 || j === s.z.length - 1);
    const z = rows.map(pick);
    const tr = colourTransform(z);
    lift = (tr.hi - tr.lo) * 0.012;
    return {
      type: "surface",
      x: pick(s.x), y: pick(s.y), z,
      surfacecolor: z.map((row) => row.map(tr.f)),
      colorscale: SURFACE_COLORSCALE,
      showscale: false,
      opacity: 0.92,
      contours: { x: { highlight: false }, y: { highlight: false }, z: { highlight: false } },
      lighting: { ambient: 0.75, diffuse: 0.55, specular: 0.08, roughness: 0.9 },
      hovertemplate: `${labels[0]} = %{x:.3g}<br>${labels[1]} = %{y:.3g}<br>J = %{z:.4g}<extra></extra>`,
    };
  }

  function minimumTrace(state) {
    const minima = state?.problem?.minima || (state?.minimum ? [state.minimum] : []);
    const J = state?.problem?.minimum_loss;
    return {
      type: "scatter3d", mode: "markers",
      x: minima.map((m) => m[0]), y: minima.map((m) => m[1]), z: minima.map(() => (J ?? 0) + lift),
      marker: { size: 5, color: "#ffd43b", line: { color: "#212529", width: 1 }, symbol: "diamond" },
      hovertemplate: `minimum θ*<br>J* = ${J === undefined ? "?" : fmt(J, 4)}<extra></extra>`,
    };
  }

  function racerTraces(k, h) {
    const colour = racerColour(k);
    const path = { x: [], y: [], z: [] };
    let cur = { x: [], y: [], z: [] };
    if (h) {
      const sx = box ? box.x_max - box.x_min : 1;
      const sy = box ? box.y_max - box.y_min : 1;
      for (let i = 0; i < h.t.length; i++) {
        const a = h.p1[i];
        const c = h.p2[i];
        if (a === null || c === null || h.loss[i] === null) continue;
        cur = { x: [a], y: [c], z: [h.loss[i] + lift] };
        const p = last[k];
        if (p && Math.hypot((a - p[0]) / sx, (c - p[1]) / sy) < THIN) continue;
        path.x.push(a); path.y.push(c); path.z.push(h.loss[i] + lift);
        last[k] = [a, c];
      }
    }
    return [
      {
        type: "scatter3d", mode: "lines", ...path, line: { color: colour, width: 5 },
        hovertemplate: "(%{x:.3g}, %{y:.3g})<br>J = %{z:.4g}<extra></extra>",
      },
      {
        type: "scatter3d", mode: "markers", ...cur,
        marker: { size: 5, color: colour, line: { color: "#ffffff", width: 1 } },
        hovertemplate: "θₜ<br>J = %{z:.4g}<extra></extra>",
      },
    ];
  }

  /** Points drawn in racer k's 3-D path (test hook). */
  function pathLength(k = 0) {
    const tr = gd?.data?.[BASE + PER_RACER * k];
    return tr && tr.x ? tr.x.length : 0;
  }

  /** t of the newest step drawn in 3-D (test hook). */
  function drawnStep() {
    return drawnT;
  }

  return { setEnabled, reset, update, probes: { pathLength, drawnStep } };
}
