// The racer list editor: one-click racer sets, a card per racer (its colour, label, optimiser, learning
// rate, and behind ⚙ every other setting of its optimiser and its schedule), "add racer", and the update
// rules of the optimisers on the list. Everything is generated from the registry, so a new optimiser or
// setting shows up here without a change. Edits become intents (main.js): settings apply live, to the
// next step of that racer only.
//
// A single racer keeps the classic Learning-rate and Optimiser panels; from two racers on, this list takes
// their place (they are hidden), and the list's cards are the only controls of the racers.

import { fmt, logScale, parseNumber, plain, roundSig } from "./format.js";
import { racerColour } from "./charts/theme.js";
import { PRESETS, SHORT_NAMES, autoLabel, hasLr, racerLabel } from "./racers.js";

const LR = { lo: 1e-6, hi: 10 }; // the slider's range (the number box takes any allowed value)
const SLIDER_STEPS = 1000;
// Setting name -> [symbol, a few words]; settings not listed use their registry doc.
const FIELDS = {
  momentum: ["μ", "momentum"],
  dampening: ["τ", "dampening"],
  weight_decay: ["λ", "weight decay"],
  batch_size: ["B", "batch (empty: all)"],
  lr_decay: ["η", "lr decay"],
  initial_accumulator_value: ["G₀", "initial Σg²"],
  eps: ["ε", "in the denominator"],
  alpha: ["α", "smoothing of g²"],
  betas: ["β₁, β₂", "moment decays"],
  nesterov: ["Nesterov"],
  centered: ["centred"],
  amsgrad: ["AMSGrad"],
  bias_correction: ["bias correction"],
};
const SKIP = new Set(["lr", "low", "high"]); // lr has its own row; random search's box is the view's
// Schedule settings, named as in the schedules' formulas.
const SCHED_FIELDS = {
  step_size: ["step_size", "updates per decay"], gamma: ["decay", "factor"], decay: ["d", "decay rate"],
  t_max: ["T", "updates of a half cosine"], eta_min: ["η_min", "smallest γ"],
};

const $ = (sel, el = document) => el.querySelector(sel);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));

let registry = {};
let hooks = {};
let root = null;
let structure = "";
let open = new Set(); // racers whose ⚙ settings are shown
let config = null;

/**
 * Build the editor inside `el`. hooks: preset(id), add(name), remove(k), change(k, changes) (settings of
 * racer k; live), replace(k, name) (a new optimiser for racer k; live), error(msg).
 */
export function init(el, reg, h) {
  registry = reg;
  hooks = h;
  root = el;
  const opts = Object.entries(registry.optimizers || {})
    .map(([name, o]) => `<option value="${esc(name)}" title="${esc(o.title)}">${esc(shortTitle(name, o))}</option>`)
    .join("");
  el.innerHTML = `
    <p class="hint race-hint">Race optimisers from the same start: a set, or add one.</p>
    <div class="race-presets" role="group" aria-label="Racer sets">
      ${PRESETS.map((p) => `<button type="button" class="chip" data-preset-race="${p.id}" title="${esc(p.doc)}"
        data-testid="race-preset-${p.id}">${esc(p.title)}</button>`).join("")}
    </div>
    <ol class="racer-list" data-testid="racer-list"></ol>
    <div class="race-add">
      <select data-race="add-name" data-testid="add-racer-name" aria-label="Optimiser of the new racer">${opts}</select>
      <button type="button" class="btn btn-small" data-testid="add-racer"
              title="Race one more optimiser from the same start">+ add racer</button>
    </div>
    <div class="rules" data-race="rules" data-testid="race-rules"></div>`;
  $('[data-race="add-name"]', el).value = "adam";
  for (const b of el.querySelectorAll("[data-preset-race]")) {
    b.addEventListener("click", () => hooks.preset?.(b.dataset.presetRace));
  }
  const addName = $('[data-race="add-name"]', el);
  $('[data-testid="add-racer"]', el).addEventListener("click", () => hooks.add?.(addName.value));
  const list = $(".racer-list", el);
  list.addEventListener("input", onInput);
  list.addEventListener("change", onChange);
  list.addEventListener("click", onClick);
}

