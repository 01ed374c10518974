// The single source of truth of the page.
//
//   config  the set-up a person chose (problem, data, racers, stopping tests, seed, start, speed, view);
//           it round-trips through the URL's query string, so a copied link reopens the same set-up.
//   run     what the server said about the current run: its id, latest state, data, landscape and the
//           step history of every racer, plus the steps received but not drawn yet (`pending`).
//
// Nothing here talks to the server or draws: socket.js feeds it, main.js and the charts read it.

import { racerFromText, racerToText, serverSpec } from "./racers.js";

const LISTENERS = new Map();

/** Subscribe to an event ("config", "run", "state", "landscape", "data"). */
export function on(event, fn) {
  if (!LISTENERS.has(event)) LISTENERS.set(event, []);
  LISTENERS.get(event).push(fn);
}

function emit(event, ...args) {
  for (const fn of LISTENERS.get(event) || []) fn(...args);
}

// ----- config ---------------------------------------------------------------------------------

export const DEFAULTS = Object.freeze({
  kind: "linear_regression",
  data: { n: 100, slope: 3, intercept: 2, noise: 0.5, x_min: 0, x_max: 1, seed: 0 },
  csv: null, // uploaded CSV text (header x,y); replaces the generated data when set
  racers: [{ name: "gd", lr: 0.1, batch_size: null }],
  stop: { grad_norm: 1e-6, delta_loss: null, max_steps: 10000 },
  start: null, // [θ1, θ2]; null: the problem's default start
  seed: 0,
  speed: 50, // steps per second while playing
  view: { arrows: true, flow: false, logJ: true, logGrad: true, surface3d: true, stepArrows: true },
});

const MAX_CSV_IN_URL = 4000; // longer uploads are not put in links (the link says so)

export const config = structuredClone(DEFAULTS);

/** Merge `changes` into config (shallow per section) and tell listeners which keys changed. */
export function setConfig(changes) {
  for (const [key, value] of Object.entries(changes)) {
    if (value && typeof value === "object" && !Array.isArray(value) && config[key] && typeof config[key] === "object"
        && !Array.isArray(config[key])) {
      config[key] = { ...config[key], ...value };
    } else {
      config[key] = value;
    }
  }
  writeUrl();
  emit("config", Object.keys(changes));
}

/** Change racer i's settings (lr, batch_size, ...). */
export function setRacer(i, changes) {
  const racers = config.racers.map((r, j) => (j === i ? { ...r, ...changes } : r));
  setConfig({ racers });
}

// ----- problem kinds ----------------------------------------------------------------------------
// A kind other than linear regression brings a codec (panels/index.js registers them), and keeps its own
// set-up in config[codec.key]: {key, defaults(), problem(config), toQuery(config, q), fromQuery(q)}.

const CODECS = new Map();

/** Register the codec of a problem kind (its set-up starts at the codec's defaults). */
export function registerKind(kind, codec) {
  CODECS.set(kind, codec);
  if (!(codec.key in config)) config[codec.key] = codec.defaults();
}

/** The body of POST /api/runs for the current config. */
export function runSpec() {
  const data = config.csv !== null ? { csv: config.csv } : { ...config.data };
  const codec = CODECS.get(config.kind);
  const spec = {
    problem: codec ? codec.problem(config) : { kind: config.kind, data },
    stop: { ...config.stop },
    seed: config.seed,
  };
  const racers = config.racers.map((r) => cleanRacer(r));
  if (racers.length === 1) spec.optimizer = racers[0];
  else spec.racers = racers;
  if (config.start) spec.start = [...config.start];
  return spec;
}

/** A racer spec as the server takes it: its label given, settings its optimiser lacks dropped (racers.js). */
export const cleanRacer = (r) => serverSpec(r);

// ----- URL round trip -------------------------------------------------------------------------

const DATA_KEYS = { n: "n", slope: "slope", intercept: "intercept", noise: "noise", x_min: "xmin", x_max: "xmax",
  seed: "dseed" };
const STOP_KEYS = { grad_norm: "eps", delta_loss: "delta", max_steps: "max" };
const VIEW_KEYS = { arrows: "arrows", flow: "flow", logJ: "logJ", logGrad: "logGrad", surface3d: "s3d",
  stepArrows: "sarrows" };

function numOrNull
(s) {
  if (s === null || s === "off" || s === "none" || s === "") return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

// racerToText / racerFromText (the r= parameter of a race) live in racers.js.

/** The query string of the current config. */
export function toQuery() {
  const q = new URLSearchParams();
  if (config.kind !== DEFAULTS.kind) q.set("kind", config.kind);
  const codec = CODECS.get(config.kind);
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
  for (const write of QUERY_EXTRAS) write(q);
  return q.toString();
}

// Query parameters owned by other modules (the lecture's open view, a lesson): written after the config's.
const QUERY_EXTRAS = [];

/** Add `write(q)`, called at every URL write to set a module's own parameters. */
export function addQueryExtra(write) {
  QUERY_EXTRAS.push(write);
}

/** Rewrite the URL soon (a module's own parameters changed). */
export function touchUrl() {
  writeUrl();
}

/** Read the config from a query string (unknown or malformed values keep their defaults). */
export function fromQuery(search) {
  const q = new URLSearchParams(search);
  const c = structuredClone(DEFAULTS);
  if (q.has("kind")) c.kind = q.get("kind");
  for (const [kind, codec] of CODECS) c[codec.key] = kind === c.kind ? codec.fromQuery(q) : codec.defaults();
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
  if (seed !== undefined && seed !== null) c.seed = seed;
  if (q.has("start")) {
    const p = q.get("start").split(",").map(Number);
    if (p.length === 2 && p.every(Number.isFinite)) c.start = p;
  }
  const speed = numOrNull(q.get("speed"));
  if (speed) c.speed = speed;
  for (const [k, key] of Object.entries(VIEW_KEYS)) {
    if (q.has(key)) c.view[k] = q.get(key) === "1";
  }
  return c;
}

/** Load the config from the page's URL. */
export function readUrl() {
  Object.assign(config, fromQuery(window.location.search));
}

/** Write the whole config into the URL now (on load: the link then spells out every setting). */
export function writeUrlNow() {
  clearTimeout(urlTimer);
  window.history.replaceState(null, "", `${window.location.pathname}?${toQuery()}`);
}

let urlTimer = null;
function writeUrl() {
  // replaceState is rate-limited by browsers: coalesce a slider drag into one write.
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    const url = `${window.location.pathname}?${toQuery()}`;
    window.history.replaceState(null, "", url);
  }, 150);
}

