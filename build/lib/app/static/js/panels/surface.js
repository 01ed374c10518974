// The settings panel of a test surface: the surface menu (from the registry, its formula shown), its
// settings (a quadratic's condition number and rotation, Rosenbrock's a and b, Rastrigin's A), and what is
// known about it: its minima (all of them, marked on the contour), J*, the default start and view, and for
// quadratics the Hessian's eigenvalues with the step sizes they allow. Any change here starts a fresh run;
// the start point is a click on the contour (or the Start panel).
//
// Same shape as every panel: {kind, title, mount(el, hooks, limits), sync(config)}, plus `codec` (how this
// kind's set-up goes into a run and into the URL), showState(state) and suggestedLrs(config).
//
// config.surface = {name: "rosenbrock", settings: {b: 100, ...}}: only the settings a person changed.

import { fmt, parseNumber } from "../format.js";

export const kind = "surface";
export const title = "Test surface";
export const label = "test surface"; // in the problem-kind switch

export const view = "surface";

const DEFAULT = Object.freeze({ name: "rosenbrock", settings: {} });

// Learning rates that make a race worth watching on each surface (plain steps, adaptive steps), from
// races of every optimiser from the surface's default start; a few scale with the surface's settings.
const LRS = {
  quadratic: (p) => ({ gd: 1 / (p.condition ?? 10), ada: 0.05 }),
  rosenbrock: (p) => ({ gd: 0.1 / (p.b ?? 100), ada: 0.05 }),
  beale: () => ({ gd: 1e-3, ada: 0.02 }),
  himmelblau: () => ({ gd: 0.01, ada: 0.1 }),
  booth: () => ({ gd: 0.05, ada: 0.2 }),
  goldstein_price: () => ({ gd: 1e-5, ada: 0.01 }),
  rastrigin: (p) => ({ gd: 0.02 / Math.max(p.A ?? 10, 1), ada: 0.05 }),
  saddle: () => ({ gd: 0.05, ada: 0.05 }),
  six_hump_camel: () => ({ gd: 0.02, ada: 0.02 }),
};

// Field labels: the symbol of the formula, then a few words.
const LABELS = {
  condition: ["κ", "condition number"], rotation: ["φ", "long axis, degrees"], a: ["a", "minimum at (a, a²)"],
  b: ["b", "valley walls"], A: ["A", "ripple depth"],
};


const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));

function readSurfaces() {
  try {
    return Object.freeze(JSON.parse(document.getElementById("registry").textContent).surfaces || {});
  } catch {
    return Object.freeze({});
  }
}
const SURFACES = readSurfaces(); // the registry's test surfaces (embedded in the page)
const registry = () => SURFACES;

function num(text) {
  const v = Number(text);
  return text !== null && text !== "" && Number.isFinite(v) ? v : undefined;
}

/** How config.surface goes into a run and into the URL (keys: surface, sf.<setting>). */
export const codec = {
  key: "surface",
  defaults: () => structuredClone(DEFAULT),
  problem: (config) => ({ kind: "surface", name: config.surface.name, ...config.surface.settings }),
  toQuery(config, q) {
    q.set("surface", config.surface.name);
    for (const [k, v] of Object.entries(config.surface.settings)) q.set(`sf.${k}`, String(v));
  },
  fromQuery(q) {
    const out = structuredClone(DEFAULT);
    const known = registry();
    if (q.has("surface") && (q.get("surface") in known || !Object.keys(known).length)) out.name = q.get("surface");
    const names = new Set((known[out.name]?.settings || []).map((s) => s.name));
    for (const [key, value] of q.entries()) {
      if (!key.startsWith("sf.")) continue;
      const v = num(value);
      if (v !== undefined && names.has(key.slice(3))) out.settings[key.slice(3)] = v;
    }
    return out;
  },
};

/** Learning rates that suit the surface: {gd, ada} (plain and adaptive steps). */
export function suggestedLrs(config) {
  const s = config.surface || DEFAULT;
  const f = LRS[s.name];
  return f ? f(s.settings || {}) : { gd: 0.01, ada: 0.05 };
}

