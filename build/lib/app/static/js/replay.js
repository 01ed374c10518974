// Runs the server rebuilds: a saved run reopened, a run's JSON imported, a replay link opened. Each becomes
// a live run on the server, replayed to the same numbers; the page then takes the set-up the run was built
// from (problem, data, network, racers, stop tests, seed, start) so every control and the URL describe it.
//
// A replay link carries what the server needs to replay a run bit for bit: the spec it was built from, its
// live changes (each at the step round it was made) and how many step rounds it took, as compact JSON in
// ?replay=… next to the usual settings. "z." links are deflated (CompressionStream), "j." links plain.

import * as S from "./state.js";
import * as socket from "./socket.js";
import * as toast from "./toast.js";
import { autoLabel } from "./racers.js";

export const PARAM = "replay";
export const MAX_LINK_CHARS = 8000; // servers refuse long request lines (uvicorn: 16 kB with the headers)

function readJson(id) {
  try {
    return Object.freeze(JSON.parse(document.getElementById(id)?.textContent || "{}"));
  } catch {
    return Object.freeze({});
  }
}
const REGISTRY = readJson("registry"); // the server's registry and limits, embedded in the page
const LIMITS = readJson("limits");

// ----- the page's config from a run's spec --------------------------------------------------------

const DATA_KEYS = ["n", "slope", "intercept", "noise", "x_min", "x_max", "seed"];
const pick = (o, keys) => Object.fromEntries(keys.filter((k) => o && k in o).map((k) => [k, o[k]]));

/** A racer as the page holds it: only what differs from the registry's defaults (name, lr, batch always). */
export function pageRacer(spec, registry = REGISTRY) {
  const r = { name: spec.name };
  const settings = registry.optimizers?.[spec.name]?.settings || [];
  const dflt = Object.fromEntries(settings.map((s) => [s.name, s.default]));
  for (const [k, v] of Object.entries(spec)) {
    if (k === "name" || k === "label" || v === undefined) continue;
    if (k === "schedule") {
      if (v && v.name !== "constant") r.schedule = v;
    } else if (k === "lr" || k === "batch_size" || !(k in dflt) || JSON.stringify(dflt[k]) !== JSON.stringify(v)) {
      r[k] = v;
    }
  }
  // A label the server made up (its optimiser's name) or the page's automatic one is not a typed one.
  if (spec.label && spec.label !== spec.name && spec.label !== autoLabel(r)) r.label = spec.label;
  return r;
}

function netFromProblem(p, base) {
  const net = structuredClone(base || {});
  const layers = Array.isArray(p.layers) ? p.layers : null;
  if (layers) net.hidden = layers.slice(1, -1);
  const acts = Array.isArray(p.activation) ? p.activation : [p.activation || "tanh"];
  net.activation = (net.hidden || []).map((_, i) => acts[Math.min(i, acts.length - 1)]);
  for (const k of ["head", "loss", "init", "init_sigma"]) if (p[k] !== undefined) net[k] = p[k];
  const d = p.data || {};
  if (typeof d.csv === "string") {
    net.csv = d.csv;
    net.data = { ...(net.data || {}), ...pick(d, ["test_ratio", "seed"]) };
  } else {
    net.csv = null;
    net.data = { ...d };
  }
  return net;
}

/** The page's config for a run: `spec` built it ({problem, stop, start, seed, optimizer | racers}), `state`
 * says what it uses now (live changes included); speed and view toggles stay as they are. */
export function pageConfig(spec, state, base = S.config, registry = REGISTRY, limits = LIMITS) {
  const c = structuredClone(base);
  const p = spec.problem || {};
  c.kind = p.kind || "linear_regression";
  c.csv = null;
  if (c.kind === "linear_regression") {
    const d = p.data || {};
    if (typeof d.csv === "string") c.csv = d.csv;
    else if (Array.isArray(d.points)) c.csv = `x,y\n${d.points.map((row) => row.join(",")).join("\n")}\n`;
    else c.data = { ...S.DEFAULTS.data, ...pick(d, DATA_KEYS) };
  } else if (c.kind === "surface") {
    const { kind: _kind, name, ...settings } = p;
    c.surface = { name: name || c.surface?.name || "rosenbrock", settings };
  } else if (c.kind === "network") {
    c.net = netFromProblem(p, c.net);
  }
  const stop = { ...S.DEFAULTS.stop, ...pick(state.stop || spec.stop, ["grad_norm", "delta_loss", "max_steps"]) };
  if (limits.max_run_steps && stop.max_steps === limits.max_run_steps) stop.max_steps = null; // the server's cap
  c.stop = stop;
  c.seed = Number.isInteger(spec.seed) ? spec.seed : 0;
  // A network's start is its weights, drawn from the seed; a 2-D start is a point a person may have clicked.
  c.start = c.kind !== "network" && Array.isArray(spec.start) && spec.start.length === 2 ? [...spec.start] : null;
  const racers = state.racers?.length ? state.racers : [state];
  c.racers = racers.map((r) => pageRacer(r.optimizer || { name: "gd" }, registry));
  return c;
}

