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
import { PANELS } from "./panels/index.js";

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
      toast.info(S.linkIsComplete() ? "link copied"
        : "link copied (without the uploaded CSV: it is too long for a link)");
    } catch {
      window.prompt("Copy this link:", url);
    }
  },
  error: (msg) => toast.error(msg),
};

function mountPanel() {
  const panel = PANELS[S.config.kind];
  document.getElementById("h-problem").textContent = panel.title;
  const fresh = (changes) => {
    S.setConfig(changes);
    panel.sync(S.config);
    session.startRun(); // new data: a new run
  };
  panel.mount(document.getElementById("problem-body"), {
    onData: (changes) => fresh({ data: changes }),
    onCsv: (text) => fresh({ csv: text }),
    onClearCsv: () => fresh({ csv: null }),
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
    get lr() { return S.run.state?.lr ?? null; },
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

function boot() {
  takeToken();
  S.readUrl();
  sanitizeConfig();
  S.writeUrlNow();
  controls.init(registry, intents);
  controls.sync(S.config);
  mountPanel();
  render.init({
    onClick: (p) => intents.setStart(p.map((v) => Number(v.toPrecision(4)))),
    onLeaveBox: session.onLeaveBox,
  }, (id) => socket.historyUrl(id, "csv"));
  document.addEventListener("keydown", onKey);
  exposeTestHooks();
  window.addEventListener("pagehide", () => {
    socket.disconnect();
    if (S.run.id) socket.deleteRunOnExit(S.run.id);
  });
  session.startRun();
}

if (typeof window.Plotly === "undefined") {
  status.show("error", "Plotly did not load (/vendor/plotly.min.js)");
} else {
  boot();
}
