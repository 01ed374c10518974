// Ticks of a log axis in one format per axis. Plotly labels a log axis spanning a decade or two with every
// digit and mixes forms ("10, 5, 2, 1, 5, 2, 10⁻¹"); these are chosen from the data's range instead:
//   under ~2.5 decades  1, 2, 5 × 10ᵏ (finer steps, 1 2 5 × 10ᵏ apart, when fewer than three fall inside)
//   wider               decades only (every k-th when there are many)
// and labelled all as plain decimals (0.002, 0.5, 20) when every tick inside fits in [0.001, 100000), else all
// as powers (10⁻⁶, 2×10⁻⁶).

const SUP = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
const power = (e) => `10${String(e).split("").map((c) => SUP[c]).join("")}`;
const MAX_TICKS = 8;

/** v written as m×10ᵏ (1×10ᵏ as 10ᵏ); m keeps `digits` significant figures. */
function powerLabel(v, digits) {
  const e = Math.floor(Math.log10(v) + 1e-9);
  const m = Number((v / 10 ** e).toPrecision(digits));
  return m === 1 ? power(e) : `${m}×${power(e)}`;
}

/** `step`-spaced values (step 1, 2 or 5 × 10ᵏ) over [lo, hi], about four of them. */
function fine(lo, hi) {
  const raw = (hi - lo) / 4;
  const k = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * k).find((s) => s >= raw) || 10 * k;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi * (1 + 1e-9); v += step) out.push(Number(v.toPrecision(12)));
  return { values: out, step };
}

/**
 * {tickvals, ticktext} for a log axis showing [lo, hi] (the data's positive range), or null when it is empty.
 * Every label of one axis has one form.
 */
export function logTicks(lo, hi) {
  if (!(lo > 0) || !Number.isFinite(hi) || hi < lo) return null;
  if (hi === lo) [lo, hi] = [lo / 1.5, hi * 1.5];
  const span = Math.log10(hi / lo);
  const e0 = Math.floor(Math.log10(lo));
  const e1 = Math.ceil(Math.log10(hi));
  let values = [];
  let digits = 1;
  if (span < 2.5) {
    for (let e = e0; e <= e1; e++) for (const m of [1, 2, 5]) values.push(Number((m * 10 ** e).toPrecision(1)));
    if (values.filter((v) => v >= lo && v <= hi).length < 3) {
      const f = fine(lo, hi);
      values = f.values;
      digits = Math.max(1, Math.ceil(Math.log10(hi / f.step)) + 1);
    }
  } else {
    const every = Math.max(1, Math.ceil((e1 - e0 + 1) / MAX_TICKS));
    for (let e = e0; e <= e1; e += every) values.push(10 ** e);
  }
  const inside = values.filter((v) => v >= lo / 1.2 && v <= hi * 1.2);
  const plain = inside.every((v) => v >= 1e-3 && v < 1e5);
  const text = values.map((v) => (plain ? String(Number(v.toPrecision(digits + 1))) : powerLabel(v, digits)));
  return { tickvals: values, ticktext: text };
}

/** The Plotly axis settings of a log axis over [lo, hi] (auto ticks while the range is unknown). */
export function logAxis(lo, hi) {
  const t = logTicks(lo, hi);
  if (!t) return { type: "log", tickmode: "auto", tickvals: null, ticktext: null, dtick: null, exponentformat: "power" };
  return { type: "log", tickmode: "array", tickvals: t.tickvals, ticktext: t.ticktext, dtick: null };
}

/** Linear-axis settings that undo logAxis. */
export const LINEAR = { type: "linear", tickmode: "auto", tickvals: null, ticktext: null, dtick: null };

/** A key that changes exactly when the ticks logTicks(lo, hi) would give change (to relayout only then). */
export function ticksKey(lo, hi) {
  const t = logTicks(lo, hi);
  return t ? t.ticktext.join("|") : "";
}
