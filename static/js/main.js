// Wires the page: controls, clicks and keys → state (and messages sent by socket.js) → render.
//
//   state.js    the config (round-trips through the URL) and the run (history, queued steps)
//   socket.js   the only door to the server (websocket stream + REST through api.js)
//   session.js  the run's life: create, stream, follow the server's messages, play / pause
//   render.js   the charts (charts/*.js), drawn once per animation frame
//   controls.js and panels/*.js   the sidebar

import * as S from "./state.js";
import * as socket from "./socket.js";
import * as session from "./session.js";
import * as render from "./render.js";
import * as controls from "./controls.js";
import * as status from "./status.js";
import * as toast from "./toast.js";
import * as throughput from "./throughput.js";
import * as race from "./race.js";
import { PRESETS, hasLr, newRacer, niceLr, racerLabel } from "./racers.js";
import { PANELS } from "./panels/index.js";
import * as replay from "./replay.js";
import * as saved from "./saved.js";
import * as exporter from "./export.js";
import * as lecture from "./lecture/index.js";

function readJson(id) {
  try {
    return JSON.parse(document.getElementById(id).textContent);
  } catch {
    return {};
  }
}

const registry = readJson("registry");
const limits = readJson("limits");

function throttle(fn, ms) {
  let last = 0;
  let timer = null;
  let args = null;
  return (...a) => {
    args = a;
    const now = performance.now();
    if (now - last >= ms) {
      last = now;
      fn(...args);
    } else if (!timer) {
      timer = setTimeout(() => {
        timer = null;
        last = performance.now();
        fn(...args);
      }, ms - (now - last));
    }
  };
}

// A slider drag sends at most ~16 messages a second; the last value is always sent.
const sendLr = throttle((lr) => socket.send({ type: "set", optimizer: { lr } }), 60);
const sendSpeed = throttle((speed) => socket.send({ type: "play", speed }), 120);

/** A racer spec with the registry's defaults for the settings the page shows. */
function defaultsOf(name) {
  const out = { name };
  for (const s of registry.optimizers?.[name]?.settings || []) {
    if (s.name === "lr" || s.name === "batch_size") out[s.name] = s.default;
  }
  return out;
}

const intents = {
  togglePlay: () => (S.run.wantPlaying ? session.pause() : session.play()),
  step(n) {
    if (S.run.wantPlaying) session.pause();
    if (session.terminal()) socket.send({ type: "reset" });
    socket.send({ type: "step", n });
  },
  reset() {
    socket.send({ type: "reset" });
  },
  setLr(lr) {
    S.setRacer(0, { lr }); // live: the next steps use it, nothing is reset
    sendLr(lr);
  },
  preset(lr) {
    // A preset is an experiment: the new rate from θ⁽⁰⁾, played at once.
    S.setRacer(0, { lr });
    controls.sync(S.config);
    socket.send({ type: "set", optimizer: { lr } });
    socket.send({ type: "reset" });
    session.play();
  },
  setSpeed(speed) {
    S.setConfig({ speed });
    if (S.run.wantPlaying) sendSpeed(speed);
  },
  setOptimizer(name) {
    const old = S.config.racers[0];
    const r = defaultsOf(name);
    if ("lr" in r && old.lr !== undefined) r.lr = old.lr;
    if ("batch_size" in r && old.batch_size !== undefined) r.batch_size = old.batch_size;
    S.setConfig({ racers: [r] });
    controls.sync(S.config);
    session.startRun();
  },
  setBatch(batch_size) {
    S.setRacer(0, { batch_size });
    controls.sync(S.config);
    socket.send({ type: "set", optimizer: { batch_size } });
  },
  setStop(changes) {
    S.setConfig({ stop: changes });
    socket.send({ type: "set", stop: changes });
    render.setEpsilon(S.config.stop.grad_norm);
  },
  setStart(params) {
    S.setConfig({ start: params });
    socket.send({ type: "reset", params });
  },
  setSeed(seed) {
    S.setConfig({ seed });
    session.startRun();
  },
  setView(changes) {
    S.setConfig({ view: changes });
    render.setView(changes);
  },
  async copyLink() {
    const url = window.location.href;
    try {
      await navigator.clipboard.writeText(url);
      const replayHint = S.run.state?.t ? " · it starts at t = 0: Runs → Copy replay link keeps this run's numbers" : "";
      toast.info((S.linkIsComplete() ? "link copied"
        : "link copied (without the uploaded CSV: it is too long for a link)") + replayHint);
    } catch {
      window.prompt("Copy this link:", url);
    }
  },
  error: (msg) => toast.error(msg),
};

