// The racer list editor: one-click racer sets, a card per racer (its colour, label, optimiser, learning
// rate, and behind ⚙ every other setting of its optimiser and its schedule), "add racer", and the update
// rules of the optimisers on the list. Everything is generated from the registry, so a new optimiser or
// setting shows up here without a change. Edits become intents (main.js): settings apply live, to the
// next step of that racer only.
//
// A single racer keeps the classic Learning-rate and Optimiser panels; from two racers on, this list takes
// their place (they are hidden), and the list's cards are the only controls of the racers.

import { fmt, logScale, parseNumber, plain, roundSig } from "./format.js";
import { PRESETS, autoLabel } from "./racers.js";
import { FIELDS, LR, SLIDER_STEPS, card, esc, fill, rules, shortTitle } from "./race_cards.js";

const $ = (sel, el = document) => el.querySelector(sel);

/** Whether the page shows a race (the list) rather than one racer (the classic panels). */
export const isRace = (cfg) => cfg.racers.length > 1;

/**
 * Build the editor inside `el`. hooks: preset(id), add(name), remove(k), change(k, changes) (settings of
 * racer k; live), replace(k, name) (a new optimiser for racer k; live), error(msg).
 */
export function createRace(el, registry, hooks) {
  let structure = "";
  let open = new Set(); // racers whose ⚙ settings are shown
  let config = { racers: [], kind: null };
  const root = el;
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
  function sync(cfg) {
    config = cfg;
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
  function collapseAll() {
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
      list.innerHTML = race ? config.racers.map((r, k) => card(registry, r, k, open.has(k), config.kind)).join("") : "";
      $('[data-race="rules"]', root).innerHTML = race ? rules(registry, config.racers) : "";
    }
    if (race) config.racers.forEach((r, k) => fill(registry, list.children[k], r, config.kind));
  }

  return { sync, collapseAll };
}