/** Whether `doc` looks like a run export; else the reason it does not. */
export function checkDoc(doc) {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return "not a JSON object";
  if (doc.format !== "descent-run") return 'not a Descent run (its "format" is not "descent-run")';
  if (!doc.config || typeof doc.config !== "object") return 'no "config": nothing to replay';
  return "";
}

/** The replays of one page; hooks: adoptConfig(config) (the page takes a whole config), adoptRun(load) and
 * startRun() (session.js). Create it first thing on boot (it reads ?replay=… before the URL is rewritten).
 * {openSaved, importDoc, replayLink, fromUrl}. */
export function createReplay(hooks) {
  // The ?replay=… the page was opened with (read before the URL is rewritten).
  const bootReplay = new URLSearchParams(window.location.search).get(PARAM);
  let urlReplay = null; // kept in the URL while the page shows that replay: a reload replays it again
  S.addQueryExtra((q) => { if (urlReplay) q.set(PARAM, urlReplay); });
  S.on("config", () => { urlReplay = null; }); // a changed setting: the link describes the settings again

  // ----- opening runs the server rebuilds -------------------------------------------------------------

  /** Make the run (`create()` answers its state), take its set-up into the page and stream it. */
  async function adopt(create) {
    return hooks.adoptRun(async () => {
      const st = await create();
      let cfg;
      try {
        cfg = await socket.getRunConfig(st.id);
      } catch (err) {
        socket.deleteRun(st.id);
        throw err;
      }
      hooks.adoptConfig(pageConfig(cfg.config, st));
      return st;
    });
  }

  /** Reopen saved run `sid`: a new live run at the saved step, with the saved run's set-up. */
  const openSaved = (sid) => adopt(() => socket.openSaved(sid));

  /** Replay an exported run document ({format: "descent-run", config, events, clock, ...}). */
  const importDoc = (doc) => adopt(() => socket.importRun(doc));


  // ----- replay links ---------------------------------------------------------------------------------

  function toBase64Url(bytes) {
    let bin = "";
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  }

  function fromBase64Url(text) {
    const bin = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  }

  async function through(stream, bytes) {
    const out = new Blob([bytes]).stream().pipeThrough(stream);
    return new Uint8Array(await new Response(out).arrayBuffer());
  }

  /** The text of ?replay=… for {config, events, clock}. */
  async function encode(run) {
    const json = JSON.stringify({ v: 1, c: run.config, e: run.events || [], k: run.clock || 0 });
    const bytes = new TextEncoder().encode(json);
    if (typeof CompressionStream === "function") {
      return `z.${toBase64Url(await through(new CompressionStream("deflate-raw"), bytes))}`;
    }
    return `j.${toBase64Url(bytes)}`;
  }

  /** {config, events, clock} of a ?replay=… text (throws an Error saying what is wrong). */
  async function decode(text) {
    const [kind, body] = [text.slice(0, 2), text.slice(2)];
    let bytes;
    try {
      bytes = fromBase64Url(body);
    } catch {
      throw new Error("the replay link is damaged (not base64url)");
    }
    if (kind === "z.") {
      if (typeof DecompressionStream !== "function") throw new Error("this browser cannot read compressed links");
      try {
        bytes = await through(new DecompressionStream("deflate-raw"), bytes);
      } catch {
        throw new Error("the replay link is damaged (cut short?)");
      }
    } else if (kind !== "j.") {
      throw new Error("the replay link is of an unknown kind");
    }
    let doc;
    try {
      doc = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new Error("the replay link is damaged (not JSON)");
    }
    if (!doc || doc.v !== 1 || !doc.c) throw new Error("the replay link is of an unknown version");
    return { config: doc.c, events: doc.e || [], clock: doc.k || 0 };
  }

  /** A link that replays the current run to its current step: {url, chars}, or {tooLong: chars}. */
  async function replayLink() {
    if (!S.run.id) throw new Error("no run yet");
    const run = await socket.getRunConfig(S.run.id);
    const text = await encode(run);
    if (text.length > MAX_LINK_CHARS) return { tooLong: text.length };
    const q = new URLSearchParams(S.toQuery());
    q.set(PARAM, text);
    return { url: `${window.location.origin}${window.location.pathname}?${q}`, chars: text.length };
  }

  /** Open the replay link the page was loaded with, if any (else answer false: start a fresh run). */
  function fromUrl() {
    if (!bootReplay) return false;
    const text = bootReplay;
    (async () => {
      const run = await decode(text);
      const st = await adopt(() => socket.importRun({ format: "descent-run", version: 1, ...run }));
      if (st) {
        urlReplay = text;
        S.touchUrl();
      }
      toast.info(`replayed to t = ${st?.t ?? run.clock}`);
    })().catch((err) => {
      toast.error(`the replay link did not replay: ${err.message}. Its settings are shown from t = 0.`);
      hooks.startRun();
    });
    return true;
  }

  return { openSaved, importDoc, replayLink, fromUrl };
}