function shortTitle(name, o) {
  return SHORT_NAMES[name] || (o.title || name).replace(/\s*\(.*\)\s*$/, "");
}

/** Whether the page shows a race (the list) rather than one racer (the classic panels). */
export const isRace = (cfg) => cfg.racers.length > 1;

// ----- events ---------------------------------------------------------------------------------------

function racerOf(el) {
  const li = el.closest("[data-racer]");
  return li ? Number(li.dataset.racer) : -1;
}

function settingOf(k, name) {
  const r = config.racers[k];
  return (registry.optimizers?.[r.name]?.settings || []).find((s) => s.name === name);
}

function onInput(ev) {
  const t = ev.target;
  if (t.dataset.f !== "lr-slider") return;
  const k = racerOf(t);
  const v = roundSig(logScale.toValue(t.value / SLIDER_STEPS, LR.lo, LR.hi), 3);
  const box = $('[data-f="lr"]', t.closest("[data-racer]"));
  box.value = plain(v, 3);
  box.classList.remove("invalid");
  hooks.change?.(k, { lr: v });
}

function bad(t, msg) {
  t.classList.add("invalid");
  hooks.error?.(msg);
}

function onChange(ev) {
  const t = ev.target;
  const k = racerOf(t);
  if (k < 0 || !config.racers[k]) return;
  const r = config.racers[k];
  const f = t.dataset.f;
  if (!f || f === "lr-slider") return;
  if (f === "name") {
    hooks.replace?.(k, t.value);
    return;
  }
  if (f === "label") {
    const text = t.value.replaceAll(";", ",").trim().slice(0, 80);
    hooks.change?.(k, { label: text && text !== autoLabel(r) ? text : undefined });
    return;
  }
  if (f === "schedule") {
    const s = registry.schedules?.[t.value];
    const sched = { name: t.value };
    for (const x of s?.settings || []) sched[x.name] = x.default;
    hooks.change?.(k, { schedule: sched });
    return;
  }
  if (f === "sched") {
    const s = (registry.schedules?.[r.schedule?.name]?.settings || []).find((x) => x.name === t.dataset.key);
    const v = checkNumber(t, s);
    if (v === undefined) return;
    hooks.change?.(k, { schedule: { ...r.schedule, [s.name]: v } });
    return;
  }
  const s = f === "lr" ? settingOf(k, "lr") : settingOf(k, f);
  if (!s) return;
  if (s.type === "bool") {
    const changes = { [f]: t.checked };
    hooks.change?.(k, changes);
    return;
  }
  if (s.type === "floats") {
    const cur = [...(r[f] ?? s.default)];
    const i = Number(t.dataset.i);
    const v = checkNumber(t, s);
    if (v === undefined) return;
    cur[i] = v;
    hooks.change?.(k, { [f]: cur });
    return;
  }
  const v = checkNumber(t, s);
  if (v === undefined) return;
  const changes = { [f]: v };
  // Nesterov needs momentum > 0 and no dampening: switching those off switches it off too.
  if (r.name === "gd" && r.nesterov && ((f === "momentum" && !(v > 0)) || (f === "dampening" && v !== 0))) {
    changes.nesterov = false;
  }
  if (f === "lr") {
    const slider = $('[data-f="lr-slider"]', t.closest("[data-racer]"));
    if (slider) slider.value = String(Math.round(logScale.toPos(v, LR.lo, LR.hi) * SLIDER_STEPS));
  }
  hooks.change?.(k, changes);
}

