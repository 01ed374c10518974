// Data plot: the points (x⁽ⁱ⁾, y⁽ⁱ⁾), the least-squares line h(x; θ*) and each racer's current
// line h(x; θₜ) = θ1 + θ2·x, moved with restyle once per animation frame.

/* global Plotly */

import { racerStates } from "../state.js";
import { PLOT_CONFIG, axis, baseLayout, racerColour } from "./theme.js";

const WEBGL_ABOVE = 5000; // more points than this are drawn with WebGL
const BASE = 2; // points, least-squares line

/** Create the plot in `el`. */
export function createData(el) {
  let xr = [0, 1]; // x range the lines span
  // y range shown: the data's and the lines' at θ⁽⁰⁾ and θ*, grown while a line leaves it, but by at most one such
  // span a side (`cap`), so a diverging line leaves the plot instead of squashing it.
  let yr = null;
  let cap = null;
  let racers = 0;
  let lastParams = [];
  const gd = el;
  Plotly.newPlot(gd, [], layout(0), PLOT_CONFIG);

  function layout(uirevision) {
    return baseLayout({
      uirevision,
      margin: { l: 44, r: 10, t: 22, b: 36 },
      xaxis: axis("x", { range: [...xr] }),
      yaxis: axis("y", yr ? { range: [...yr] } : {}),
      showlegend: true,
      legend: {
        orientation: "h", x: 0, y: 1.01, xanchor: "left", yanchor: "bottom", bgcolor: "rgba(255,255,255,0)",
        font: { size: 10 }, itemwidth: 30,
      },
    });
  }

  const line = (p) => ({ x: [xr[0], xr[1]], y: [p[0] + p[1] * xr[0], p[0] + p[1] * xr[1]] });

  /** Redraw from the run's data and state. */
  function reset(run) {
    if (!gd) return;
    const d = run.data || { x: [], y: [] };
    if (d.x.length) {
      const span = (arr, frac) => {
        let lo = Infinity;
        let hi = -Infinity;
        for (const v of arr) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        const pad = (hi - lo) * frac || 0.5;
        return [lo - pad, hi + pad];
      };
      xr = span(d.x, 0.04);
      const ends = [run.state?.start, run.state?.minimum].filter((p) => p && p.length === 2).flatMap((p) => line(p).y);
      yr = span([...d.y, ...ends.filter(Number.isFinite)], 0.12);
      const w = yr[1] - yr[0];
      cap = [yr[0] - w, yr[1] + w];
    } else {
      yr = null;
    }
    const states = racerStates();
    states.forEach((st, k) => { if (st?.params && !(st.loss > run.history[k]?.loss[0])) hold(line(st.params).y); });
    racers = Math.max(states.length, 1);
    lastParams = [];
    const data = [
      {
        type: d.x.length > WEBGL_ABOVE ? "scattergl" : "scatter", mode: "markers", x: d.x, y: d.y,
        name: `data (N = ${d.x.length})`,
        marker: { size: d.x.length > 1000 ? 3 : 6, color: "rgba(52,58,64,0.55)", line: { width: 0 } },
        hovertemplate: "x = %{x:.4g}<br>y = %{y:.4g}<extra></extra>",
      },
    ];
    const m = run.state?.minimum;
    data.push({
      type: "scatter", mode: "lines", ...(m ? line(m) : { x: [], y: [] }), name: "θ* (least squares)",
      line: { color: "#b08900", width: 1.5, dash: "dash" }, hoverinfo: "skip",
    });
    for (let k = 0; k < racers; k++) {
      const p = states[k]?.params;
      lastParams[k] = p;
      const label = racers > 1 ? (states[k]?.optimizer?.label || `racer ${k + 1}`) : "h(x; θₜ)";
      data.push({
        type: "scatter", mode: "lines", ...(p ? line(p) : { x: [], y: [] }), name: label,
        line: { color: racerColour(k), width: 2.5 }, hoverinfo: "skip",
      });
    }
    Plotly.react(gd, data, layout(run.generation), PLOT_CONFIG);
  }

  /** Move each racer's line to its newest θ. */
  function update(batch, run) {
    if (!gd || !gd.data || gd.data.length < BASE) return;
    const xs = [];
    const ys = [];
    const idx = [];
    const grow = [];
    for (let k = 0; k < batch.length; k++) {
      const h = batch[k];
      if (!h || !h.t.length) continue;
      const n = h.t.length - 1;
      const p = [h.p1[n], h.p2[n]];
      if (p[0] === null) continue;
      if (k >= racers) {
        reset(run);
        return;
      }
      const old = lastParams[k];
      if (old && old[0] === p[0] && old[1] === p[1]) continue;
      lastParams[k] = p;
      const l = line(p);
      xs.push(l.x);
      ys.push(l.y);
      idx.push(BASE + k);
      // A line whose J is no worse than at θ⁽⁰⁾ is held in view; a diverging one leaves the plot.
      const J0 = run.history[k]?.loss[0];
      if (!(h.loss[n] > J0)) grow.push(l.y);
    }
    if (!idx.length) return;
    Plotly.restyle(gd, { x: xs, y: ys }, idx);
    const before = yr && [...yr];
    for (const y of grow) hold(y);
    if (before && (before[0] !== yr[0] || before[1] !== yr[1])) Plotly.relayout(gd, { "yaxis.range": [...yr] });
  }

  /** Grow the y range to hold the values ys (with a margin), within the cap. */
  function hold(ys) {
    if (!yr || !cap) return;
    const pad = 0.06 * (yr[1] - yr[0]);
    for (const y of ys) {
      if (!Number.isFinite(y)) continue;
      if (y < yr[0]) yr[0] = Math.max(y - pad, cap[0]);
      if (y > yr[1]) yr[1] = Math.min(y + pad, cap[1]);
    }
  }

  return { reset, update };
}
