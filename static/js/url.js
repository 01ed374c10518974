// The config's round trip through the URL's query string, so a copied link reopens the same set-up.
// Pure: state.js holds the config and calls these.

import { racerFromText, racerToText } from "./racers.js";
import { DEFAULTS, MAX_CSV_IN_URL } from "./defaults.js";
import { SEED_MAX, START_MAX } from "./checks.js";

const DATA_KEYS = { n: "n", slope: "slope", intercept: "intercept", noise: "noise", x_min: "xmin", x_max: "xmax",
  seed: "dseed" };
const STOP_KEYS = { grad_norm: "eps", delta_loss: "delta", max_steps: "max" };
const VIEW_KEYS = { arrows: "arrows", flow: "flow", logJ: "logJ", logGrad: "logGrad", surface3d: "s3d",
  stepArrows: "sarrows", byExamples: "xex" };

function numOrNull(s) {
  if (s === null || s === "off" || s === "none" || s === "") return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

// racerToText / racerFromText (the r= parameter of a race) live in racers.js.

/** The query string of `config`; `codecs`: the problem kinds' codecs, `extras`: writers of other parameters. */
export function toQuery(config, codecs, extras) {
  const q = new URLSearchParams();
  if (config.kind !== DEFAULTS.kind) q.set("kind", config.kind);
  const codec = codecs.get(config.kind);
  if (codec) codec.toQuery(config, q);
  else if (config.csv !== null && config.csv.length <= MAX_CSV_IN_URL) q.set("csv", config.csv);
  else for (const [k, key] of Object.entries(DATA_KEYS)) q.set(key, String(config.data[k]));
  if (config.racers.length === 1) {
    const r = config.racers[0];
    q.set("opt", r.name);
    if (r.lr !== undefined) q.set("lr", String(r.lr));
    if ("batch_size" in r) q.set("batch", r.batch_size === null ? "full" : String(r.batch_size));
    for (const [k, v] of Object.entries(r)) {
      if (!["name", "lr", "batch_size"].includes(k) && v !== undefined) q.set(`o.${k}`, JSON.stringify(v));
    }
  } else {
    for (const r of config.racers) q.append("r", racerToText(r));
  }
  for (const [k, key] of Object.entries(STOP_KEYS)) {
    q.set(key, config.stop[k] === null ? "off" : String(config.stop[k]));
  }
  q.set("seed", String(config.seed));
  if (config.start) q.set("start", config.start.map((v) => Number(v.toPrecision(6))).join(","));
  q.set("speed", String(config.speed));
  for (const [k, key] of Object.entries(VIEW_KEYS)) {
    if (config.view[k] !== DEFAULTS.view[k]) q.set(key, config.view[k] ? "1" : "0");
  }
  for (const write of extras) write(q);
  return q.toString();
}

/** Read a config from a query string (unknown or malformed values keep their defaults). */
export function fromQuery(search, codecs) {
  const q = new URLSearchParams(search);
  const c = structuredClone(DEFAULTS);
  if (q.has("kind")) c.kind = q.get("kind");
  for (const [kind, codec] of codecs) c[codec.key] = kind === c.kind ? codec.fromQuery(q) : codec.defaults();
  for (const [k, key] of Object.entries(DATA_KEYS)) {
    const v = numOrNull(q.get(key));
    if (q.has(key) && v !== undefined && v !== null) c.data[k] = v;
  }
  if (q.has("csv")) c.csv = q.get("csv");
  if (q.has("r")) {
    c.racers = q.getAll("r").map(racerFromText);
  } else if (q.has("opt") || q.has("lr") || q.has("batch")) {
    // Settings the link leaves out are filled in from the registry's defaults (main.js).
    const r = { name: q.get("opt") || c.racers[0].name };
    const lr = numOrNull(q.get("lr"));
    if (lr) r.lr = lr;
    if (q.has("batch")) r.batch_size = q.get("batch") === "full" ? null : numOrNull(q.get("batch")) ?? null;
    for (const [key, value] of q.entries()) {
      if (key.startsWith("o.")) {
        try { r[key.slice(2)] = JSON.parse(value); } catch { /* a malformed setting keeps its default */ }
      }
    }
    c.racers = [r];
  }
  for (const [k, key] of Object.entries(STOP_KEYS)) {
    const v = numOrNull(q.get(key));
    if (q.has(key) && v !== undefined) c.stop[k] = v;
  }
  const seed = numOrNull(q.get("seed"));
  if (Number.isInteger(seed) && seed >= 0 && seed <= SEED_MAX) c.seed = seed;
  if (q.has("start")) {
    const p = q.get("start").split(",").map(Number);
    if (p.length === 2 && p.every((v) => Number.isFinite(v) && Math.abs(v) <= START_MAX)) c.start = p;
  }
  const speed = numOrNull(q.get("speed"));
  if (speed) c.speed = speed;
  for (const [k, key] of Object.entries(VIEW_KEYS)) {
    if (q.has(key)) c.view[k] = q.get(key) === "1";
  }
  return c;
}