/** The number in input t, checked against setting s (undefined, and a toast, when it does not fit). */
function checkNumber(t, s) {
  const v = parseNumber(t.value);
  const name = (FIELDS[s.name] || [s.name])[0];
  if (v === null && s.nullable) {
    t.classList.remove("invalid");
    return null;
  }
  const low = s.low ?? -Infinity;
  const openLow = s.log || s.name === "lr" || s.name === "gamma";
  if (v === null || Number.isNaN(v) || v < low || (openLow && v <= low) || (s.high !== null && v > s.high)
      || (s.type === "int" && !Number.isInteger(v))) {
    const bounded = s.high !== null && s.high !== undefined;
    let range = s.low !== null ? ` ≥ ${fmt(s.low)}` : "";
    if (bounded) range = ` in ${openLow ? "(" : "["}${fmt(s.low)}, ${fmt(s.high)}]`;
    bad(t, `${name}: ${s.type === "int" ? "a whole number" : "a number"}${range}`);
    return undefined;
  }
  t.classList.remove("invalid");
  return v;
}

function onClick(ev) {
  const b = ev.target.closest("button[data-act]");
  if (!b) return;
  const k = racerOf(b);
  if (b.dataset.act === "remove") hooks.remove?.(k);
  else if (b.dataset.act === "more") {
    if (open.has(k)) open.delete(k);
    else open.add(k);
    render(true);
  }
}

// ----- drawing ------------------------------------------------------------------------------------------

/** Show the config's racers (cards rebuilt when the list's shape changed, else their values updated). */
export function sync(cfg) {
  config = cfg;
  if (!root) return;
  const race = isRace(cfg);
  for (const id of ["lr-panel", "opt-panel"]) {
    const panel = document.getElementById(id);
    if (panel) panel.hidden = race;
  }
  root.classList.toggle("is-race", race);
  $('[data-race="rules"]', root).hidden = !race;
  render(false);
}

/** Forget which cards were open (a new racer set). */
export function collapseAll() {
  open = new Set();
}

function render(force) {
  const race = isRace(config);
  const list = $(".racer-list", root);
  list.hidden = !race;
  open = new Set([...open].filter((k) => k < config.racers.length));
  const key = JSON.stringify([config.kind, race, [...open], config.racers.map((r) => [r.name, r.schedule?.name])]);
  if (force || key !== structure) {
    structure = key;
    list.innerHTML = race ? config.racers.map((r, k) => card(r, k)).join("") : "";
    $('[data-race="rules"]', root).innerHTML = race ? rules() : "";
  }
  if (race) config.racers.forEach((r, k) => fill(list.children[k], r));
}

