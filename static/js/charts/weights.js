// Each layer's weights as a heatmap, side by side: W⁽ˡ⁾ with one row per unit it reads from and one
// column per neuron it feeds, and the biases b⁽ˡ⁾ as a last row ("+1", the lecture's z₀ = 1). One
// diverging colour scale, symmetric around 0 and shared by every layer, so magnitudes compare across
// layers; live updates restyle z (and the scale when it grows or shrinks by more than a quarter).

/* global Plotly */

import { PLOT_CONFIG, baseLayout } from "./theme.js";
import { DIVERGING, sub } from "./network_theme.js";

const unit = (l, i, n, last) => (l === 0 ? (n === 1 ? "x" : `x${sub(i + 1)}`)
  : l === last ? (n === 1 ? "ŷ" : `ŷ${sub(i + 1)}`) : `h${sub(l)},${sub(i + 1)}`);

function zOf({ W, b }) {
  return [...W, b];
}

function niceRange(m) {
  if (!(m > 0)) return 1;
  const e = 10 ** Math.floor(Math.log10(m));
  for (const k of [1, 1.5, 2, 3, 4, 5, 7.5, 10]) if (k * e >= m) return k * e;
  return 10 * e;
}

function maxAbs(layers) {
  let m = 0;
  for (const { W, b } of layers) {
    for (const row of W) for (const v of row) if (Math.abs(v) > m) m = Math.abs(v);
    for (const v of b) if (Math.abs(v) > m) m = Math.abs(v);
  }
  return m;
}

/** Superscript digits: 12 → "¹²" (W¹, W², … as the lecture numbers the layers). */
const sup = (i) => String(i).split("").map((d) => "⁰¹²³⁴⁵⁶⁷⁸⁹"[d] ?? d).join("");

const MIN_W = 96; // px: the smallest panel a matrix gets (more layers: more rows of panels, then a scroll)
const MIN_H = 96;
const TITLE = 17; // px above each panel for its title
const GAP = 10; // px between panels
const BAR = 42; // px on the right for the colour scale

/** The panel grid for L matrices in a w × h plot: {cols, rows, cw, ch, height} (px; height ≥ h to scroll). */
export function gridOf(L, w, h) {
  let best = null;
  for (let cols = 1; cols <= L; cols++) {
    const rows = Math.ceil(L / cols);
    const cw = (w - BAR - GAP * (cols - 1)) / cols;
    const ch = (h - GAP * (rows - 1)) / rows;
    // The panel's shorter side (panels too narrow for their title count as unusable).
    const score = cw < MIN_W ? cw - MIN_W : Math.min(cw, ch);
    if (!best || score > best.score) best = { cols, rows, cw, ch, score };
  }
  const ch = Math.max(best.ch, MIN_H);
  return { cols: best.cols, rows: best.rows, cw: Math.max(best.cw, 40), ch, height: Math.max(h, best.rows * ch + GAP * (best.rows - 1)) };
}

