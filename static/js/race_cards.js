// The race editor's cards, as HTML from the registry and a racer's settings (race.js wires them): each
// racer's optimiser, learning rate and ⚙ settings, its summary line, and the update rules of the list.

import { fmt, logScale, plain } from "./format.js";
import { SHORT_NAMES, hasLr, racerLabel } from "./racers.js";
import { racerColour } from "./charts/theme.js";

export const LR = { lo: 1e-6, hi: 10 }; // the slider's range (the number box takes any allowed value)
export const SLIDER_STEPS = 1000;
// Setting name -> [symbol, a few words]; settings not listed use their registry doc.
export const FIELDS = {
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
export const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));

export function shortTitle(name, o) {
  return SHORT_NAMES[name] || (o.title || name).replace(/\s*\(.*\)\s*$/, "");
}

/** Racer r's card (its ⚙ settings shown when `isOpen`); `kind`: the problem kind on screen. */
export function card(registry, r, k, isOpen, kind) {
  const o = registry.optimizers?.[r.name] || { settings: [] };
  const opts = Object.entries(registry.optimizers || {})
    .map(([name, x]) => `<option value="${esc(name)}"${name === r.name ? " selected" : ""}>${
      esc(shortTitle(name, x))}</option>`).join("");
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
  const noData = kind === "surface"; // no examples, so no mini-batches
  const fields = o.settings.filter((s) => !SKIP.has(s.name) && !(s.name === "batch_size" && noData));
  const nums = fields.filter((s) => s.type !== "bool");
  const bools = fields.filter((s) => s.type === "bool");
  const sched = hasLr(r) ? schedule(registry, r) : "";
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

function schedule(registry, r) {
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
export function fill(registry, li, r, kind) {
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
    const text = summaryOf(registry, r, o, kind);
    summary.textContent = text;
    summary.hidden = !text;
  }
}

/** The settings of r that differ from the defaults, in a line: "μ 0.9 · Nesterov · step decay". */
function summaryOf(registry, r, o, kind) {
  const out = [];
  for (const s of o.settings) {
    const v = r[s.name];
    if (SKIP.has(s.name) || v === undefined || JSON.stringify(v) === JSON.stringify(s.default)) continue;
    if (s.name === "batch_size" && kind === "surface") continue;
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
export function rules(registry, racers) {
  const names = [...new Set(racers.map((r) => r.name))];
  const scheds = [...new Set(racers.filter((r) => hasLr(r) && r.schedule && r.schedule.name !== "constant")
    .map((r) => r.schedule.name))];
  const lines = (f) => f.split(/;\s+/).map((c) => `<span>${esc(c)}</span>`).join("");
  const block = (title, f) => `<div class="rule"><div class="rule-title">${esc(title)}</div>`
    + `<div class="formula rule-formula">${lines(f)}</div></div>`;
  return `<div class="rules-head">Update rules <span class="hint-inline">g = ∇J(θ), as torch.optim</span></div>`
    + names.map((n) => block(registry.optimizers?.[n]?.title || n, registry.optimizers?.[n]?.formula || "")).join("")
    + scheds.map((n) => block(`schedule: ${registry.schedules[n].title}`, registry.schedules[n].formula)).join("");
}
