// The sidebar's run, learning-rate, optimiser, stopping, start and view controls. They read the config
// and the run's state, and turn a person's input into intents (callbacks given by main.js).

import { fmt, logScale, plain, roundSig } from "./format.js";
import { SEED_MAX, START_MAX, checked, mark } from "./checks.js";
import { createBeta } from "./beta_control.js";
import { dataSeed } from "./data_seed.js";

const LR = { lo: 1e-4, hi: 10 }; // the slider's range (the number box takes any allowed value)
const SPEED = { lo: 1, hi: 5000 };
const SLIDER_STEPS = 1000;

const $ = (id) => document.getElementById(id);

/** Wire the controls → {sync(config), showState(state)}. `intents`: play, pause, step(n), reset, setLr(v), setSpeed(v), setOptimizer(name),
 * setBatch(b), setStop(changes), setStart([a, b]), setSeed(s), setView(changes), preset(lr), copyLink. */
export function createControls(registry, intents, limits = {}) {
  let examples = null; // N: the examples a mini-batch is drawn from (null: not known yet, or no data)
  let lrMax = 1e4;
  let presets = null; // {small, right, big}
  const select = $("optimizer");
  for (const [name, o] of Object.entries(registry.optimizers || {})) {
    const opt = document.createElement("option");
    opt.value = name;
    opt.textContent = (o.title || name).replace(/\s*\(.*\)\s*$/, "");
    opt.title = o.title || name;
    select.append(opt);
  }
  const lrSetting = (registry.optimizers?.gd?.settings || []).find((s) => s.name === "lr");
  if (lrSetting && lrSetting.high) lrMax = lrSetting.high;

  $("play").addEventListener("click", () => intents.togglePlay());
  $("step").addEventListener("click", (ev) => intents.step(ev.shiftKey ? 10 : 1));
  $("reset").addEventListener("click", () => intents.reset());

  $("speed").addEventListener("input", () => {
    const v = Math.round(logScale.toValue($("speed").value / SLIDER_STEPS, SPEED.lo, SPEED.hi));
    $("speed-out").textContent = `${v} step${v === 1 ? "" : "s"}/s`;
    intents.setSpeed(v);
  });

  $("lr-slider").addEventListener("input", () => {
    const v = roundSig(logScale.toValue($("lr-slider").value / SLIDER_STEPS, LR.lo, LR.hi), 3);
    $("lr-input").value = plain(v, 3);
    mark($("lr-input"), null);
    intents.setLr(v);
  });
  $("lr-input").addEventListener("change", () => {
    const v = checked($("lr-input"), { name: "learning rate γ", min: 0, openMin: true, max: lrMax });
    if (v === undefined) return;
    $("lr-slider").value = String(Math.round(logScale.toPos(v, LR.lo, LR.hi) * SLIDER_STEPS));
    intents.setLr(v);
  });
  for (const b of document.querySelectorAll("[data-preset]")) {
    b.addEventListener("click", () => {
      if (presets) intents.preset(presets[b.dataset.preset]);
    });
  }

  select.addEventListener("change", () => intents.setOptimizer(select.value));
  for (const r of document.querySelectorAll('input[name="batch"]')) r.addEventListener("change", onBatch);
  $("batch-k").addEventListener("change", () => {
    document.querySelector('input[name="batch"][value="k"]').checked = true;
    onBatch();
  });

  const stopFields = [
    ["stop-eps", "grad_norm", false],
    ["stop-delta", "delta_loss", false],
    ["stop-max", "max_steps", true],
  ];
  for (const [id, key, int] of stopFields) {
    const rule = int ? { name: "max steps", int: true, min: 1, max: limits.max_run_steps ?? 1e6 }
      : { name: $(id).getAttribute("aria-label").split(",")[0], min: 0 };
    const apply = () => {
      const on = $(`${id}-on`).checked;
      const v = on ? checked($(id), rule) : mark($(id), null) && null;
      if (on && v === undefined) return;
      $(id).disabled = !on;
      intents.setStop({ [key]: on ? v : null });
    };
    $(id).addEventListener("change", apply);
    $(`${id}-on`).addEventListener("change", apply);
  }

  const startInputs = [$("start-1"), $("start-2")];
  for (const input of startInputs) {
    input.addEventListener("change", () => {
      const p = startInputs.map((i, k) => checked(i, { name: `θ${"₁₂"[k]}⁽⁰⁾`, min: -START_MAX, max: START_MAX }));
      if (p.some((v) => v === undefined)) return;
      intents.setStart(p);
    });
  }
  $("run-seed").addEventListener("change", () => {
    const v = checked($("run-seed"), { name: "run seed", int: true, min: 0, max: SEED_MAX });
    if (v !== undefined) intents.setSeed(v);
  });

  const toggles = [["show-arrows", "arrows"], ["show-flow", "flow"], ["log-j", "logJ"], ["log-grad", "logGrad"],
    ["show-3d", "surface3d"], ["show-step-arrows", "stepArrows"]];
  for (const [id, key] of toggles) $(id).addEventListener("change", () => intents.setView({ [key]: $(id).checked }));

  $("copy-link").addEventListener("click", () => intents.copyLink());
  $("new-data").addEventListener("click", () => intents.newData());
  const beta = createBeta(registry, intents);

  // The random-guessing box: four numbers, each checked, and low < high on each axis.
  const boxInputs = [...document.querySelectorAll("#guess-box [data-box]")];
  const boxError = document.querySelector('[data-testid="box-error"]');
  for (const input of boxInputs) {
    input.addEventListener("change", () => {
      const v = boxInputs.map((i) => checked(i, { name: i.getAttribute("aria-label"), min: -START_MAX, max: START_MAX }));
      if (v.some((x) => x === undefined)) return;
      const low = [v[0], v[2]];
      const high = [v[1], v[3]];
      const bad = [0, 1].filter((k) => !(low[k] < high[k]));
      boxError.hidden = !bad.length;
      boxError.textContent = bad.length ? `θ${"₁₂"[bad[0]]}: "from" must be less than "to"` : "";
      for (const k of [0, 1]) [boxInputs[2 * k], boxInputs[2 * k + 1]].forEach((i) => i.classList.toggle("invalid", bad.includes(k)));
      if (!bad.length) intents.setBox({ low, high });
    });
  }

  function onBatch() {
    const choice = document.querySelector('input[name="batch"]:checked').value;
    if (choice === "full") intents.setBatch(null);
    else if (choice === "1") intents.setBatch(1);
    else {
      const k = checked($("batch-k"), { name: "mini-batch size k", int: true, min: 1, max: examples ?? Infinity });
      if (k !== undefined) intents.setBatch(k);
    }
  }

  /** Show the config in the controls (on load and after changes made elsewhere, e.g. a click). */
  function sync(config) {
    const r = config.racers[0];
    $("guess-box").hidden = r.name !== "random_search";
    const active = document.activeElement;
    $("speed").value = String(Math.round(logScale.toPos(config.speed, SPEED.lo, SPEED.hi) * SLIDER_STEPS));
    $("speed-out").textContent = `${config.speed} step${config.speed === 1 ? "" : "s"}/s`;
    $("optimizer").value = r.name;
    const hasLr = r.lr !== undefined && r.name !== "random_search";
    $("lr-panel").classList.toggle("disabled", !hasLr);
    for (const el of document.querySelectorAll("#lr-panel input, #lr-panel button")) el.disabled = !hasLr;
    if (hasLr) {
      if (active !== $("lr-slider")) {
        $("lr-slider").value = String(Math.round(logScale.toPos(r.lr, LR.lo, LR.hi) * SLIDER_STEPS));
      }
      if (active !== $("lr-input")) $("lr-input").value = plain(r.lr, 4);
    }
    const hasBatch = "batch_size" in r && r.name !== "random_search" && config.kind !== "surface"; // no data, no batches
    $("batch-field").hidden = !hasBatch;
    if (hasBatch) {
      const b = r.batch_size;
      const value = b === null ? "full" : b === 1 ? "1" : "k";
      document.querySelector(`input[name="batch"][value="${value}"]`).checked = true;
      if (b !== null && b > 1 && active !== $("batch-k")) $("batch-k").value = String(b);
    }
    $("formula").textContent = formula(r);

    const stop = [["stop-eps", "grad_norm"], ["stop-delta", "delta_loss"], ["stop-max", "max_steps"]];
    for (const [id, key] of stop) {
      const v = config.stop[key];
      $(`${id}-on`).checked = v !== null;
      $(id).disabled = v === null;
      if (v !== null && active !== $(id)) $(id).value = key === "max_steps" ? String(v) : plain(v, 3);
    }
    $("run-seed").value = String(config.seed);
    $("show-arrows").checked = !!config.view.arrows;
    $("show-flow").checked = !!config.view.flow;
    $("log-j").checked = !!config.view.logJ;
    $("log-grad").checked = !!config.view.logGrad;
    $("show-3d").checked = !!config.view.surface3d;
    if ($("show-step-arrows")) $("show-step-arrows").checked = config.view.stepArrows !== false;
    beta.sync(config);
    const seed = dataSeed(config);
    $("new-data-row").hidden = seed === null;
    $("new-data-seed").textContent = seed === null ? "" : `data seed ${seed}`;
  }

  /** The update rule in the lecture's words for plain gradient descent, else the registry's formula. */
  function formula(r) {
    if (r.name === "gd" && !r.momentum && !r.weight_decay) {
      const b = r.batch_size;
      if (b === null || b === undefined) return "θ ← θ − γ ∇J(θ)   (all N examples)";
      if (b === 1) return "for each example i:  θ ← θ − γ ∇ℓᵢ(θ)   (shuffled each epoch)";
      return `θ ← θ − γ ∇J_B(θ)   (mini-batches of ${b}, shuffled each epoch)`;
    }
    return registry.optimizers?.[r.name]?.formula || "";
  }

  /** Show what depends on the run's state: start θ⁽⁰⁾, the presets and their hint, the play button (the status). */
  function showState(state) {
    if (!state) return;
    const p0 = state.problem || {};
    examples = p0.n_train ?? p0.n ?? null;
    const o = (state.racers?.[0] || state).optimizer;
    if (o?.name === "random_search" && o.low && o.high) {
      const inputs = [...document.querySelectorAll("#guess-box [data-box]")];
      for (const i of inputs) {
        const v = (i.dataset.box === "low" ? o.low : o.high)[Number(i.dataset.i)];
        if (document.activeElement !== i && !i.classList.contains("invalid")) i.value = plain(v, 4);
      }
    }
    const playing = state.status === "running"; // the server's word
    const s = state.start;
    if (s) {
      for (const [i, id] of [[0, "start-1"], [1, "start-2"]]) {
        if (document.activeElement !== $(id)) $(id).value = plain(s[i], 4);
      }
    }
    const p = state.problem || {};
    const msl = state.max_stable_lr ?? p.max_stable_lr;
    if (msl) {
      // Far below, the best fixed step 2/(λmin+λmax), and just above 2/λmax.
      presets = {
        small: roundSig(0.05 * msl, 2), right: roundSig(p.best_lr ?? 0.9 * msl, 3), big: roundSig(1.05 * msl, 3),
      };
      for (const [k, v] of Object.entries(presets)) {
        document.querySelector(`[data-preset="${k}"]`).title = `γ = ${fmt(v)}`;
      }
      const best = p.best_lr ? ` · best fixed step 2/(λmin+λmax) = <b>${fmt(p.best_lr)}</b>` : "";
      const kappa = p.condition_number ? ` · κ = λmax/λmin = ${fmt(p.condition_number)}` : "";
      $("lr-hint").innerHTML = `Stable for γ &lt; 2/λmax = <b>${fmt(msl)}</b>${best}${kappa}`
        + `${batchNote(state)}`;
    } else {
      presets = null;
      $("lr-hint").textContent = "";
    }
    const off = !presets || $("lr-panel").classList.contains("disabled");
    for (const b of document.querySelectorAll("[data-preset]")) b.disabled = off;
    const terminal = ["converged", "diverged", "stopped"].includes(state.status);
    const btn = $("play");
    btn.querySelector(".icon").textContent = playing ? "❚❚" : terminal ? "↻" : "▶";
    btn.querySelector(".label").textContent = playing ? "Pause" : terminal ? "Replay" : "Play";
    btn.classList.toggle("playing", playing);
    btn.title = playing ? "Pause (space)" : terminal ? "Start again from θ⁽⁰⁾ and play (space)" : "Play (space)";
  }

  function batchNote(state) {
    const b = state.racers?.[0]?.optimizer?.batch_size;
    return b !== null && b !== undefined ? " <span class=\"muted\">(full-batch figures)</span>" : "";
  }

  return { sync, showState };
}