function card(r, k) {
  const o = registry.optimizers?.[r.name] || { settings: [] };
  const opts = Object.entries(registry.optimizers || {})
    .map(([name, x]) => `<option value="${esc(name)}"${name === r.name ? " selected" : ""}>${
      esc(shortTitle(name, x))}</option>`).join("");
  const isOpen = open.has(k);
  const select = `<select data-f="name" data-testid="racer-opt" aria-label="Optimiser of racer ${k + 1}"
    title="${esc(o.title || r.name)}">${opts}</select>`;
  const lr = hasLr(r) ? `
      <div class="racer-lr">${select}
        <input type="range" min="0" max="${SLIDER_STEPS}" step="1" data-f="lr-slider" data-testid="racer-lr-slider"
               aria-label="Learning rate of racer ${k + 1} (log scale from 1e-6 to 10)"
               title="learning rate γ (log scale)">
        <input type="text" inputmode="decimal" class="num" data-f="lr" data-testid="racer-lr" spellcheck="false"
               aria-label="Learning rate γ of racer ${k + 1}" title="learning rate γ">
      </div>` : `<div class="racer-lr no-lr">${select}<span class="hint racer-note">guesses θ̃ in the view box; keeps
        the best</span></div>`;
  const noData = config.kind === "surface"; // no examples, so no mini-batches
  const fields = o.settings.filter((s) => !SKIP.has(s.name) && !(s.name === "batch_size" && noData));
  const nums = fields.filter((s) => s.type !== "bool");
  const bools = fields.filter((s) => s.type === "bool");
  const sched = hasLr(r) ? schedule(r) : "";
  const more = isOpen ? `
      <div class="racer-more">
        <div class="grid-2">${nums.map((s) => numberField(s)).join("")}</div>
        ${bools.length ? `<div class="racer-checks">${bools.map((s) => `<label class="check" title="${esc(s.doc)}">
          <input type="checkbox" data-f="${esc(s.name)}"><span>${esc((FIELDS[s.name] || [s.name])[0])}</span></label>`)
          .join("")}</div>` : ""}
        ${sched}
      </div>` : `<p class="racer-summary" data-f="summary"></p>`;
  return `
    <li class="racer${isOpen ? " open" : ""}" data-racer="${k}" data-testid="racer" style="--racer:${racerColour(k)}">
      <div class="racer-head">
        <span class="swatch" aria-hidden="true"></span>
        <input type="text" class="racer-label" data-f="label" data-testid="racer-label" spellcheck="false"
               aria-label="Label of racer ${k + 1}" maxlength="80">
        <button type="button" class="icon-btn" data-act="more" aria-expanded="${isOpen}" data-testid="racer-more"
                title="${isOpen ? "Hide" : "Show"} every setting">${isOpen ? "▴" : "⚙"}</button>
        <button type="button" class="icon-btn" data-act="remove" title="Remove this racer" data-testid="racer-remove"
                aria-label="Remove racer ${k + 1}">×</button>
      </div>${lr}${more}
    </li>`;
}

function numberField(s) {
  const [sym, words] = FIELDS[s.name] || [s.name, s.doc];
  const label = `<span class="field-label"><span>${esc(sym)}</span>`
    + `<span class="hint-inline">${esc(words || "")}</span></span>`;
  if (s.type === "floats") {
    return `<div class="field span-2" title="${esc(s.doc)}">${label}<div class="pair">
      <input type="text" inputmode="decimal" class="num" data-f="${esc(s.name)}" data-i="0" spellcheck="false"
             aria-label="${esc(sym)} 1">
      <input type="text" inputmode="decimal" class="num" data-f="${esc(s.name)}" data-i="1" spellcheck="false"
             aria-label="${esc(sym)} 2">
      </div></div>`;
  }
  return `<label class="field" title="${esc(s.doc)}">${label}
    <input type="text" inputmode="decimal" class="num" data-f="${esc(s.name)}" spellcheck="false"
           ${s.nullable ? 'placeholder="all"' : ""}></label>`;
}

function schedule(r) {
  const name = r.schedule?.name || "constant";
  const all = registry.schedules || {};
  const sel = Object.entries(all)
    .map(([n, s]) => `<option value="${esc(n)}"${n === name ? " selected" : ""}>${esc(s.title)}</option>`).join("");
  const fields = (all[name]?.settings || []).map((s) => `<label class="field" title="${esc(s.doc)}">
      <span class="field-label"><span>${esc((SCHED_FIELDS[s.name] || [s.name])[0])}</span>
        <span class="hint-inline">${esc((SCHED_FIELDS[s.name] || [s.name, s.doc])[1])}</span></span>
      <input type="text" inputmode="decimal" class="num" data-f="sched" data-key="${esc(s.name)}" spellcheck="false">
    </label>`).join("");
  return `
    <label class="field"><span class="field-label"><span>γ schedule</span>
      <span class="hint-inline">${esc(all[name]?.formula || "")}</span></span>
      <select data-f="schedule" data-testid="racer-schedule">${sel}</select></label>
    ${fields ? `<div class="grid-2">${fields}</div>` : ""}`;
}