// ----- races (race.js): racer sets, add / remove, live settings per racer ----------------------------

/** Learning rates that suit the problem on screen: {gd, ada} for plain and adaptive steps. */
function suggestedLrs() {
  const panel = PANELS[S.config.kind];
  if (panel?.suggestedLrs) return panel.suggestedLrs(S.config, S.run.state);
  const p = S.run.state?.problem || {};
  const gd = panel?.racerDefaults?.lr ?? p.best_lr ?? (p.max_stable_lr ? p.max_stable_lr / 2 : 0.1);
  return { gd: niceLr(gd), ada: 0.05 };
}

const raceSenders = new Map(); // racer -> throttled sender of its lr (a slider drag)
function sendRacer(k, optimizer) {
  if (Object.keys(optimizer).length === 1 && "lr" in optimizer) {
    if (!raceSenders.has(k)) {
      raceSenders.set(k, throttle((i, lr) => socket.send({ type: "set", racer: i, optimizer: { lr } }), 60));
    }
    raceSenders.get(k)(k, optimizer.lr);
    return;
  }
  socket.send({ type: "set", racer: k, optimizer });
}

const raceIntents = {
  /** A one-click racer set: a fresh run from θ⁽⁰⁾, played at once. */
  async preset(id) {
    const p = PRESETS.find((x) => x.id === id);
    if (!p) return;
    S.setConfig({ racers: p.racers(suggestedLrs()) });
    race.collapseAll();
    controls.sync(S.config);
    await session.startRun();
    session.play();
  },
  add(name) {
    if (S.config.racers.length >= (limits.max_racers || 16)) {
      toast.error(`a race holds at most ${limits.max_racers || 16} racers`);
      return;
    }
    const r = newRacer(name, suggestedLrs());
    S.setConfig({ racers: [...S.config.racers, r] });
    socket.send({ type: "add_racer", racer: S.cleanRacer(r) }); // live: it starts from θ⁽⁰⁾ at its own t = 0
  },
  remove(k) {
    if (S.config.racers.length < 2 || !S.config.racers[k]) return;
    raceSenders.clear();
    S.setConfig({ racers: S.config.racers.filter((_, j) => j !== k) });
    socket.send({ type: "remove_racer", racer: k });
    controls.sync(S.config); // back to one racer: the classic panels show it
  },
  change(k, changes) {
    const old = S.config.racers[k];
    S.setRacer(k, changes);
    const r = S.config.racers[k];
    const msg = {};
    for (const [key, v] of Object.entries(changes)) if (v !== undefined && key !== "label") msg[key] = v;
    // Its name on screen follows its settings ("SGD" → "momentum 0.9") unless a person typed one.
    if ("label" in changes || racerLabel(r) !== racerLabel(old)) msg.label = racerLabel(r);
    if (Object.keys(msg).length) sendRacer(k, msg);
  },
  replace(k, name) {
    const r = newRacer(name, suggestedLrs());
    const racers = S.config.racers.map((x, j) => (j === k ? r : x));
    S.setConfig({ racers });
    const optimizer = { ...S.cleanRacer(r) };
    if (hasLr(r)) optimizer.schedule = { name: "constant" }; // the server would keep the old one
    socket.send({ type: "set", racer: k, optimizer });
  },
  error: (msg) => toast.error(msg),
};

/** A new surface (or kind): every racer takes the learning rate that suits it. */
function retuneRacers() {
  const lrs = suggestedLrs();
  const racers = S.config.racers.map((r) => (hasLr(r) ? { ...r, lr: newRacer(r.name, lrs).lr } : r));
  S.setConfig({ racers });
  controls.sync(S.config);
}

