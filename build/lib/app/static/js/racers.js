// Racers as the page holds them (config.racers): their names on screen, the spec sent to the server, the
// one-click racer sets, and a learning rate that suits a problem. No DOM, no server: state.js, race.js and
// main.js share these.
//
// A racer is {name, lr?, batch_size?, label?, schedule?, ...settings}: only the settings a person changed
// or a preset chose; the rest are the registry's defaults. `label` is there only when a person typed one.

/** Short names of the optimisers, for menus and labels. */
export const SHORT_NAMES = {
  gd: "SGD",
  adagrad: "AdaGrad",
  rmsprop: "RMSProp",
  adam: "Adam",
  adamw: "AdamW",
  random_search: "random search",
};

/** The name a racer is shown by when nobody typed one: "SGD", "momentum 0.9", "Nesterov", "AMSGrad", ... */
export function autoLabel(r) {
  if (r.name === "gd" && r.momentum) return r.nesterov ? `Nesterov ${r.momentum}` : `momentum ${r.momentum}`;
  if (r.name === "adam" && r.amsgrad) return "AMSGrad";
  if (r.name === "adamw" && r.amsgrad) return "AMSGrad-W";
  if (r.name === "rmsprop" && r.centered) return "RMSProp (centred)";
  return SHORT_NAMES[r.name] || r.name;

}

/** The label shown and sent: the typed one, else the automatic one. */
export const racerLabel = (r) => (r.label ? r.label : autoLabel(r));

/** Whether a racer has a learning rate (random search has none). */
export const hasLr = (r) => r.name !== "random_search";

/** The body of one racer for POST /api/runs and add_racer: its label always given, settings it lacks dropped. */
export function serverSpec(r) {
  const out = { ...r, label: racerLabel(r) };
  if (!hasLr(r)) {
    delete out.lr;
    delete out.batch_size;
    delete out.schedule;
  }
  if (out.schedule && out.schedule.name === "constant") delete out.schedule;
  return out;
}

/** Round a learning rate to 1, 2 or 5 × 10ᵏ (readable, and the same whatever produced it). */
export function niceLr(v) {
  if (!(v > 0) || !Number.isFinite(v)) return 0.01;
  const e = Math.floor(Math.log10(v));
  const m = v / 10 ** e;
  const d = m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10;
  return Number((d * 10 ** e).toPrecision(2));
}

/** Which of the two suggested rates an optimiser takes: plain steps (gd) or adaptive ones (per-coordinate). */
const ADAPTIVE = new Set(["adagrad", "rmsprop", "adam", "adamw"]);

/** The suggested lr of optimiser `name`; lrs = {gd, ada} (the problem's, see panels' suggestedLrs). */
export function lrFor(name, lrs) {
  if (name === "adagrad") return niceLr(lrs.ada * 5); // its steps shrink as Σg² grows: start bigger
  return ADAPTIVE.has(name) ? lrs.ada : lrs.gd;
}

/** A racer of optimiser `name` with the suggested lr and `extra` settings. */
export function newRacer(name, lrs, extra = {}) {
  const r = { name };
  if (name !== "random_search") {
    r.lr = lrFor(name, lrs);
    r.batch_size = null;
  }
  return { ...r, ...extra };
}

// Plain steps, heavy-ball and Nesterov momentum (μ = 0.9) at one learning rate; the adaptive methods.
const momentumSet = (lrs) => [
  newRacer("gd", lrs),
  newRacer("gd", lrs, { momentum: 0.9 }),
  newRacer("gd", lrs, { momentum: 0.9, nesterov: true }),
];
const adaptiveSet = (lrs) => [newRacer("adagrad", lrs), newRacer("rmsprop", lrs), newRacer("adam", lrs)];

/** The one-click racer sets. `lrs` = {gd, ada}: suggested rates for the problem on screen. */
export const PRESETS = [
  {
    id: "momentum",
    title: "SGD · momentum · Nesterov",
    doc: "plain steps against heavy-ball and Nesterov momentum (μ = 0.9), one learning rate",
    racers: momentumSet,
  },
  {
    id: "adaptive",
    title: "AdaGrad · RMSProp · Adam",
    doc: "per-coordinate step sizes",
    racers: adaptiveSet,
  },
  {
    id: "all",
    title: "all optimisers",
    doc: "every optimiser of the registry, with its usual settings",
    racers: (lrs) => [
      ...momentumSet(lrs),
      ...adaptiveSet(lrs),
      newRacer("adam", lrs, { amsgrad: true }),
      newRacer("adamw", lrs),
      newRacer("random_search", lrs),
    ],
  },
  {
    id: "random",
    title: "random search vs GD",
    doc: "guessing (Method #0) against the gradient",
    racers: (lrs) => [newRacer("random_search", lrs), newRacer("gd", lrs)],
  },
];

/** Text of a racer for the URL's r= parameter: "gd;lr=0.001;momentum=0.9;schedule=step(step_size:100,gamma:0.5)". */
export function racerToText(r) {
  const parts = [r.name];
  for (const [k, v] of Object.entries(r)) {
    if (k === "name" || v === undefined) continue;
    let text;
    if (v === null) text = "null";
    else if (Array.isArray(v)) text = v.join(" ");
    else if (k === "schedule" && typeof v === "object") {
      const rest = Object.entries(v).filter(([key]) => key !== "name").map(([key, x]) => `${key}:${x}`);
      text = rest.length ? `${v.name}(${rest.join(",")})` : v.name;
    } else if (k === "label") text = String(v).replaceAll(";", ",");
    else text = String(v);
    parts.push(`${k}=${text}`);
  }
  return parts.join(";");
}

function scalar(v) {
  if (v === "null") return null;
  if (v === "true" || v === "false") return v === "true";
  return v !== "" && Number.isFinite(Number(v)) ? Number(v) : v;
}

/** The racer of an r= text (the inverse of racerToText). */
export function racerFromText(text) {
  const [name, ...pairs] = text.split(";");
  const r = { name };
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    const k = pair.slice(0, at);
    const v = pair.slice(at + 1);
    if (k === "label") {
      r.label = v;
    } else if (k === "schedule") {
      const m = /^(\w+)(?:\((.*)\))?$/.exec(v);
      if (!m) continue;
      const s = { name: m[1] };
      for (const kv of (m[2] || "").split(",")) {
        const [key, x] = kv.split(":");
        if (key) s[key] = scalar(x);
      }
      r.schedule = s;
    } else if (v.includes(" ")) {
      r[k] = v.split(" ").map(Number);
    } else {
      r[k] = scalar(v);
    }
  }
  return r;
}