/** Put racer r's values into its card (the focused input keeps what is being typed). */
function fill(li, r) {
  if (!li) return;
  const active = document.activeElement;
  const set = (el, v) => {
    if (el && el !== active && el.value !== v) el.value = v;
  };
  set($('[data-f="label"]', li), racerLabel(r));
  $('[data-f="label"]', li).title = `${racerLabel(r)}${r.label ? "" : " (automatic: type to rename)"}`;
  const o = registry.optimizers?.[r.name] || { settings: [] };
  const def = (name) => o.settings.find((s) => s.name === name)?.default;
  if (hasLr(r)) {
    const lr = r.lr ?? def("lr");
    const slider = $('[data-f="lr-slider"]', li);
    if (slider !== active) slider.value = String(Math.round(logScale.toPos(lr, LR.lo, LR.hi) * SLIDER_STEPS));
    set($('[data-f="lr"]', li), plain(lr, 4));
  }
  for (const el of li.querySelectorAll(".racer-more [data-f]")) {
    const f = el.dataset.f;
    if (f === "schedule") continue;
    if (f === "sched") {
      const s = (registry.schedules?.[r.schedule?.name]?.settings || []).find((x) => x.name === el.dataset.key);
      set(el, String(r.schedule?.[el.dataset.key] ?? s?.default ?? ""));
      continue;
    }
    const v = r[f] !== undefined ? r[f] : def(f);
    if (el.type === "checkbox") {
      el.checked = !!v;
      if (f === "nesterov") {
        const can = (r.momentum ?? 0) > 0 && !(r.dampening > 0);
        el.disabled = !can && !v;
        el.closest("label").title = can || v ? "Nesterov momentum" : "needs momentum μ > 0 and dampening τ = 0";
      }
    } else if (el.dataset.i !== undefined) {
      set(el, v ? plain(v[Number(el.dataset.i)], 5) : "");
    } else {
      set(el, v === null || v === undefined ? "" : plain(v, 4));
    }
  }
  const summary = $('[data-f="summary"]', li);
  if (summary) {
    const text = summaryOf(r, o);
    summary.textContent = text;
    summary.hidden = !text;
  }
}

/** The settings of r that differ from the defaults, in a line: "μ 0.9 · Nesterov · step decay". */
function summaryOf(r, o) {
  const out = [];
  for (const s of o.settings) {
    const v = r[s.name];
    if (SKIP.has(s.name) || v === undefined || JSON.stringify(v) === JSON.stringify(s.default)) continue;
    if (s.name === "batch_size" && config.kind === "surface") continue;
    const [sym] = FIELDS[s.name] || [s.name];
    if (s.type === "bool") out.push(v ? sym : `no ${sym}`);
    else if (Array.isArray(v)) out.push(`${sym} ${v.map((x) => fmt(x, 4)).join(", ")}`);
    else out.push(`${sym} ${v === null ? "all" : fmt(v, 3)}`);
  }
  const sc = r.schedule;
  if (sc && sc.name !== "constant") out.push(registry.schedules?.[sc.name]?.title.toLowerCase() || sc.name);
  return out.join(" · ");
}

/** The update rules of the optimisers (and schedules) on the list, one clause a line. */
function rules() {
  const names = [...new Set(config.racers.map((r) => r.name))];
  const scheds = [...new Set(config.racers.filter((r) => hasLr(r) && r.schedule && r.schedule.name !== "constant")
    .map((r) => r.schedule.name))];
  const lines = (f) => f.split(/;\s+/).map((c) => `<span>${esc(c)}</span>`).join("");
  const block = (title, f) => `<div class="rule"><div class="rule-title">${esc(title)}</div>`
    + `<div class="formula rule-formula">${lines(f)}</div></div>`;
  return `<div class="rules-head">Update rules <span class="hint-inline">g = ∇J(θ), as torch.optim</span></div>`
    + names.map((n) => block(registry.optimizers?.[n]?.title || n, registry.optimizers?.[n]?.formula || "")).join("")
    + scheds.map((n) => block(`schedule: ${registry.schedules[n].title}`, registry.schedules[n].formula)).join("");
}
