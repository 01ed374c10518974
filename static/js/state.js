// The single source of truth of the page.
//
//   config  the set-up a person chose (problem, data, racers, stopping tests, seed, start, speed, view);
//           it round-trips through the URL's query string, so a copied link reopens the same set-up.
//   run     what the server said about the current run: its id, latest state, data, landscape and the
//           step history of every racer, plus the steps received but not drawn yet (`pending`).
//
// Nothing here talks to the server or draws: socket.js feeds it, main.js and the charts read it.

import { serverSpec } from "./racers.js";
import { DEFAULTS, MAX_CSV_IN_URL } from "./defaults.js";
import * as url from "./url.js";

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

export { DEFAULTS };

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

/** The query string of the current config. */
export const toQuery = () => url.toQuery(config, CODECS, QUERY_EXTRAS);

/** A config read from a query string (unknown or malformed values keep their defaults). */
export const fromQuery = (search) => url.fromQuery(search, CODECS);

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
    window.history.replaceState(null, "", `${window.location.pathname}?${toQuery()}`);
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
  return { t: [], loss: [], grad_norm: [], lr: [], examples: [], p1: [], p2: [], guess: [], guess_loss: [] };
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
};

/** Whether the run plays: the server's word (the status it last sent), nothing else. */
export const playing = () => run.state?.status === "running";

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
    h.examples.push(s.examples ?? null); // training examples used so far (null: no data)
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

/** A status message: the run's status, message and stop reason, and each racer's status merged into its state. */
export function setStatus(msg) {
  const prev = run.state || {};
  const racers = (prev.racers || []).map((r, k) => ({ ...r, ...((msg.racers || [])[k] || {}) }));
  setState({ ...prev, status: msg.status, message: msg.message, racers });
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
