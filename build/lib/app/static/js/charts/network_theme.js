// Colours of the network charts, one meaning throughout: blue is positive (and class 1), orange is
// negative (and class 0); white is zero. Scales are symmetric around 0.

export const POS = [25, 113, 194]; // #1971c2
export const NEG = [232, 89, 12]; // #e8590c
export const ZERO = [248, 249, 250];

/** Class k's colour (class 0 orange and class 1 blue, like the signs; then green, violet, ...). */
export const CLASS_COLOURS = ["#e8590c", "#1971c2", "#2f9e44", "#9c36b5", "#f59f00", "#0c8599", "#c2255c", "#5c940d",
  "#364fc7", "#495057"];
export const classColour = (k) => CLASS_COLOURS[k % CLASS_COLOURS.length];

/** Weights and activations: orange − white 0 − blue +. */
export const DIVERGING = [
  [0.0, "#c2410c"], [0.2, "#f08c4a"], [0.4, "#fcd9bf"], [0.5, "#f8f9fa"], [0.6, "#c9def2"], [0.8, "#5c9bd6"],
  [1.0, "#154f8a"],
];

/** P(class 1) behind the points: the same hues, lighter, so the points stay readable. */
export const DECISION = [
  [0.0, "#f4a26b"], [0.3, "#fbd4b7"], [0.5, "#f8f9fa"], [0.7, "#c6dcf1"], [1.0, "#78acdf"],
];

/** "#rrggbb" → [r, g, b]. */
export function rgbOf(hex) {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** The colour of a value v in [−1, 1] (clipped) on the diverging scale, as [r, g, b]. */
export function diverging(v) {
  const x = Math.max(-1, Math.min(1, v));
  const end = x >= 0 ? POS : NEG;
  const a = Math.abs(x) ** 0.8;
  return [ZERO[0] + (end[0] - ZERO[0]) * a, ZERO[1] + (end[1] - ZERO[1]) * a, ZERO[2] + (end[2] - ZERO[2]) * a];
}

/** Subscript digits: 12 → "₁₂". */
export const sub = (i) => String(i).split("").map((d) => "₀₁₂₃₄₅₆₇₈₉"[d] ?? d).join("");

/** A short form of a weight for hover text. */
export const wfmt = (v) => (v === null || v === undefined || Number.isNaN(v) ? "–"
  : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(4)).replace(/^-/, "−");
