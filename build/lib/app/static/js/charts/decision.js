// Decision regions: the model's output over the input plane with the training points (filled) and the
// test points (hollow), coloured by label. One sigmoid output: P(class 1) from orange (0) to blue (1)
// with the boundary P = ½ drawn. Softmax: each place in the colour of its most likely class, stronger
// where the model is surer, with the class boundaries drawn. One input (regression): the fitted curve
// ŷ(x) over the data.
//
// The regions are a picture under the points (a Plotly layout image), computed here from the server's
// grid, upsampled bilinearly: a live update is a few milliseconds, where restyling a heatmap and its
// contour costs a hundred. Hovering the plane reads the grid under the pointer, refreshed as it changes.

/* global Plotly */

import { PLOT_CONFIG, axis, baseLayout } from "./theme.js";
import { DECISION, classColour } from "./network_theme.js";
import { bilinear, picture as paint } from "./decision_picture.js";

const WEBGL_ABOVE = 2000; // points drawn with WebGL beyond this
const CURVE = 2; // index of the fitted curve's trace

/** The decision regions (or fitted curve) in `el`: {reset, setData, update, probes}. */
export function createDecision(el) {
  const gd = el;
  const readout = document.createElement("div");
  readout.className = "hover-readout";
  readout.hidden = true;
  el.append(readout);
  const canvas = document.createElement("canvas");
  let mode = null; // "binary" | "softmax" | "curve"
  let classes = 2;
  let data = null; // {train: {X, y}, test: {X, y}, task, classes, inputs}
  let grid = null;
  let uirev = 0;
  let updates = 0;
  let pointer = null; // the data point under the mouse, or null
  Plotly.newPlot(gd, [], baseLayout(), PLOT_CONFIG);
  gd.addEventListener("mousemove", onMove);
  gd.addEventListener("mouseleave", () => {
    pointer = null;
    readout.hidden = true;
  });

  function picture() {
    const side = Math.min(gd._fullLayout?.xaxis?._length || 0, gd._fullLayout?.yaxis?._length || 0);
    return paint(canvas, grid, mode, classes, side);
  }


  function pointTraces(part, filled) {
    const d = data?.[part] || { X: [], y: [] };
    const many = (data?.train?.X.length || 0) + (data?.test?.X.length || 0) > WEBGL_ABOVE;
    const type = many ? "scattergl" : "scatter";
    const label = part === "train" ? "training point" : "test point";
    if (mode === "curve") {
      return {
        type, mode: "markers", x: d.X.map((r) => r[0]), y: d.y, name: label,
        marker: filled ? { size: many ? 4 : 6, color: "rgba(52,58,64,0.55)", line: { width: 0 } }
          : { size: many ? 5 : 7, color: "rgba(0,0,0,0)", line: { width: 1.4, color: "#e8590c" } },
        hovertemplate: `${label}<br>x = %{x:.3f}<br>y = %{y:.3f}<extra></extra>`,
      };
    }
    const colours = d.y.map((k) => classColour(k));
    const [ax, ay] = axes();
    const [px, py] = coords(part);
    return {
      type, mode: "markers", x: px, y: py, name: label, customdata: d.y,
      marker: filled
        ? { size: many ? 4 : 6.5, color: colours, line: { width: many ? 0 : 0.8, color: "#ffffff" } }
        : { size: many ? 5 : 7.5, color: "rgba(255,255,255,0.55)", line: { width: 1.8, color: colours } },
      hovertemplate: `${label}, label %{customdata}<br>${ax} = %{x:.3f}, ${ay} = %{y:.3f}<extra></extra>`,
    };
  }

  /** The axes' names: the plane's (two features, or PC1 and PC2), else x₁ and x₂. */
  function axes() {
    return grid?.plane?.axes || ["x₁", "x₂"];
  }

  /** The points' coordinates on the grid's plane: project · (raw row − origin) (engine/planes.py). */
  function coords(part) {
    const raw = data?.raw?.[part];
    const pl = grid?.plane;
    if (!raw || !pl || !pl.project) {
      const X = data?.[part]?.X || [];
      return [X.map((r) => r[0]), X.map((r) => r[1])];
    }
    const along = (w) => raw.map((r) => r.reduce((a, v, k) => a + w[k] * (v - pl.origin[k]), 0));
    return [along(pl.project[0]), along(pl.project[1])];
  }

  function layout() {
    const g = grid;
    const curve = mode === "curve";
    const has = g && g.x && g.x.length > 1;
    const x = has ? { range: [g.x[0], g.x[g.x.length - 1]] } : {};
    const y = has && !curve ? { range: [g.y[0], g.y[g.y.length - 1]] } : curve ? dataRange() : {};
    return baseLayout({
      uirevision: uirev,
      margin: { l: 46, r: curve ? 10 : 6, t: 10, b: 38 },
      xaxis: axis(curve ? "x" : axes()[0], { ...x, showgrid: curve, zeroline: false, constrain: "domain" }),
      yaxis: axis(curve ? "y" : axes()[1], { ...y, showgrid: curve, zeroline: false,
        ...(curve ? {} : { scaleanchor: "x", scaleratio: 1, constrain: "domain" }) }),
      images: curve ? [] : [picture()].filter(Boolean),
    });
  }

  /** The data's y range, padded: a diverging curve leaves the plot instead of squashing the points. */
  function dataRange() {
    const ys = [...(data?.train?.y || []), ...(data?.test?.y || [])].filter(Number.isFinite);
    if (!ys.length) return {};
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of ys) { if (v < lo) lo = v; if (v > hi) hi = v; }
    const pad = 0.15 * (hi - lo) || 0.5;
    return { range: [lo - pad, hi + pad] };
  }

  function traces() {
    if (mode === "curve") {
      const g = grid;
      return [
        pointTraces("train", true), pointTraces("test", false),
        { type: "scatter", mode: "lines", x: g?.x || [], y: g?.y || [], name: "ŷ(x)",
          line: { color: "#1971c2", width: 2.5 }, hovertemplate: "x = %{x:.3f}<br>ŷ = %{y:.4f}<extra></extra>" },
      ];
    }
    // The colour bar of P(class 1): one invisible point that carries the scale.
    const bar = mode === "binary" ? {
      type: "scatter", mode: "markers", x: [null], y: [null], hoverinfo: "skip", showlegend: false,
      marker: { color: [0, 1], cmin: 0, cmax: 1, colorscale: DECISION, showscale: true, opacity: 0,
        colorbar: { thickness: 8, len: 0.75, outlinewidth: 0, tickfont: { size: 9 }, tickvals: [0, 0.5, 1],
          title: { text: "P(1)", side: "top", font: { size: 10 } }, x: 1.0, xpad: 4 } },
    } : { type: "scatter", x: [], y: [], hoverinfo: "skip", showlegend: false };
    return [bar, pointTraces("train", true), pointTraces("test", false)];
  }

  /** Redraw for a new run (`problem` says what to draw); data and grid may come later. */
  function reset(problem, runData, runGrid, uirevision) {
    uirev = uirevision;
    data = runData;
    grid = runGrid;
    pointer = null;
    readout.hidden = true;
    classes = problem?.classes || 2;
    const several = problem?.head === "softmax" || (problem?.outputs || 1) > 1;
    mode = problem?.inputs === 1 ? "curve" : several ? "softmax" : "binary";
    Plotly.react(gd, traces(), layout(), PLOT_CONFIG);
  }

  /** The run's points arrived. */
  function setData(runData) {
    data = runData;
    if (!mode) return;
    Plotly.react(gd, traces(), layout(), PLOT_CONFIG);
  }

  /** A new grid (or curve) of the model's output. */
  function update(newGrid) {
    if (!gd.data || !mode || !newGrid || !newGrid.x) return;
    const first = !grid || !grid.x || grid.x.length !== newGrid.x.length || grid.x[0] !== newGrid.x[0]
      || grid.plane?.text !== newGrid.plane?.text; // another plane: new axes, the points projected again
    grid = newGrid;
    updates += 1;
    if (first) Plotly.react(gd, traces(), layout(), PLOT_CONFIG);
    else if (mode === "curve") Plotly.restyle(gd, { x: [grid.x], y: [grid.y] }, [CURVE]);
    else Plotly.relayout(gd, { "images[0].source": picture().source });
    if (pointer) showReadout();
  }

  // ----- hover over the plane -----------------------------------------------------------------------

  function onMove(ev) {
    const fl = gd._fullLayout;
    if (!fl || !fl.xaxis || mode === "curve" || !grid || !grid.x) return;
    const r = gd.getBoundingClientRect();
    const xa = fl.xaxis;
    const ya = fl.yaxis;
    const x = xa.p2c(ev.clientX - r.left - xa._offset);
    const y = ya.p2c(ev.clientY - r.top - ya._offset);
    const g = grid;
    const inside = x >= g.x[0] && x <= g.x[g.x.length - 1] && y >= g.y[0] && y <= g.y[g.y.length - 1];
    pointer = inside ? { x, y } : null;
    if (pointer) showReadout();
    else readout.hidden = true;
  }

  function showReadout() {
    const g = grid;
    const nx = g.x.length;
    const ny = g.y.length;
    const u = ((pointer.x - g.x[0]) / (g.x[nx - 1] - g.x[0])) * (nx - 1);
    const v = ((pointer.y - g.y[0]) / (g.y[ny - 1] - g.y[0])) * (ny - 1);
    const at = `x₁ = ${pointer.x.toFixed(2)}, x₂ = ${pointer.y.toFixed(2)}`;
    let what;
    if (mode === "binary") {
      what = `P(class 1) = ${bilinear(g.z, u, v).toFixed(3)}`;
    } else {
      const i = Math.round(u);
      const j = Math.round(v);
      what = `class ${g.label?.[j]?.[i] ?? "?"} · p = ${(g.confidence?.[j]?.[i] ?? g.z[j][i]).toFixed(3)}`;
    }
    readout.textContent = `${at}\n${what}`;
    readout.hidden = false;
  }

  /** A fingerprint of the output drawn now (test hook). */
  function fingerprint() {
    const g = grid;
    if (!g) return null;
    const rows = mode === "curve" ? [g.y] : mode === "softmax" ? g.confidence || g.z : g.z;
    let s = 0;
    let n = 0;
    for (const row of rows || []) for (const v of row) { s += v * ((n % 7) + 1); n += 1; }
    return { mode, n, sum: s, picture: gd.layout?.images?.[0]?.source?.length ?? 0 };
  }

  return { reset, setData, update, probes: { updateCount: () => updates, fingerprint } };
}