/** The panel inside `el`, {sync, ...} (see the end); hooks: onConfig(changes) (a fresh run), onError(msg). */
export function create(el, h) {
  const root = el;
  const hooks = h;
  let current = structuredClone(DEFAULT);
  let factsKey = "";
  const options = Object.entries(registry())
    .map(([name, s]) => `<option value="${esc(name)}" title="${esc(s.formula)}">${esc(s.title)}</option>`).join("");
  el.innerHTML = `
    <label class="field">
      <span class="field-label">Surface</span>
      <select data-surf="name" data-testid="surface-name">${options}</select>
    </label>
    <p class="formula surface-formula" data-surf="formula" data-testid="surface-formula"></p>
    <div class="grid-2" data-surf="settings"></div>
    <dl class="facts" data-surf="facts" data-testid="surface-facts"></dl>`;
  el.querySelector('[data-surf="name"]').addEventListener("change", (ev) => {
    hooks.onConfig?.({ surface: { name: ev.target.value, settings: {} }, start: null });
  });
  el.querySelector('[data-surf="settings"]').addEventListener("change", onSetting);


  function onSetting(ev) {
    const input = ev.target;
    const s = (registry()[current.name]?.settings || []).find((x) => x.name === input.dataset.setting);
    if (!s) return;
    const v = parseNumber(input.value);
    // A log setting (b, κ) is a scale: its low end is open.
    const low = s.low === null ? -Infinity : s.low;
    const bad = v === null || Number.isNaN(v) || v < low || (s.log && v <= low) || (s.high !== null && v > s.high)
      || (s.type === "int" && !Number.isInteger(v));
    if (bad) {
      input.classList.add("invalid");
      const range = s.high !== null ? ` from ${fmt(s.low)} to ${fmt(s.high)}` : "";
      hooks.onError?.(`${s.doc.split(":")[0]}: a number${range}`);
      return;
    }
    input.classList.remove("invalid");
    hooks.onConfig?.({ surface: { name: current.name, settings: { ...current.settings, [s.name]: v } } });
  }

  /** Show the config's surface, its formula and settings (rebuilt when the surface changes). */
  function sync(config) {
    const s = config.surface || DEFAULT;
    const reg = registry()[s.name] || { title: s.name, formula: "", settings: [] };
    const rebuild = s.name !== current.name;
    current = structuredClone(s);
    root.querySelector('[data-surf="name"]').value = s.name;
    root.querySelector('[data-surf="formula"]').textContent = reg.formula;
    const box = root.querySelector('[data-surf="settings"]');
    if (rebuild || box.children.length !== reg.settings.length) {
      box.innerHTML = reg.settings.map((f) => `
        <label class="field" title="${esc(f.doc)}">
          <span class="field-label"><span>${esc((LABELS[f.name] || [f.name])[0])}</span>
            <span class="hint-inline">${esc((LABELS[f.name] || [f.name, ""])[1])}</span></span>
          <input type="text" inputmode="decimal" class="num" data-setting="${esc(f.name)}" spellcheck="false"
                 data-testid="surface-${esc(f.name)}">
        </label>`).join("");
    }
    for (const input of box.querySelectorAll("[data-setting]")) {
      const f = reg.settings.find((x) => x.name === input.dataset.setting);
      const v = s.settings[f.name] ?? f.default;
      if (document.activeElement !== input) input.value = String(v);
      input.classList.remove("invalid");
    }
    if (factsKey === "" || !factsKey.startsWith(`${s.name}|`)) showFacts(null, s, reg);
  }

  const point = (p) => `(${fmt(p[0], 4)}, ${fmt(p[1], 4)})`;

  /** Show what the run's state knows about the surface: minima, J*, eigenvalues and step sizes. */
  function showState(state) {
    const p = state?.problem;
    if (!root || !p || p.kind !== "surface") return;
    showFacts(p, current, registry()[p.name] || {});
  }

  function showFacts(p, s, reg) {
    const key = `${s.name}|${p ? JSON.stringify([p.settings, p.eigenvalues, p.minima]) : "registry"}`;
    if (key === factsKey) return;
    factsKey = key;
    const rows = []; // [label, value, a note in words]
    const minima = p ? p.minima : null;
    if (minima) {
      rows.push([minima.length === 1 ? "minimum" : `minima (${minima.length})`,
        minima.length ? minima.map(point).join(" ") : "none (J is unbounded below)"]);
      if (p.minimum_loss !== null && p.minimum_loss !== undefined) rows.push(["J*", fmt(p.minimum_loss, 4)]);
    }
    if (reg.start) rows.push(["start", point(reg.start)]);
    if (reg.box) {
      const [[x0, y0], [x1, y1]] = reg.box;
      rows.push(["view", `[${fmt(x0)}, ${fmt(x1)}] × [${fmt(y0)}, ${fmt(y1)}]`]);
    }
    if (p && p.eigenvalues) {
      rows.push(["λ(H)", p.eigenvalues.map((v) => fmt(v, 4)).join(", "), "the Hessian's eigenvalues"]);
      if (p.max_stable_lr) rows.push(["2/λmax", fmt(p.max_stable_lr, 4), "GD is stable below"]);
      if (p.best_lr) rows.push(["2/(λmin+λmax)", fmt(p.best_lr, 4), "the best fixed step"]);
      if (p.best_rate !== undefined) {
        rows.push(["its rate", fmt(p.best_rate, 4), `(κ−1)/(κ+1) per step, κ = ${fmt(p.condition_number, 4)}`]);
      }
    }
    const muted = (note) => (note ? ` <span class="muted">${esc(note)}</span>` : "");
    root.querySelector('[data-surf="facts"]').innerHTML = rows
      .map(([k, v, note]) => `<dt>${esc(k)}</dt><dd>${esc(v)}${muted(note)}</dd>`).join("");
  }

  return { sync, showState };
}