/** The problem-kind switch, from the panels table (a kind this server does not offer is shown disabled). */
function mountKinds() {
  const box = document.getElementById("kind-switch");
  const offered = registry.problems || Object.keys(PANELS);
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
  box.innerHTML = Object.values(PANELS).map((p) => {
    const off = !offered.includes(p.kind);
    return `<label title="${esc(off ? "this server does not offer it" : p.title)}"><input type="radio" name="kind"
      value="${esc(p.kind)}" data-testid="kind-${esc(p.kind)}" ${off ? "disabled" : ""}><span>${esc(p.label || p.title)}</span></label>`;
  }).join("");
  box.addEventListener("change", (ev) => setKind(ev.target.value));
}

/** Another kind of problem: its panel and charts, optimiser settings that suit it, and a fresh run. */
function setKind(kind) {
  const panel = PANELS[kind];
  if (!panel || kind === S.config.kind) return;
  S.setConfig({ kind, start: null });
  retuneRacers();
  if (S.config.racers.length === 1) S.setRacer(0, { batch_size: panel.racerDefaults?.batch_size ?? null });
  controls.sync(S.config);
  mountPanel();
  session.startRun();
}

function mountPanel() {
  const panel = PANELS[S.config.kind];
  document.getElementById("h-problem").textContent = panel.title;
  document.body.dataset.kind = S.config.kind;
  const radio = document.querySelector(`#kind-switch input[value="${S.config.kind}"]`);
  if (radio) radio.checked = true;
  render.useView(panel.view || "classic");
  const fresh = (changes) => {
    S.setConfig(changes);
    panel.sync(S.config);
    session.startRun(); // new data: a new run
  };
  panel.mount(document.getElementById("problem-body"), {
    onData: (changes) => fresh({ data: changes }),
    onCsv: (text) => fresh({ csv: text }),
    onClearCsv: () => fresh({ csv: null }),
    onConfig: (changes) => {
      // Another test surface: its own start, and learning rates that suit it (race.js shows them).
      const newSurface = changes.surface && changes.surface.name !== S.config.surface?.name;
      S.setConfig(changes);
      if (newSurface) retuneRacers();
      panel.sync(S.config);
      session.startRun();
    },
    onError: (msg) => toast.error(msg),
  }, limits);
  panel.sync(S.config);
}

