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
import { DECISION, classColour, rgbOf } from "./network_theme.js";

const WEBGL_ABOVE = 2000; // points drawn with WebGL beyond this
const PICTURE = [100, 240]; // the picture's pixels per side: the plot's size within these (the browser smooths the rest)
const EDGE = [33, 37, 41]; // the colour of the boundaries
const CURVE = 2; // index of the fitted curve's trace

let gd = null;
let readout = null;
let mode = null; // "binary" | "softmax" | "curve"
let classes = 2;
let data = null; // {train: {X, y}, test: {X, y}, task, classes, inputs}
let grid = null;
let uirev = 0;
let updates = 0;
let canvas = null;
let pointer = null; // the data point under the mouse, or null
const LUT = lut(DECISION);

/** Create the plot in `el`. */
export function init(el) {
  gd = el;
  readout = document.createElement("div");
  readout.className = "hover-readout";
  readout.hidden = true;
  el.append(readout);
  Plotly.newPlot(gd, [], baseLayout(), PLOT_CONFIG);
  gd.addEventListener("mousemove", onMove);
  gd.addEventListener("mouseleave", () => {
    pointer = null;
    readout.hidden = true;
  });
}

/** 256 colours along a Plotly colour scale [[p, "#rrggbb"], ...]. */
function lut(scale) {
  const out = [];
  for (let k = 0; k < 256; k++) {
    const p = k / 255;
    let i = 1;
    while (i < scale.length - 1 && scale[i][0] < p) i++;
    const [p0, c0] = scale[i - 1];
    const [p1, c1] = scale[i];
    const f = (p - p0) / (p1 - p0 || 1);
    const a = rgbOf(c0);
    const b = rgbOf(c1);
    out.push([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f]);
  }
  return out;
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
  return {
    type, mode: "markers", x: d.X.map((r) => r[0]), y: d.X.map((r) => r[1]), name: label, customdata: d.y,
    marker: filled
      ? { size: many ? 4 : 6.5, color: colours, line: { width: many ? 0 : 0.8, color: "#ffffff" } }
      : { size: many ? 5 : 7.5, color: "rgba(255,255,255,0.55)", line: { width: 1.8, color: colours } },
    hovertemplate: `${label}, label %{customdata}<br>x₁ = %{x:.3f}, x₂ = %{y:.3f}<extra></extra>`,
  };
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
    xaxis: axis(curve ? "x" : "x₁", { ...x, showgrid: curve, zeroline: false, constrain: "domain" }),
    yaxis: axis(curve ? "y" : "x₂", { ...y, showgrid: curve, zeroline: false,
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
export function reset(problem, runData, runGrid, uirevision) {
  if (!gd) return;
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
export function setData(runData) {
  data = runData;
  if (!gd || !mode) return;
  Plotly.react(gd, traces(), layout(), PLOT_CONFIG);
}

/** A new grid (or curve) of the model's output. */
export function update(newGrid) {
  if (!gd || !gd.data || !mode || !newGrid || !newGrid.x) return;
  const first = !grid || !grid.x || grid.x.length !== newGrid.x.length || grid.x[0] !== newGrid.x[0];
  grid = newGrid;
  updates += 1;
  if (first) Plotly.react(gd, traces(), layout(), PLOT_CONFIG);
  else if (mode === "curve") Plotly.restyle(gd, { x: [grid.x], y: [grid.y] }, [CURVE]);
  else Plotly.relayout(gd, { "images[0].source": picture().source });
  if (pointer) showReadout();
}

// ----- the picture --------------------------------------------------------------------------------

/** Value of a grid (rows over y, columns over x) at fractional indices (u along x, v along y). */
function bilinear(rows, u, v) {
  const i = Math.min(Math.floor(u), rows[0].length - 2);
  const j = Math.min(Math.floor(v), rows.length - 2);
  const fu = u - i;
  const fv = v - j;
  const r0 = rows[j];
  const r1 = rows[j + 1];
  return (r0[i] * (1 - fu) + r0[i + 1] * fu) * (1 - fv) + (r1[i] * (1 - fu) + r1[i + 1] * fu) * fv;
}

/** Class probabilities as one grid per class ([k][j][i]), whether they came that way or as [j][i][k]. */
function perClass(probs, nx, ny) {
  if (!Array.isArray(probs) || !probs.length) return null;
  if (probs.length === ny && Array.isArray(probs[0]?.[0]) && probs[0].length === nx) {
    const K = probs[0][0].length;
    return Array.from({ length: K }, (_, k) => probs.map((row) => row.map((p) => p[k])));
  }
  return probs[0]?.length === ny ? probs : null;
}

function picture() {
  const g = grid;
  if (!g || !g.x || g.x.length < 2 || !(g.z || g.label)) return null;
  const nx = g.x.length;
  const ny = g.y.length;
  const side = Math.min(gd._fullLayout?.xaxis?._length || 0, gd._fullLayout?.yaxis?._length || 0);
  const R = Math.round(Math.max(PICTURE[0], Math.min(PICTURE[1], side || 240)));
  canvas = canvas || document.createElement("canvas");
  canvas.width = R;
  canvas.height = R;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(R, R);
  const cls = new Int8Array(R * R); // the class (softmax) or the side of ½ (binary) of each pixel
  const strength = new Float32Array(R * R);
  const probs = mode === "softmax" ? perClass(g.probs, nx, ny) : null;
  for (let r = 0; r < R; r++) {
    const v = ((R - 1 - r + 0.5) / R) * (ny - 1); // row 0 of the picture is the top (largest x₂)
    for (let c = 0; c < R; c++) {
      const u = ((c + 0.5) / R) * (nx - 1);
      const o = r * R + c;
      if (mode === "binary") {
        const q = bilinear(g.z, u, v);
        const p = Number.isFinite(q) ? Math.max(0, Math.min(1, q)) : 0.5; // a diverged run's null outputs
        strength[o] = p;
        cls[o] = p >= 0.5 ? 1 : 0;
      } else if (probs) {
        let best = 0;
        let bestP = -1;
        for (let k = 0; k < probs.length; k++) {
          const p = bilinear(probs[k], u, v);
          if (p > bestP) { bestP = p; best = k; }
        }
        cls[o] = best;
        strength[o] = bestP;
      } else {
        cls[o] = g.label[Math.round(v)][Math.round(u)];
        strength[o] = g.confidence ? bilinear(g.confidence, u, v) : 1;
      }
    }
  }
  const rgb = Array.from({ length: Math.max(classes, 10) }, (_, k) => rgbOf(classColour(k)));
  const floor = 1 / Math.max(classes, 2);
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < R; c++) {
      const o = r * R + c;
      let col;
      if (mode === "binary") {
        col = LUT[Math.round(strength[o] * 255)];
      } else {
        const s = 0.12 + 0.5 * Math.max(0, Math.min(1, (strength[o] - floor) / (1 - floor)));
        const k = rgb[cls[o]] || rgb[0];
        col = [255 + (k[0] - 255) * s, 255 + (k[1] - 255) * s, 255 + (k[2] - 255) * s];
      }
      const a = 0.65 * edgeness(cls, strength, o, c, r, R);
      const q = 4 * o;
      img.data[q] = col[0] + (EDGE[0] - col[0]) * a;
      img.data[q + 1] = col[1] + (EDGE[1] - col[1]) * a;
      img.data[q + 2] = col[2] + (EDGE[2] - col[2]) * a;
      img.data[q + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return {
    source: canvas.toDataURL(), xref: "x", yref: "y", x: g.x[0], y: g.y[ny - 1], sizex: g.x[nx - 1] - g.x[0],
    sizey: g.y[ny - 1] - g.y[0], sizing: "stretch", layer: "below",
  };
}

/** How much pixel o lies on a boundary (0 to 1): P = ½ crossed (binary, anti-aliased) or the class changing. */
function edgeness(cls, p, o, c, r, R) {
  const right = c + 1 < R ? o + 1 : o;
  const below = r + 1 < R ? o + R : o;
  if (mode === "binary") {
    if (cls[right] === cls[o] && cls[below] === cls[o] && (c === 0 || cls[o - 1] === cls[o])
        && (r === 0 || cls[o - R] === cls[o])) return 0;
    const step = Math.max(Math.abs(p[right] - p[o]), Math.abs(p[below] - p[o]), 1e-9);
    return Math.max(0, Math.min(1, 1 - Math.abs(p[o] - 0.5) / step));
  }
  return cls[right] !== cls[o] || cls[below] !== cls[o] ? 1 : 0;
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

/** Updates drawn so far, and a fingerprint of the output drawn now (test hooks). */
export const updateCount = () => updates;
export function fingerprint() {
  const g = grid;
  if (!g) return null;
  const rows = mode === "curve" ? [g.y] : mode === "softmax" ? g.confidence || g.z : g.z;
  let s = 0;
  let n = 0;
  for (const row of rows || []) for (const v of row) { s += v * ((n % 7) + 1); n += 1; }
  return { mode, n, sum: s, picture: gd?.layout?.images?.[0]?.source?.length ?? 0 };
}
