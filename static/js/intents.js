// What a person asks for, in the page's words: play, step, a new learning rate, a racer set, ... Each intent
// changes the config through state.js and tells the server through the session (never the other way round:
// what the run does is drawn when the server says so).
//
// createIntents(app) → {intents, raceIntents, retuneRacers, startRace}; app: {session, render, controls(), race(),
// registry, limits} (controls and race are asked for late: they are created with these intents).

import * as S from "./state.js";
import * as toast from "./toast.js";
import { PRESETS, hasLr, newRacer, niceLr, racerLabel } from "./racers.js";
import { PANELS } from "./panels/index.js";
import { throttle } from "./throttle.js";
import { betaOf } from "./beta_control.js";
import { dataSeed, nextSeed, withDataSeed } from "./data_seed.js";

/** A racer spec with the registry's defaults for the settings the page shows. */
export function defaultsOf(registry, name) {
  const out = { name };
  for (const s of registry.optimizers?.[name]?.settings || []) {
    if (s.name === "lr" || s.name === "batch_size") out[s.name] = s.default;
  }
  return out;
}

/** The intents of one page. */
export function createIntents(app) {
  const { session, render, registry, limits } = app;
  const send = (msg) => session.send(msg);
  const sync = () => app.controls().sync(S.config);
  // A slider drag sends at most ~16 messages a second; the last value is always sent.
  const sendLr = throttle((lr) => send({ type: "set", optimizer: { lr } }), 60);
  const sendSpeed = throttle((speed) => send({ type: "play", speed }), 120);
  const sendBeta = throttle((optimizer) => send({ type: "set", optimizer }), 60);
  const raceSenders = new Map(); // racer -> throttled sender of its lr (a slider drag)

  const intents = {
    togglePlay: () => (S.playing() ? session.pause() : session.play()),
    step(n) {
      if (S.playing()) session.pause();
      if (session.terminal()) send({ type: "reset" });
      send({ type: "step", n });
    },
    reset: () => send({ type: "reset" }),
    setLr(lr) {
      S.setRacer(0, { lr }); // live: the next steps use it, nothing is reset
      sendLr(lr);
    },
    /** Momentum β (Adam's β₁) of the racer shown: live, like γ. */
    setBeta(v) {
      const r = S.config.racers[0];
      const b = betaOf(registry, r.name);
      if (!b) return;
      const beta = r.nesterov && v <= 0 ? 0.001 : v; // Nesterov needs some momentum
      const betas = r.betas ?? registry.optimizers[r.name].settings.find((x) => x.name === "betas")?.default;
      const value = b.key === "betas" ? [beta, betas?.[1] ?? 0.999] : beta;
      S.setRacer(0, { [b.key]: value });
      const msg = { [b.key]: value };
      const label = racerLabel(S.config.racers[0]);
      if (label !== racerLabel(r)) msg.label = label; // "SGD" becomes "momentum 0.9" in the charts' names
      sendBeta(msg);
    },
    /** The same data settings with the next data seed: a new run on new data (playing on if it played). */
    newData() {
      const seed = dataSeed(S.config);
      if (seed === null) {
        toast.info(S.config.kind === "surface" ? "a test surface has no data to draw again"
          : "uploaded data has no seed: generate data to draw new points");
        return;
      }
      S.setConfig(withDataSeed(S.config, nextSeed(seed)));
      app.kinds?.()?.panel()?.sync(S.config);
      sync();
      session.startRun();
    },
    preset(lr) {
      // A preset is an experiment: the new rate from θ⁽⁰⁾, played at once.
      S.setRacer(0, { lr });
      sync();
      send({ type: "set", optimizer: { lr } });
      send({ type: "reset" });
      session.play();
    },
    setSpeed(speed) {
      S.setConfig({ speed });
      if (S.playing()) sendSpeed(speed);
    },
    setOptimizer(name) {
      const old = S.config.racers[0];
      const r = defaultsOf(registry, name);
      if ("lr" in r && old.lr !== undefined) r.lr = old.lr;
      if ("batch_size" in r && old.batch_size !== undefined) r.batch_size = old.batch_size;
      S.setConfig({ racers: [r] });
      if (name === "random_search") {
        // Guessing uses no gradient: its arrows and the ε test do not apply (the guess box is drawn instead).
        const view = { arrows: false, stepArrows: false };
        S.setConfig({ view, stop: { grad_norm: null } });
        render.setView(view);
      }
      sync();
      session.startRun();
    },
    setBatch(batch_size) {
      S.setRacer(0, { batch_size });
      sync();
      send({ type: "set", optimizer: { batch_size } });
    },
    /** The random-guessing box {low, high}: the next guesses are drawn from it. */
    setBox(box) {
      S.setRacer(0, box);
      send({ type: "set", optimizer: box });
      render.schedule(); // the dashed box moves on the plot
    },
    setStop(changes) {
      S.setConfig({ stop: changes });
      send({ type: "set", stop: changes });
      render.setEpsilon(S.config.stop.grad_norm);
    },
    setStart(params) {
      S.setConfig({ start: params });
      send({ type: "reset", params });
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

  /** Learning rates that suit the problem on screen: {gd, ada} for plain and adaptive steps. */
  function suggestedLrs() {
    const panel = PANELS[S.config.kind];
    if (panel?.suggestedLrs) return panel.suggestedLrs(S.config, S.run.state);
    const p = S.run.state?.problem || {};
    const gd = panel?.racerDefaults?.lr ?? p.best_lr ?? (p.max_stable_lr ? p.max_stable_lr / 2 : 0.1);
    return { gd: niceLr(gd), ada: 0.05 };
  }

  function sendRacer(k, optimizer) {
    if (Object.keys(optimizer).length === 1 && "lr" in optimizer) {
      if (!raceSenders.has(k)) {
        raceSenders.set(k, throttle((i, lr) => send({ type: "set", racer: i, optimizer: { lr } }), 60));
      }
      raceSenders.get(k)(k, optimizer.lr);
      return;
    }
    send({ type: "set", racer: k, optimizer });
  }

  /** A fresh run of `racers` from θ⁽⁰⁾, played at once (a racer set, the lecture's guess-vs-descent race). */
  async function race_(racers) {
    S.setConfig({ racers });
    app.race().collapseAll();
    sync();
    await session.startRun();
    session.play();
  }

  const raceIntents = {
    /** A one-click racer set. */
    async preset(id) {
      const p = PRESETS.find((x) => x.id === id);
      if (p) await race_(p.racers(suggestedLrs()));
    },
    add(name) {
      const max = limits.max_racers || 16;
      if (S.config.racers.length >= max) {
        toast.error(`a race holds at most ${max} racers`);
        return;
      }
      const r = newRacer(name, suggestedLrs());
      S.setConfig({ racers: [...S.config.racers, r] });
      send({ type: "add_racer", racer: S.cleanRacer(r) }); // live: it starts from θ⁽⁰⁾ at its own t = 0
    },
    remove(k) {
      if (S.config.racers.length < 2 || !S.config.racers[k]) return;
      raceSenders.clear();
      S.setConfig({ racers: S.config.racers.filter((_, j) => j !== k) });
      send({ type: "remove_racer", racer: k });
      sync(); // back to one racer: the classic panels show it
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
      S.setConfig({ racers: S.config.racers.map((x, j) => (j === k ? r : x)) });
      const optimizer = { ...S.cleanRacer(r) };
      if (hasLr(r)) optimizer.schedule = { name: "constant" }; // the server would keep the old one
      send({ type: "set", racer: k, optimizer });
    },
    error: (msg) => toast.error(msg),
  };

  /** A new surface (or kind): every racer takes the learning rate that suits it. */
  function retuneRacers() {
    const lrs = suggestedLrs();
    S.setConfig({ racers: S.config.racers.map((r) => (hasLr(r) ? { ...r, lr: newRacer(r.name, lrs).lr } : r)) });
    sync();
  }

  return { intents, raceIntents, retuneRacers, startRace: race_ };
}
