// The parameter plot's pieces that hold no state (contour.js draws with them): both layers' layouts, the
// axis titles, a racer's traces, its guesses, and J read off the landscape grid.

import { subscriptName } from "../format.js";
import { axis, baseLayout, racerColour } from "./theme.js";
import { FADED, SOLID } from "./contour_clip.js";

export const MARGIN = { l: 58, r: 66, t: 8, b: 42 }; // fixed, so both layers have the same plot area

/** The back layer: axes, titles and the contour's background. */
export function backLayout(labels, view) {
  const ax = (title, range) => axis(title, { range: [...range], automargin: false, showgrid: false, zeroline: false });
  return baseLayout({
    margin: MARGIN,
    xaxis: ax(labels[0], view.x),
    yaxis: ax(labels[1], view.y),
    plot_bgcolor: "#f8f9fa",
  });
}

/** The front layer: no axes of its own, the same plot area, the mouse. */
export function frontLayout(uirevision, view, shapes = []) {
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
    shapes,
  });
}

/** The axis titles of the run's two parameters. */
export function paramLabels(state) {
  const names = state?.problem?.param_names || ["θ1", "θ2"];
  const pretty = names.map(subscriptName);
  if (state?.problem?.kind === "linear_regression") return [`${pretty[0]}  (intercept)`, `${pretty[1]}  (slope)`];
  return pretty;
}

/** Racer k's guesses, path (`p`: its points worth drawing; `faded`: clipped, contour_clip.js) and current point. */
export function racerTraces(k, h, p = { x: [], y: [], text: [] }, faded = false) {
  const colour = racerColour(k);
  const g = h ? guessesOf(h) : { x: [], y: [], text: [] };
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
      type: "scatter", mode: faded ? FADED.mode : SOLID.mode, ...p, name: "path", opacity: faded ? FADED.opacity : 1,
      line: { color: colour, width: faded ? FADED["line.width"] : SOLID["line.width"] },
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

/** Racer history h's random guesses, as trace points. */
export function guessesOf(h) {
  const out = { x: [], y: [], text: [] };
  for (let i = 0; i < h.t.length; i++) {
    const g = h.guess[i];
    if (g) { out.x.push(g[0]); out.y.push(g[1]); out.text.push(`t = ${h.t[i]}`); }
  }
  return out;
}

/** J at (a, b) by bilinear interpolation of the landscape grid (null outside it). */
export function interpolate(surface, a, b) {
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

/** The boxes random-guessing racers draw from, as dashed rectangles in their colours. */
export function guessBoxes(states) {
  return states.flatMap((r, k) => {
    const o = r.optimizer;
    if (o?.name !== "random_search" || !o.low || !o.high) return [];
    return [{
      type: "rect", xref: "x", yref: "y", x0: o.low[0], x1: o.high[0], y0: o.low[1], y1: o.high[1], layer: "below",
      line: { color: racerColour(k), width: 1.5, dash: "dash" }, fillcolor: "rgba(0,0,0,0)",
    }];
  });
}
