// Every input is checked where it is typed: a value that does not fit is marked (red) with the reason beside it,
// and nothing is sent, so the run stays as it was until the value is valid.

import { fmt, parseNumber } from "./format.js";

export const START_MAX = 1e6; // |θ⁽⁰⁾| at most this: beyond, the landscape's axes and J lose every digit
export const SEED_MAX = 2 ** 32 - 1; // as the server's seeds

function reasonOf(input) {
  const holder = input.closest(".field, .stop-row, .slider-row, .start-fields, .segmented, .guess-box") || input.parentElement;
  let el = holder.querySelector(`:scope > .field-error[data-for="${input.id || input.dataset.testid}"]`);
  if (!el) {
    el = document.createElement("p");
    el.className = "field-error";
    el.dataset.for = input.id || input.dataset.testid || "";
    el.dataset.testid = `error-${el.dataset.for}`;
    el.setAttribute("role", "alert");
    holder.append(el);
  }
  return el;
}

/** Mark `input` invalid, with `reason` beside it (null reason: valid, the mark cleared). Answers whether valid. */
export function mark(input, reason) {
  input.classList.toggle("invalid", !!reason);
  input.setAttribute("aria-invalid", reason ? "true" : "false");
  const el = reasonOf(input);
  el.textContent = reason || "";
  el.hidden = !reason;
  return !reason;
}

/**
 * The number typed in `input`, checked: {value} when it fits, else {reason}. rule: {name, int, min, max,
 * openMin (min itself refused), nullable (empty allowed: null)}.
 */
export function numberIn(input, rule) {
  const v = parseNumber(input.value);
  if (v === null && rule.nullable) return { value: null };
  const what = rule.int ? "a whole number" : "a number";
  const lo = rule.min ?? -Infinity;
  const hi = rule.max ?? Infinity;
  const range = Number.isFinite(lo) && Number.isFinite(hi) ? ` from ${fmt(lo)} to ${fmt(hi)}`
    : Number.isFinite(lo) ? ` ${rule.openMin ? ">" : "≥"} ${fmt(lo)}` : Number.isFinite(hi) ? ` ≤ ${fmt(hi)}` : "";
  if (v === null || !Number.isFinite(v)) return { reason: `${rule.name}: ${what}${range}` };
  if (rule.int && !Number.isInteger(v)) return { reason: `${rule.name}: ${what}${range}` };
  if (v < lo || (rule.openMin && v === lo) || v > hi) return { reason: `${rule.name}: ${what}${range}, not ${fmt(v)}` };
  return { value: v };
}

/** Check `input` against `rule` and mark it: the value, or undefined when it does not fit. */
export function checked(input, rule) {
  const r = numberIn(input, rule);
  mark(input, r.reason || null);
  return r.reason ? undefined : r.value;
}
