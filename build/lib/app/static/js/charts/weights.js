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

/** The weight heatmaps in `el`: {reset, update, probes}. */
export function createWeights(el) {
  const gd = el;
  let sizes = null;
  let range = 1; // the colour scale spans [−range, range]
  let updates = 0;
  Plotly.newPlot(gd, [], baseLayout({ margin: { l: 8, r: 8, t: 8, b: 8 } }), PLOT_CONFIG);

  /** Redraw for an architecture (sizes [inputs, ..., outputs]) with its weights (or none yet). */
  function reset(newSizes, layers, uirevision) {
    sizes = newSizes;
    const L = sizes.length - 1;
    range = layers ? niceRange(maxAbs(layers)) : 1;
    // Widths in proportion to the columns each layer has (at least a little, so 1-column outputs read).
    const widths = sizes.slice(1).map((n) => Math.max(n, 1.6));
    const total = widths.reduce((a, b) => a + b, 0);
    const gap = L <= 3 ? 0.085 : Math.min(0.05, 0.25 / (L - 1)); // room for row names when the layers are few
    const usable = 1 - gap * (L - 1);
    const data = [];
    const lay = baseLayout({
      uirevision,
      margin: { l: 44, r: 8, t: 22, b: 26 },
      plot_bgcolor: "rgba(0,0,0,0)",
      coloraxis: {
        colorscale: DIVERGING, cmin: -range, cmax: range,
        colorbar: { thickness: 8, len: 0.9, outlinewidth: 0, tickfont: { size: 9 }, x: 1.01, xpad: 2, ypad: 0 },
      },
      annotations: [],
    });
    let x0 = 0;
    for (let l = 0; l < L; l++) {
      const n_in = sizes[l];
      const n_out = sizes[l + 1];
      const w = (usable * widths[l]) / total;
      const ax = l === 0 ? "" : String(l + 1);
      const ys = [...Array.from({ length: n_in }, (_, i) => unit(l, i, n_in, L)), "+1"];
      const xs = Array.from({ length: n_out }, (_, j) => unit(l + 1, j, n_out, L));
      data.push({
        type: "heatmap", xaxis: `x${ax}`, yaxis: `y${ax}`, x: xs, y: ys,
        z: layers ? zOf(layers[l]) : ys.map(() => xs.map(() => 0)),
        coloraxis: "coloraxis", xgap: n_out * n_in > 400 ? 0 : 1, ygap: n_out * n_in > 400 ? 0 : 1,
        hovertemplate: `%{y} → %{x}<br>%{z:.4f}<extra>${l === L - 1 ? "output layer" : `layer ${l + 1}`}</extra>`,
      });
      // Unit names where they fit: under columns at least 24 px wide, beside rows where the gap allows.
      const px = w * (gd.clientWidth || 400);
      const gapPx = gap * (gd.clientWidth || 400);
      const tick = { tickfont: { size: 9 }, ticks: "", automargin: false };
      lay[`xaxis${ax}`] = { domain: [x0, x0 + w], anchor: `y${ax}`, side: "bottom", type: "category", ...tick,
        showticklabels: px / n_out >= 24, showgrid: false, zeroline: false, fixedrange: true, tickangle: 0 };
      lay[`yaxis${ax}`] = { domain: [0, 1], anchor: `x${ax}`, autorange: "reversed", type: "category", ...tick,
        showticklabels: (l === 0 || gapPx >= 30) && n_in <= 16, showgrid: false, zeroline: false, fixedrange: true };
      lay.annotations.push({
        text: px > 80 ? `W${sub(l + 1)}, b${sub(l + 1)}  <span style="color:#868e96">${n_in}×${n_out}</span>`
          : px > 26 ? `W${sub(l + 1)}` : "",
        xref: "paper", yref: "paper", x: x0 + w / 2, y: 1, yanchor: "bottom", xanchor: "center", showarrow: false,
        font: { size: 10.5, color: "#343a40" },
      });
      x0 += w + gap;
    }
    Plotly.react(gd, data, lay, { ...PLOT_CONFIG, displayModeBar: false });
  }

  /** New weights (same architecture): restyle every layer's z, and the colour scale when it must change. */
  function update(layers) {
    if (!gd.data || !sizes || layers.length !== gd.data.length) return;
    updates += 1;
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
