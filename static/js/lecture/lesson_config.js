// A lesson's run spec (engine/lessons.py: problem, optimizer or racers, stop, start, seed) and view hints, read
// into the page's config (state.js) so every control shows the preset and a teacher can change any of it.

import * as S from "../state.js";
import { coherent, defaults as netDefaults, networks } from "../panels/network_spec.js";

/** The lesson's list from the page's registry: an ordered array of {id, title, caption, spec, view}. */
export function lessonList(registry) {
  const l = registry?.lessons;
  if (Array.isArray(l)) return l;
  return l && typeof l === "object" ? Object.values(l) : [];
}

/** config.net of a network problem spec {layers, activation, head, loss, init, init_sigma, data}. */
function netConfig(p) {
  const base = netDefaults();
  const layers = Array.isArray(p.layers) && p.layers.length >= 2 ? p.layers : [2, ...base.hidden, 1];
  const hidden = layers.slice(1, -1);
  const act = p.activation ?? "tanh";
  const activation = hidden.map((_, i) => (Array.isArray(act) ? act[Math.min(i, act.length - 1)] : act));
  const name = p.data?.name || base.data.name;
  const data = { name, test_ratio: base.data.test_ratio, seed: 0 };
  for (const s of networks().datasets[name]?.settings || []) data[s.name] = s.default;
  for (const [k, v] of Object.entries(p.data || {})) if (k !== "name" && typeof v === "number") data[k] = v;
  return coherent({
    ...base, hidden, activation, data, csv: null,
    head: p.head ?? base.head, loss: p.loss ?? base.loss, init: p.init ?? base.init, init_sigma: p.init_sigma ?? base.init_sigma,
  });
}

/** The page config of a lesson: its spec and view hints over the page's defaults. */
export function configOf(lesson) {
  const spec = lesson.spec || {};
  const hints = lesson.view || {};
  const c = structuredClone(S.DEFAULTS);
  for (const [k, v] of Object.entries(S.config)) if (!(k in c)) c[k] = structuredClone(v); // kinds' own set-ups
  const p = spec.problem || {};
  c.kind = p.kind || "linear_regression";
  if (c.kind === "network") c.net = netConfig(p);
  if (c.kind === "linear_regression" && p.data && !p.data.csv && !p.data.points) c.data = { ...c.data, ...p.data };
  if (Array.isArray(spec.racers) && spec.racers.length) c.racers = spec.racers.map((r) => ({ ...r }));
  else if (spec.optimizer) c.racers = [{ ...spec.optimizer }];
  c.stop = { ...c.stop, ...(spec.stop || {}) };
  c.seed = spec.seed ?? 0;
  c.start = Array.isArray(spec.start) && spec.start.length === 2 ? [...spec.start] : null;
  for (const k of ["arrows", "flow"]) if (k in hints) c.view[k] = !!hints[k];
  if ("step_arrows" in hints) c.view.stepArrows = !!hints.step_arrows;
  if ("x_axis" in hints) c.view.byExamples = hints.x_axis === "examples";
  return c;
}

/** Which lecture view a lesson opens (lecture/index.js ids), or null for the playground's own charts. */
export function lectureViewOf(lesson) {
  const v = lesson.view || {};
  if (v.panel === "backprop") return "backprop";
  if (v.panel === "loss_compare") return "compare";
  const racers = lesson.spec?.racers || [];
  if (v.panel === "race" && racers.some((r) => r.name === "random_search")) return "guess";
  return null;
}

/** The query string the page writes for `config` (state.js), the global config left as it was. */
export function queryOf(config) {
  const saved = {};
  for (const k of Object.keys(S.config)) saved[k] = S.config[k];
  Object.assign(S.config, config);
  try {
    return S.toQuery();
  } finally {
    for (const k of Object.keys(S.config)) if (!(k in saved)) delete S.config[k];
    Object.assign(S.config, saved);
  }
}
