// Wires the page: controls, clicks and keys → intents (intents.js) → state and the server (session.js) →
// render. Nothing here keeps state of its own: boot() creates each part once and hands them to each other.
//
//   state.js    the config (round-trips through the URL) and the run (history, queued steps): the only
//               module-level state of the page
//   socket.js   the only door to the server (websocket stream + REST through api.js)
//   session.js  the run's life: create, stream, follow the server's messages, play / pause
//   render.js   the charts (charts/*.js), drawn once per animation frame
//   intents.js  what a person asks for; controls.js, race.js, kinds.js and panels/*.js the sidebar
//   probes.js   read-only numbers for the browser tests, loaded only when a test asks (see loadProbes)

import * as S from "./state.js";
import * as socket from "./socket.js";
import * as status from "./status.js";
import * as toast from "./toast.js";
import { createSession } from "./session.js";
import { createRender } from "./render.js";
import { createControls } from "./controls.js";
import { createRace } from "./race.js";
import { createKinds } from "./kinds.js";
import { createIntents, defaultsOf } from "./intents.js";
import { PANELS } from "./panels/index.js";
import { createReplay } from "./replay.js";
import { createSaved } from "./saved.js";
import * as exporter from "./export.js";
import { createLecture } from "./lecture/index.js";
import * as classroom from "./classroom/index.js";
import { createShortcutList, keyHandler } from "./shortcuts.js";
import { createPresenter } from "./presenter.js";
import { createStartDrag } from "./start_drag.js";
import { onView } from "./view_doc.js";

function readJson(id) {
  try {
    return JSON.parse(document.getElementById(id).textContent);
  } catch {
    return {};
  }
}

/** A link may name what this server does not have: the config with fallbacks (and a notice saying so). */
function sanitized(config, registry) {
  const known = registry.optimizers || {};
  const racers = config.racers.filter((r) => r && known[r.name]);
  if (racers.length !== config.racers.length) {
    toast.error("the link names an optimiser this server does not know: using gradient descent");
  }
  const out = {
    racers: racers.length ? racers.map((r) => ({ ...defaultsOf(registry, r.name), ...r }))
      : structuredClone(S.DEFAULTS.racers),
  };
  if (!PANELS[config.kind]) {
    toast.error(`problem kind ${config.kind} has no panel on this page: using linear regression`);
    out.kind = "linear_regression";
  }
  return out;
}

/** A server started with an API token: take ?token=… from the address bar into the tab's session. */
function takeToken(limits) {
  const q = new URLSearchParams(window.location.search);
  if (q.has("token")) socket.rememberToken(q.get("token"));
  if (limits.auth && !socket.token()) {
    toast.error("this server needs an API token: open the page once with ?token=… in its address");
  }
}

/** The test probes (window.__descent), only when the page is opened by a test: the tests set
 * window.__descentProbes before the page loads (tests/browser/conftest.py), or a person adds ?probe=1. */
async function loadProbes(app) {
  if (!window.__descentProbes && !new URLSearchParams(window.location.search).has("probe")) return;
  const probes = await import("./probes.js");
  probes.install(app);
}

function boot() {
  const registry = readJson("registry");
  const limits = readJson("limits");
  takeToken(limits);
  const app = { registry, limits };
  app.render = createRender({
    onClick: (p) => app.intents.setStart(p.map((v) => Number(v.toPrecision(4)))),
    onLeaveBox: (racers) => app.session.onLeaveBox(racers),
    historyUrl: (id) => socket.historyUrl(id, "csv"),
    onDrawn: (state) => {
      status.render(state);
      app.controls?.showState(state);
    },
  });
  app.session = createSession(app.render, status);
  const made = createIntents({ ...app, controls: () => app.controls, race: () => app.race, kinds: () => app.kinds });
  app.intents = made.intents;
  const adoptConfig = (c) => {
    // A whole config (a run reopened, imported or replayed: replay.js); the panels, controls and URL follow.
    const kindChanged = c.kind !== S.config.kind;
    S.setConfig(c);
    S.setConfig(sanitized(S.config, registry));
    app.controls.sync(S.config);
    if (kindChanged) app.kinds.mount();
    else app.kinds.panel()?.sync(S.config);
  };
  const replay = createReplay({ adoptConfig, adoptRun: app.session.adoptRun, startRun: app.session.startRun });
  S.readUrl(); // after replay.init, which reads ?replay=… before the URL is rewritten
  app.lecture = createLecture();
  app.lecture.readLink(registry); // a lesson link: its preset becomes the config
  S.setConfig(sanitized(S.config, registry));
  S.writeUrlNow();
  app.controls = createControls(registry, app.intents, limits);
  app.controls.sync(S.config);
  app.kinds = createKinds({ ...app, retuneRacers: made.retuneRacers, syncControls: () => app.controls.sync(S.config) });
  app.kinds.mount();
  app.race = createRace(document.getElementById("race-body"), registry, made.raceIntents);
  app.race.sync(S.config);
  S.on("config", (keys) => {
    app.race.sync(S.config);
    if (keys.some((k) => ["data", "net", "csv", "kind"].includes(k))) app.controls.sync(S.config); // its data seed
  });
  app.presenter = createPresenter(document.getElementById("present-toggle"));
  app.shortcuts = createShortcutList(document.getElementById("shortcuts"));
  document.getElementById("keys-toggle").addEventListener("click", () => app.shortcuts.toggle());
  document.addEventListener("keydown", keyHandler(app)); // the shortcuts' table: shortcuts.js
  createStartDrag(document.getElementById("plot-contour"), app.session);
  app.lecture.init({
    step: (n) => app.intents.step(n),
    pause: () => app.session.pause(),
    startRace: made.startRace, // random guessing vs descent, on the data on screen
    diagram: () => app.render.networkDiagram(),
    rest3d: (on) => app.render.rest3d(on),
  });
  exporter.init();
  onView((view) => {
    app.intents.setView(view); // an imported run's view toggles (view_doc.js)
    app.controls.sync(S.config);
  });
  createSaved(document.getElementById("runs-toggle"), replay);
  window.addEventListener("pagehide", () => {
    app.session.close();
    if (S.run.id) socket.deleteRunOnExit(S.run.id);
  });
  loadProbes(app);
  const guest = classroom.init({ adoptConfig, session: app.session }); // a watch or challenge link
  if (!guest && !replay.fromUrl()) app.session.startRun();
}

if (typeof window.Plotly === "undefined") {
  status.show("error", "Plotly did not load (/vendor/plotly.min.js)");
} else {
  boot();
}
