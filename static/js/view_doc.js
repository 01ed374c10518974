// The view toggles (−∇J arrows, gradient flow, step arrows, log axes, the 3-D view) in an exported run document
// and back: export.js adds them as {"page": {"view": {...}}} (the server ignores "page"), and an import through
// the Runs drawer (saved.js) gives them back to the page, so the imported run looks as it did when exported.

import * as S from "./state.js";

let apply = null; // (view) => void: main.js's, which sets the config, the charts and the checkboxes

/** Who applies an imported document's toggles. */
export function onView(fn) {
  apply = fn;
}

/** The export's JSON text with the page's view toggles added (the text is not parsed: it can be large). */
export function withView(text) {
  const page = JSON.stringify({ view: { ...S.config.view } });
  return text.replace(/\}\s*$/, `,"page":${page}}`);
}

/** The toggles of an imported document, checked against the page's own (booleans only), or null. */
export function viewOf(doc) {
  const view = doc?.page?.view;
  if (!view || typeof view !== "object") return null;
  const out = {};
  for (const key of Object.keys(S.DEFAULTS.view)) if (typeof view[key] === "boolean") out[key] = view[key];
  return Object.keys(out).length ? out : null;
}

/** Give the page an imported document's toggles (a document without them leaves the view as it is). */
export function restoreView(doc) {
  const view = viewOf(doc);
  if (view && apply) apply(view);
  return view;
}
