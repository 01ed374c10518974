// Shared look of every chart: fonts, colours, the racer palette, the Plotly config, and helpers.

/* global Plotly */

// Sixteen hues, one per racer up to the server's limit (max_racers = 16): no two racers share a colour; none is the
// dark grey of the −∇J arrows.
export const RACER_COLOURS = ["#e8590c", "#1971c2", "#2f9e44", "#9c36b5", "#f08c00", "#0c8599", "#c2255c", "#8d5524",
  "#364fc7", "#66a80f", "#15aabf", "#e64980", "#c92a2a", "#7c8a00", "#087f5b", "#7048e8"];

/** The colour of racer k. */
export const racerColour = (k) => RACER_COLOURS[k % RACER_COLOURS.length];

export const FONT = { family: "Inter, 'Segoe UI', system-ui, -apple-system, sans-serif", size: 11, color: "#343a40" };
export const GRID = "#e9ecef";
export const AXIS_LINE = "#ced4da";

// Light, perceptually ordered map for J: the paths drawn over it stay readable.
export const COLORSCALE = [
  [0.0, "#f7fcf5"],
  [0.12, "#e5f5e0"],
  [0.25, "#c7e9c0"],
  [0.4, "#a1d99b"],
  [0.55, "#74c476"],
  [0.7, "#41ab5d"],
  [0.85, "#238b45"],
  [1.0, "#005a32"],
].map(([p, c]) => [p, c]);

export const SURFACE_COLORSCALE = [
  [0.0, "#fff5eb"],
  [0.2, "#fdd0a2"],
  [0.4, "#fdae6b"],
  [0.6, "#6baed6"],
  [0.8, "#3182bd"],
  [1.0, "#08519c"],
];

/** The Plotly config of every chart: no logo, no cloud button, a short mode bar. */
export const PLOT_CONFIG = {
  displaylogo: false,
  responsive: true,
  showSendToCloud: false,
  showLink: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "toggleSpikelines", "hoverCompareCartesian", "sendDataToCloud"],
  toImageButtonOptions: { format: "png", scale: 2 },
};

/** A cartesian axis with the house style. */
export function axis(title, extra = {}) {
  return {
    title: { text: title, font: { size: 11, color: "#495057" }, standoff: 6 },
    gridcolor: GRID,
    zerolinecolor: "#dee2e6",
    linecolor: AXIS_LINE,
    showline: true,
    mirror: false,
    ticks: "outside",
    ticklen: 3,
    tickcolor: AXIS_LINE,
    automargin: true,
    ...extra,
  };
}

/** The layout every chart starts from. */
export function baseLayout(extra = {}) {
  return {
    font: FONT,
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#ffffff",
    margin: { l: 52, r: 12, t: 8, b: 40 },
    showlegend: false,
    hoverlabel: { font: { family: FONT.family, size: 11 }, bordercolor: "#adb5bd" },
    hovermode: "closest",
    modebar: { bgcolor: "rgba(255,255,255,0.75)", color: "#868e96", activecolor: "#e8590c" },
    ...extra,
  };
}

/**
 * The colour value drawn for J. A quadratic bowl gets √(J − min J): its rings are then evenly spaced, as
 * on a map. Landscapes whose values are very skewed (a diverged run's wide view, Rosenbrock's valley)
 * get log10(J − min J + floor) instead, so the low region still shows its rings.
 */
export function colourTransform(zGrid) {
  const vals = [];
  for (const row of zGrid) for (const v of row) if (Number.isFinite(v)) vals.push(v);
  if (!vals.length) return { f: () => null, inv: (c) => c, lo: 0, hi: 1, kind: "sqrt" };
  vals.sort((a, b) => a - b);
  const lo = vals[0];
  const hi = vals[vals.length - 1];
  const median = vals[vals.length >> 1];
  const span = Math.max(hi - lo, 1e-300);
  if ((median - lo) / span > 0.02) {
    return {
      kind: "sqrt", lo, hi,
      f: (v) => (Number.isFinite(v) ? Math.sqrt(Math.max(v - lo, 0)) : null),
      inv: (c) => lo + c * c,
    };
  }
  const floor = Math.max(span * 1e-5, 1e-12);
  return {
    kind: "log", lo, hi,
    f: (v) => (Number.isFinite(v) ? Math.log10(Math.max(v - lo, 0) + floor) : null),
    inv: (c) => 10 ** c + lo - floor,
  };
}

/** Colour-bar ticks of a colourTransform: a few round J values, labelled as J. */
export function colourTicks(tr, fmt) {
  const vals = [];
  const text = [];
  const cLo = tr.f(tr.lo);
  const cHi = tr.f(tr.hi);
  const n = 5;
  const seen = new Set();
  for (let i = 0; i <= n; i++) {
    const c = cLo + ((cHi - cLo) * i) / n;
    const J = Number(tr.inv(c).toPrecision(2));
    const cJ = tr.f(J);
    const label = fmt(J, 2);
    if (cJ === null || !Number.isFinite(cJ) || cJ < cLo || cJ > cHi || seen.has(label)) continue;
    seen.add(label);
    vals.push(cJ);
    text.push(label);
  }
  return { tickvals: vals, ticktext: text };
}

/** Plotly.extendTraces, skipped when there is nothing to add (Plotly rejects empty updates). */
export function extend(gd, update, indices, maxPoints) {
  if (!indices.length) return null;
  return Plotly.extendTraces(gd, update, indices, maxPoints);
}
