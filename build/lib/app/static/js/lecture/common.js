// Helpers shared by the lecture's views: escaping, the lecture's symbols as HTML, vectors in words, a refetcher
// that asks the server at most every so often, one request at a time, always for the newest state, and plots
// that follow their box's size.

/* global Plotly */

import { fmt } from "../format.js";

export const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));

const SUB_DIGITS = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉", ",": ",", "(": "₍", ")": "₎" };
const SUP_DIGITS = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹", "(": "⁽", ")": "⁾" };

/** "1,2" → "₁,₂" when every character has a subscript form, else null. */
function uniSub(s) {
  const out = [...s].map((c) => SUB_DIGITS[c]);
  return out.every(Boolean) ? out.join("") : null;
}

function uniSup(s) {
  const out = [...s].map((c) => SUP_DIGITS[c]);
  return out.every(Boolean) ? out.join("") : null;
}

/** A symbol without the gradient prefix: "α^(1)_21" → α⁽¹⁾₂₁ (HTML <sub> when the index has letters). */
function plainSymbol(s) {
  let out = esc(s).replace(/\^\(([^)]*)\)/g, (_, x) => uniSup(`(${x})`) || `<sup>(${x})</sup>`);
  out = out.replace(/_([\p{L}\p{N}]+(?:,[\p{L}\p{N}]+)*)/gu, (_, x) => uniSub(x) || `<sub>${x}</sub>`);
  return out;
}

/** A row symbol of the backprop table as HTML: "g_α_21" → g with α₂₁ as its subscript, as the lecture writes g_{α_21}. */
export function symbol(s) {
  if (s.startsWith("g_")) return `g<sub>${plainSymbol(s.slice(2))}</sub>`;
  return plainSymbol(s);
}

/** A formula of the backprop table as HTML: subscripts, superscripts, and gradients g_x written g<sub>x</sub>. */
export function formula(s) {
  if (!s) return "";
  // Gradient symbols first ("g_β_j", "g_a^(1)_j", "g_b"): their whole symbol goes into one subscript.
  const grad = /(^|[^\p{L}])g_([\p{L}*]+(?:\^\([^)]*\))?(?:_[\p{L}\p{N}]+(?:,[\p{L}\p{N}]+)*)?)/gu;
  const parts = [];
  let last = 0;
  for (const m of s.matchAll(grad)) {
    const start = m.index + m[1].length;
    parts.push(plainSymbol(s.slice(last, start)));
    parts.push(`g<sub>${plainSymbol(m[2])}</sub>`);
    last = start + 2 + m[2].length;
  }
  parts.push(plainSymbol(s.slice(last)));
  return parts.join("");
}

/** "θ1" → "θ₁", "W1[0,1]" unchanged but for its digits after a letter. */
export function paramName(name) {
  return esc(name).replace(/^([^\d[]+)(\d+)/, (_, a, d) => a + (uniSub(d) || d));
}

/** A vector as text: (a, b, c) for a few entries, with … when only the first are shown. */
export function vec(values, dim = values?.length ?? 0, digits = 4) {
  if (!values) return "–";
  const body = values.map((v) => fmt(v, digits)).join(", ");
  return `(${body}${dim > values.length ? ", …" : ""})`;
}

/**
 * `load()` (a promise) at most every `minMs`, one call in flight, and once more after a poke that came
 * while it ran: the view always ends up showing the newest state without queueing requests.
 */
export function refetcher(load, { minMs = 250 } = {}) {
  let busy = false;
  let again = false;
  let timer = null;
  let lastAt = -Infinity;
  async function run() {
    timer = null;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    again = false;
    lastAt = performance.now();
    try {
      await load();
    } finally {
      busy = false;
      if (again) poke();
    }
  }
  function poke(now = false) {
    if (busy) {
      again = true;
      return;
    }
    if (timer) {
      if (!now) return;
      clearTimeout(timer);
    }
    const wait = now ? 0 : Math.max(0, lastAt + minMs - performance.now());
    timer = setTimeout(run, wait);
  }
  return {
    poke,
    cancel() {
      clearTimeout(timer);
      timer = null;
      again = false;
    },
  };
}

/** Whether the run on screen is a network. */
export const isNetwork = (state) => state?.problem?.kind === "network";

/** Resize the Plotly chart in `el` whenever its box changes size (a caption grew, the lesson bar wrapped). */
export function autoResize(el) {
  let raf = 0;
  let last = "";
  new ResizeObserver(([entry]) => {
    const { width, height } = entry.contentRect;
    const key = `${Math.round(width)}x${Math.round(height)}`;
    if (key === last || !width || !height) return;
    last = key;
    cancelAnimationFrame(raf);
    raf = requestAnimationFrame(() => { if (el.data) Plotly.Plots.resize(el); });
  }).observe(el);
}

/** Ticks of a log axis over [lo, hi] at 1, 2 and 5 × 10ᵏ (fewer when it spans many decades), labelled in full. */
export function logTicks(lo, hi) {
  if (!(lo > 0) || !(hi > 0)) return {};
  const decades = Math.log10(hi / lo);
  const steps = decades > 6 ? [1] : decades > 2.5 ? [1, 3] : [1, 2, 5];
  const tickvals = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of steps) {
      const v = Number((m * 10 ** e).toPrecision(3));
      if (v >= lo / 1.0001 && v <= hi * 1.0001) tickvals.push(v);
    }
  }
  return tickvals.length >= 2 ? { tickvals, ticktext: tickvals.map((v) => fmt(v, 3)) } : {};
}