/** The weight heatmaps in `el`: {reset, update, probes}. */
export function createWeights(el) {
  const gd = el;
  let sizes = null;
  let args = null; // the last reset's arguments: redrawn when the card changes size
  let drawnFor = ""; // the size drawn for
  let range = 1; // the colour scale spans [−range, range]
  let updates = 0;
  Plotly.newPlot(gd, [], baseLayout({ margin: { l: 8, r: 8, t: 8, b: 8 } }), PLOT_CONFIG);
  new ResizeObserver(() => {
    if (args && drawnFor !== `${gd.clientWidth}x${gd.clientHeight}`) requestAnimationFrame(() => args && reset(...args));
  }).observe(gd);

  /** Redraw for an architecture (sizes [inputs, ..., outputs]) with its weights (or none yet): one panel per
   * matrix in a grid of small multiples, each titled "Wˡ, bˡ  n_in×n_out", none smaller than MIN_W × MIN_H. */
  function reset(newSizes, layers, uirevision) {
    args = [newSizes, layers, uirevision];
    sizes = newSizes;
    const L = sizes.length - 1;
    range = layers ? niceRange(maxAbs(layers)) : 1;
    const W = gd.clientWidth || 400;
    const H = gd.clientHeight || 300;
    drawnFor = `${W}x${H}`;
    const g = gridOf(L, W, H);
    gd.classList.toggle("weights-scroll", g.height > H + 1);
    const data = [];
    const lay = baseLayout({
      uirevision,
      height: g.height,
      margin: { l: 0, r: 0, t: 0, b: 0 },
      plot_bgcolor: "rgba(0,0,0,0)",
      coloraxis: {
        colorscale: DIVERGING, cmin: -range, cmax: range,
        colorbar: { thickness: 8, len: Math.min(1, 300 / g.height), y: 1, yanchor: "top", outlinewidth: 0,
          tickfont: { size: 9 }, x: 1, xanchor: "right", xpad: 2, ypad: 0 },
      },
      annotations: [],
    });
    const fx = (px) => px / W; // paper fractions
    const fy = (px) => 1 - px / g.height; // from the top
    for (let l = 0; l < L; l++) {
      const n_in = sizes[l];
      const n_out = sizes[l + 1];
      const col = l % g.cols;
      const row = Math.floor(l / g.cols);
      const left = col * (g.cw + GAP);
      const top = row * (g.ch + GAP);
      const ax = l === 0 ? "" : String(l + 1);
      const ys = [...Array.from({ length: n_in }, (_, i) => unit(l, i, n_in, L)), "+1"];
      const xs = Array.from({ length: n_out }, (_, j) => unit(l + 1, j, n_out, L));
      // Unit names where they fit: beside rows at least 10 px tall, under columns at least 24 px wide.
      const rowNames = n_in + 1 <= 12 && (g.ch - TITLE) / (n_in + 1) >= 10;
      const padL = rowNames ? 30 : 2;
      const colNames = (g.cw - padL) / n_out >= 24;
      const padB = colNames ? 14 : 2;
      data.push({
        type: "heatmap", xaxis: `x${ax}`, yaxis: `y${ax}`, x: xs, y: ys,
        z: layers ? zOf(layers[l]) : ys.map(() => xs.map(() => 0)),
        coloraxis: "coloraxis", xgap: n_out * n_in > 400 ? 0 : 1, ygap: n_out * n_in > 400 ? 0 : 1,
        hovertemplate: `%{y} → %{x}<br>%{z:.4f}<extra>W${sup(l + 1)}: ${l === L - 1 ? "output layer" : `layer ${l + 1}`}</extra>`,
      });
      const tick = { tickfont: { size: 9 }, ticks: "", automargin: false, showgrid: false, zeroline: false,
        fixedrange: true, type: "category" };
      lay[`xaxis${ax}`] = { ...tick, domain: [fx(left + padL), fx(left + g.cw)], anchor: `y${ax}`, side: "bottom",
        showticklabels: colNames, tickangle: 0 };
      lay[`yaxis${ax}`] = { ...tick, domain: [fy(top + g.ch - padB), fy(top + TITLE)], anchor: `x${ax}`,
        autorange: "reversed", showticklabels: rowNames };
      lay.annotations.push({
        text: `W${sup(l + 1)}, b${sup(l + 1)}  <span style="color:#868e96">${n_in}×${n_out}</span>`,
        xref: "paper", yref: "paper", x: fx(left + padL + (g.cw - padL) / 2), y: fy(top + TITLE - 2),
        yanchor: "bottom", xanchor: "center", showarrow: false, font: { size: 10.5, color: "#343a40" },
      });
    }
    Plotly.react(gd, data, lay, { ...PLOT_CONFIG, displayModeBar: false });
  }

  /** New weights (same architecture): restyle every layer's z, and the colour scale when it must change. */
  function update(layers) {
    if (!gd.data || !sizes || layers.length !== gd.data.length) return;
    updates += 1;
    if (args) args[1] = layers;
    const m = maxAbs(layers);
    const relayout = {};
    if (m > range || m < range / 4) {
      range = niceRange(m);
      relayout["coloraxis.cmin"] = -range;
      relayout["coloraxis.cmax"] = range;
    }
    Plotly.update(gd, { z: layers.map(zOf) }, relayout, layers.map((_, l) => l));
  }

  return {
    reset,
    update,
    /** Updates drawn so far, and the z shown for layer l (test hooks). */
    probes: { updateCount: () => updates, zShown: (l) => gd.data?.[l]?.z ?? null },
  };
}
