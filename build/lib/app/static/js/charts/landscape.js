// Traces of the parameter plot that depend on the landscape only: the contour of J, the −∇J arrows,
// the gradient-flow paths, the minimum and the start (contour.js draws them; paths are its own).

import { fmt } from "../format.js";
import { COLORSCALE, colourTicks, colourTransform } from "./theme.js";

/** The contour of J (colour on the √ or log scale of colourTransform). */
export function contourTrace(land) {
  if (!land || !land.surface) return { type: "contour", x: [], y: [], z: [[]], showscale: false };
  const { x, y, z } = land.surface;
  const tr = colourTransform(z);
  return {
    type: "contour",
    x, y, z: z.map((row) => row.map(tr.f)),
    colorscale: COLORSCALE,
    ncontours: 22,
    contours: { coloring: "fill", showlines: true },
    line: { color: "rgba(0,0,0,0.16)", width: 0.6, smoothing: 0.85 },
    colorbar: {
      title: { text: "J(θ)", side: "top", font: { size: 11 } },
      // Shorter than the plot, so the mode bar (top right) does not hide the title.
      thickness: 10, len: 0.84, y: 0, yanchor: "bottom", outlinewidth: 0, x: 1.012, xanchor: "left", xpad: 0, ypad: 0,
      tickfont: { size: 10 }, ...colourTicks(tr, fmt),
    },
  };
}

/** −∇J on the coarse grid as one trace of segments with arrow heads, scaled to the grid spacing. */
export function arrowsTrace(land, flags) {
  const trace = {
    type: "scatter", mode: "lines", x: [], y: [], hoverinfo: "skip", visible: !!flags.arrows,
    line: { color: "rgba(33,37,41,0.5)", width: 1 },
  };
  const f = land && land.field;
  const box = land && land.box;
  if (!f || !f.u || !box) return trace;
  const sx = box.x_max - box.x_min;
  const sy = box.y_max - box.y_min;
  const n = f.x.length;
  const m = f.y.length;
  // Work in box units so arrows keep their shape when the axes have different spans.
  const cell = Math.min(1 / Math.max(n - 1, 1), 1 / Math.max(m - 1, 1));
  let gmax = 0;
  const U = [];
  const V = [];
  for (let j = 0; j < m; j++) {
    U.push([]); V.push([]);
    for (let i = 0; i < n; i++) {
      const u = f.u[j][i] === null ? NaN : f.u[j][i] / sx;
      const v = f.v[j][i] === null ? NaN : f.v[j][i] / sy;
      U[j].push(u); V[j].push(v);
      const g = Math.hypot(u, v);
      if (Number.isFinite(g)) gmax = Math.max(gmax, g);
    }
  }
  if (!(gmax > 0)) return trace;
  const X = (u) => box.x_min + u * sx;
  const Y = (v) => box.y_min + v * sy;
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < n; i++) {
      const g = Math.hypot(U[j][i], V[j][i]);
      if (!(g > 0) || !Number.isFinite(g)) continue;
      // Length grows with |∇J| but gently (square root), so small gradients stay visible.
      const len = 0.8 * cell * Math.sqrt(g / gmax);
      const dx = (U[j][i] / g) * len;
      const dy = (V[j][i] / g) * len;
      const x0 = (f.x[i] - box.x_min) / sx - dx / 2;
      const y0 = (f.y[j] - box.y_min) / sy - dy / 2;
      const x1 = x0 + dx;
      const y1 = y0 + dy;
      const head = Math.max(0.3 * len, 0.1 * cell);
      const a = Math.atan2(dy, dx);
      trace.x.push(X(x0), X(x1), null,
        X(x1 - head * Math.cos(a - 0.45)), X(x1), X(x1 - head * Math.cos(a + 0.45)), null);
      trace.y.push(Y(y0), Y(y1), null,
        Y(y1 - head * Math.sin(a - 0.45)), Y(y1), Y(y1 - head * Math.sin(a + 0.45)), null);
    }
  }
  return trace;
}

/** The gradient-flow paths dθ/dt = −∇J, one trace with gaps. */
export function flowTrace(land, flags) {
  const trace = {
    type: "scatter", mode: "lines", x: [], y: [], hoverinfo: "skip", visible: !!flags.flow,
    line: { color: "rgba(25,113,194,0.8)", width: 1.5, dash: "dot" },
  };
  const paths = land && land.flow && land.flow.paths;
  if (!paths) return trace;
  for (const path of paths) {
    for (const [a, b] of path) { trace.x.push(a); trace.y.push(b); }
    trace.x.push(null); trace.y.push(null);
  }
  return trace;
}

/** An invisible heatmap far larger than box `b`: wherever the mouse is, Plotly reports clicks. */
export function catcherTrace(b) {
  const sx = (b.x_max - b.x_min) * 20;
  const sy = (b.y_max - b.y_min) * 20;
  return {
    type: "heatmap", x: [b.x_min - sx, b.x_max + sx], y: [b.y_min - sy, b.y_max + sy], z: [[0, 0], [0, 0]],
    colorscale: [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale: false, hoverinfo: "none",
  };
}

/** The known minima θ*. */
export function minimumTrace(state) {
  const minima = state?.problem?.minima || (state?.minimum ? [state.minimum] : []);
  return {
    type: "scatter", mode: "markers", x: minima.map((m) => m[0]), y: minima.map((m) => m[1]),
    marker: { symbol: "star", size: 16, color: "#ffd43b", line: { color: "#212529", width: 1.2 } },
    hovertemplate: "minimum θ*<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
  };
}

/** The start θ⁽⁰⁾. */
export function startTrace(state) {
  const s = state?.start;
  return {
    type: "scatter", mode: "markers", x: s ? [s[0]] : [], y: s ? [s[1]] : [],
    marker: { symbol: "circle-open", size: 12, color: "#212529", line: { width: 2 } },
    hovertemplate: "start θ⁽⁰⁾<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
  };
}