/** Whether the current link can hold the whole set-up (a long CSV upload cannot). */
export function linkIsComplete() {
  const codec = CODECS.get(config.kind);
  if (codec?.complete) return codec.complete(config);
  return config.csv === null || config.csv.length <= MAX_CSV_IN_URL;
}

// ----- the run --------------------------------------------------------------------------------

const MAX_HISTORY = 200000; // steps kept per racer for redraws; older ones are dropped
const MAX_PENDING = 50000; // queued steps per racer (a hidden tab draws nothing): beyond, redraw from history

function emptyHistory() {
  return { t: [], loss: [], grad_norm: [], lr: [], p1: [], p2: [], guess: [], guess_loss: [] };
}

export const run = {
  id: null,
  generation: 0, // bumped for every new run: charts reset their zoom only then
  state: null, // the server's latest state
  data: null, // {x, y}
  landscape: null, // {surface: {x, y, z, box}, field, flow}
  history: [], // per racer
  net: { layers: null, grid: null, hidden: null }, // a network's weights, decision grid and hidden units
  pending: [], // per racer: steps received and not yet drawn
  overflow: false, // too many steps queued: the next frame redraws everything from the history
  wantPlaying: false, // the person pressed play, and nothing has paused or stopped the run since
};

/** A new run was created (or the page connected to one): forget everything about the old one. */
export function newRun(id) {
  run.id = id;
  run.generation += 1;
  run.state = null;
  run.data = null;
  run.landscape = null;
  run.history = [];
  run.net = { layers: null, grid: null, hidden: null };
  run.pending = [];
  emit("run", id);
}

/** Replace the history with `steps` (hello and reset messages) and the state. */
export function resync(state, steps) {
  const K = Math.max(1, (state && state.racers ? state.racers.length : 1));
  run.history = Array.from({ length: K }, emptyHistory);
  run.pending = Array.from({ length: K }, emptyHistory);
  run.overflow = false;
  append(steps, run.history);
  setState(state, true);
}

/** New steps from a frame: kept in the history and queued for the next animation frame. */
export function addSteps(steps) {
  append(steps, run.history);
  if (run.overflow) return;
  append(steps, run.pending);
  if (run.pending.some((h) => h.t.length > MAX_PENDING)) {
    run.overflow = true;
    run.pending = run.pending.map(emptyHistory);
  }
}

/** Racer i left the run: later racers move down one index, in the history and the queue alike. */
export function dropRacer(i) {
  if (i < run.history.length) run.history.splice(i, 1);
  if (i < run.pending.length) run.pending.splice(i, 1);
}

/** Whether the queued steps overflowed (and clear the flag): then redraw from the history. */
export function takeOverflow() {
  const o = run.overflow;
  run.overflow = false;
  return o;
}

function append(steps, target) {
  for (const s of steps) {
    const k = s.racer || 0;
    while (target.length <= k) target.push(emptyHistory());
    const h = target[k];
    h.t.push(s.t);
    h.loss.push(s.loss);
    h.grad_norm.push(s.grad_norm);
    h.lr.push(s.lr);
    h.p1.push(s.params ? s.params[0] : null);
    h.p2.push(s.params ? s.params[1] : null);
    h.guess.push(s.guess || null);
    h.guess_loss.push(s.guess_loss ?? null);
    if (target === run.history && h.t.length > MAX_HISTORY) {
      for (const key of Object.keys(h)) h[key].splice(0, h[key].length - MAX_HISTORY);
    }
  }
}

/** Take the queued steps (the renderer calls this once per animation frame). */
export function takePending() {
  const out = run.pending;
  const any = out.some((h) => h.t.length > 0);
  run.pending = out.map(emptyHistory);
  return any ? out : null;
}

/** The server's latest state; `full` when the charts must redraw from the history. */
export function setState(state, full = false) {
  if (!state) return;
  const prev = run.state;
  run.state = state;
  emit("state", state, prev, full);
}

/** Points of the data plot. */
export function setData(data) {
  run.data = data;
  emit("data", data);
}

/** What a network run's frames (or REST) said: `network` (weights), `grid` (decision), `hidden` (units). */
export function setNet(msg) {
  const changed = [];
  if (msg.network) { run.net.layers = msg.network.layers; changed.push("layers"); }
  if (msg.grid) { run.net.grid = msg.grid; changed.push("grid"); }
  if (msg.hidden) { run.net.hidden = msg.hidden; changed.push("hidden"); }
  if (changed.length) emit("net", changed);
}

/** Surface, field and flow of the parameter plot. */
export function setLandscape(landscape) {
  run.landscape = landscape;
  emit("landscape", landscape);
}

/** The racers' states (a single run is a race of one). */
export function racerStates() {
  return run.state?.racers || [];
}
