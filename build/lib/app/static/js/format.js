// Number formatting and the log-scale helpers shared by the controls and the charts.

/** A short human form of a number, like the engine's: 1e-6, 0.756, 12, 3.14e+5 → "3.14e5". */
export function fmt(v, digits = 3) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  let s = a < 1e-3 || a >= 1e6 ? Number(v).toExponential(digits - 1) : Number(v).toPrecision(digits);
  if (s.includes("e")) {
    const [mant, exp] = s.split("e");
    s = `${trimZeros(mant)}e${parseInt(exp, 10)}`.replace("e-", "e−");
  } else if (s.includes(".")) {
    s = trimZeros(s);
  }
  return s.replace(/^-/, "−");
}

/** fmt for input boxes: ASCII minus signs, so the text parses back. */
export function plain(v, digits = 3) {
  return fmt(v, digits).replaceAll("−", "-");
}

/** A form for table cells: 4 significant digits (3 with an exponent). */
export function cell(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  const a = Math.abs(v);
  return fmt(v, a !== 0 && (a < 1e-3 || a >= 1e6) ? 3 : 4);
}

function trimZeros(s) {
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

/** Parse a number box: "", "off" and "none" mean null; "1e-6" and "0.5" are numbers; else NaN. */
export function parseNumber(text) {
  const s = String(text).trim().toLowerCase().replaceAll("−", "-");
  if (s === "" || s === "off" || s === "none" || s === "null") return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : NaN;
}

/** Map a log slider position in [0, 1] to a value in [lo, hi] and back. */
export const logScale = {
  toValue(pos, lo, hi) {
    return Math.exp(Math.log(lo) + pos * (Math.log(hi) - Math.log(lo)));
  },
  toPos(value, lo, hi) {
    const v = Math.min(Math.max(value, lo), hi);
    return (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo));
  },
};

/** Round to a few significant digits so slider values read well (0.1234567 → 0.1235). */
export function roundSig(v, digits = 3) {
  if (!Number.isFinite(v) || v === 0) return v;
  return Number(v.toPrecision(digits));
}

/** A parameter name with its trailing digits as subscripts: "θ1" → "θ₁". */
export function subscriptName(name) {
  return name.replace(/(\d+)$/, (d) => String.fromCharCode(...[...d].map((c) => 0x2080 + Number(c))));
}