function onKey(ev) {
  const tag = ev.target.tagName;
  if (["INPUT", "SELECT", "TEXTAREA", "BUTTON"].includes(tag) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (ev.key === " ") {
    ev.preventDefault();
    intents.togglePlay();
  } else if (ev.key === "s" || ev.key === "ArrowRight") {
    intents.step(ev.shiftKey ? 10 : 1);
  } else if (ev.key === "r") {
    intents.reset();
  }
}

/** A link may name what this server does not have: fall back, and say so. */
function sanitizeConfig() {
  const known = registry.optimizers || {};
  const racers = S.config.racers.filter((r) => r && known[r.name]);
  if (racers.length !== S.config.racers.length) {
    toast.error("the link names an optimiser this server does not know: using gradient descent");
  }
  S.config.racers = racers.length
    ? racers.map((r) => ({ ...defaultsOf(r.name), ...r }))
    : structuredClone(S.DEFAULTS.racers);
  if (!PANELS[S.config.kind]) {
    toast.error(`problem kind ${S.config.kind} has no panel on this page: using linear regression`);
    S.config.kind = "linear_regression";
  }
}

/** window.__descent: read-only numbers for the browser tests. */
function exposeTestHooks() {
  const p = render.probes;
  const hooks = {
    get runId() { return S.run.id; },
    get status() { return S.run.state?.status ?? null; },
    get message() { return S.run.state?.message ?? null; },
    get t() { return S.run.state?.t ?? 0; },
    get lr() { return S.run.state?.racers?.[0]?.lr ?? null; },
    get configLr() { return S.config.racers[0]?.lr ?? null; },
    get steps() { return S.run.history[0]?.t.length ?? 0; },
    get lastStepLr() {
      const h = S.run.history[0];
      return h && h.lr.length ? h.lr[h.lr.length - 1] : null;
    },
    get framesDrawn() { return p.frames(); },
    get box() { return p.box(); },
    get limits() { return structuredClone(limits); },
    pathLength: p.pathLength,
    guessCount: p.guessCount,
    arrowCount: p.arrowCount,
    surfacePathLength: p.surfacePathLength,
    surfaceStep: p.surfaceStep,
    curveLength: p.curveLength,
    tableRows: p.tableRows,
    newestRow: p.newestRow,
    socketOpen: () => socket.isOpen(),
    playingRate: () => throughput.shown(), // the "playing n/s" note beside the speed (null: hidden)
    net: p.net, // network charts (test_network.py)
    // Races (test_race.py).
    get racerCount() { return S.run.state?.racers?.length ?? 0; },
    get configRacers() { return structuredClone(S.config.racers); },
    stepsOf: (k) => S.run.history[k]?.t.length ?? 0,
    lastStepLrOf(k) {
      const h = S.run.history[k];
      return h && h.lr.length ? h.lr[h.lr.length - 1] : null;
    },
    racerStatus: (k) => S.run.state?.racers?.[k]?.status ?? null,
    leaderRows: p.leaderRows,
    leaderTexts: p.leaderTexts,
    stepArrowCount: p.stepArrowCount,
    // Share, save, export (test_share.py): racer k's history columns.
    lossesOf: (k = 0) => [...(S.run.history[k]?.loss ?? [])],
    stepsTOf: (k = 0) => [...(S.run.history[k]?.t ?? [])],
    lecture: lecture.probes, // the lecture's views and lessons (test_lecture.py, test_lessons.py)
  };

  Object.defineProperty(window, "__descent", { value: Object.freeze(hooks), writable: false });
}

/** A server started with an API token: take ?token=… from the address bar into the tab's session. */
function takeToken() {
  const q = new URLSearchParams(window.location.search);
  if (q.has("token")) socket.rememberToken(q.get("token"));
  if (limits.auth && !socket.hasToken()) {
    toast.error("this server needs an API token: open the page once with ?token=… in its address");
  }
}

/** Take a whole config (a run reopened, imported or replayed: replay.js); the panels, controls and URL follow. */
function adoptConfig(c) {
  const kindChanged = c.kind !== S.config.kind;
  S.setConfig(c);
  sanitizeConfig();
  controls.sync(S.config);
  if (kindChanged) mountPanel();
  else PANELS[S.config.kind]?.sync(S.config);
}

function boot() {
  takeToken();
  replay.init({ adoptConfig }, registry, limits); // reads ?replay=… before the URL is rewritten
  S.readUrl();
  lecture.readLink(registry); // a lesson link: its preset becomes the config
  sanitizeConfig();
  S.writeUrlNow();
  controls.init(registry, intents);
  controls.sync(S.config);
  mountKinds();
  mountPanel();
  race.init(document.getElementById("race-body"), registry, raceIntents);
  race.sync(S.config);
  S.on("config", () => race.sync(S.config));
  S.on("state", (st) => PANELS[S.config.kind]?.showState?.(st));
  render.init({
    onClick: (p) => intents.setStart(p.map((v) => Number(v.toPrecision(4)))),
    onLeaveBox: session.onLeaveBox,
  }, (id) => socket.historyUrl(id, "csv"));
  document.addEventListener("keydown", onKey);
  lecture.init({
    step: (n) => intents.step(n),
    pause: () => session.pause(),
    async startRace(racers) { // random guessing vs descent, on the data on screen
      S.setConfig({ racers });
      race.collapseAll();
      controls.sync(S.config);
      await session.startRun();
      session.play();
    },
  });
  exposeTestHooks();
  exporter.init();
  saved.init(document.getElementById("runs-toggle"));
  window.addEventListener("pagehide", () => {
    socket.disconnect();
    if (S.run.id) socket.deleteRunOnExit(S.run.id);
  });
  if (!replay.fromUrl()) session.startRun();
}

if (typeof window.Plotly === "undefined") {
  status.show("error", "Plotly did not load (/vendor/plotly.min.js)");
} else {
  boot();
}
