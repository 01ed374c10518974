// The settings panel of a neural network: the data (a generated set with its settings, or a CSV upload),
// the builder (hidden layers, neurons per layer, an activation per layer, the head and the loss, the
// initialisation) and the lecture's counts, shown as the network changes. Any change here starts a
// fresh run (the optimiser's settings, in their own panels, stay live).
//
// Same shape as every panel: {kind, title, create(el, hooks, limits) → {sync(config)}}; `codec` tells
// state.js how this kind's set-up goes into a run and into the URL (panels/index.js registers it).

import { parseNumber } from "../format.js";
import * as spec from "./network_spec.js";
import { esc, layerRows } from "./network_layers.js";
import { createFeaturePicker } from "./network_features.js";

export const kind = "network";
export const title = "Network";
export const label = "neural network";
export const view = "network"; // the chart set of this kind (network_view.js)
export const racerDefaults = { lr: 0.3, batch_size: 10 }; // when a person switches to networks

export const codec = {
  key: "net",
  defaults: spec.defaults,
  problem: (config) => spec.problemSpec(config.net),
  toQuery: (config, q) => spec.toQuery(config.net, q),
  fromQuery: (q) => spec.fromQuery(q),
  complete: (config) => spec.linkHolds(config.net),
};

const COMMIT_MS = 300; // clicks on +/− are gathered into one new run
const LABELS = { n: "N points", noise: "noise σ", classes: "classes K", seed: "data seed", test_ratio: "test share",
  standardize: "standardise inputs" };
const LOSS_NAMES = { quadratic: "quadratic ½(y − y⁽ⁱ⁾)²", bce: "binary cross-entropy", ce: "softmax cross-entropy" };
const INIT_NAMES = { xavier: "Xavier (Glorot)", normal: "normal N(0, σ²)", zeros: "zeros" };

/** The panel inside `el`, {sync, ...} (see the end); hooks: onConfig(changes) (a fresh run), onError(msg). */

export const suggestedLrs = () => ({ gd: racerDefaults.lr, ada: 0.01 });
export function create(el, h) {
  const root = el;
  const hooks = h;
  let draft = null; // config.net with changes not yet committed
  let timer = null;
  let fileName = null;
  const t = spec.networks();
  const menu = (table, label) => Object.entries(table).map(([n, o]) => (
    `<option value="${esc(n)}" title="${esc(o.formula || o.title)}">${esc(label(n, o))}</option>`)).join("");
  el.innerHTML = `
    <div class="net-sub">
      <span>Layers</span><span class="hint-inline" data-net="shape" data-testid="net-shape"></span>
    </div>
    <ol class="net-layers" data-net="layers" data-testid="net-layers"></ol>
    <dl class="net-counts" data-testid="net-counts" aria-live="polite"></dl>
    <div class="net-opts">
      <label class="field net-loss"><span class="field-label">Loss</span>
        <select data-net="loss" data-testid="net-loss">${menu(t.losses, (n, o) => LOSS_NAMES[n] || o.title)}</select>
      </label>
      <label class="field"><span class="field-label">Initial weights</span>
        <select data-net="init" data-testid="net-init">
          ${menu(t.inits, (n, o) => INIT_NAMES[n] || o.title.split(":")[0])}</select></label>
      <label class="field" data-net="sigma-field"><span class="field-label">σ</span>
        <input type="text" inputmode="decimal" class="num" data-net="sigma" data-testid="net-sigma" spellcheck="false">
      </label>
    </div>
    <p class="formula net-formula" data-net="formula"></p>

    <div class="net-sub"><span>Data</span></div>
    <label class="field">
      <span class="field-label">Data set</span>
      <select data-net="dataset" data-testid="net-dataset">
        ${menu(t.datasets, (n, o) => o.title)}
      </select>
    </label>
    <div class="grid-2 data-fields" data-net="data-fields"></div>
    <div class="net-features" data-net="features" data-testid="net-features" hidden></div>
    <div class="csv-row">
      <label class="btn btn-small file-button">
        <input type="file" accept=".csv,text/csv,text/plain" data-testid="net-csv-file" hidden>
        Upload CSV…
      </label>
      <span class="csv-status hint" data-net="csv-status">a header row with a label (or y) column; every other column a feature</span>
      <button type="button" class="link-button" data-net="csv-clear" hidden>use generated</button>
    </div>`;

  el.querySelector('[data-net="dataset"]').addEventListener("change", (ev) => setDataset(ev.target.value));
  const features = createFeaturePicker(el.querySelector('[data-net="features"]'),
    (list) => change({ data: { ...draft.data, features: list } }, true));
  el.querySelector('[data-net="loss"]').addEventListener("change", (ev) => change({ loss: ev.target.value }, true));
  el.querySelector('[data-net="init"]').addEventListener("change", (ev) => change({ init: ev.target.value }, true));
  el.querySelector('[data-net="sigma"]').addEventListener("change", (ev) => {
    const v = parseNumber(ev.target.value);
    if (v === null || Number.isNaN(v) || v < 0 || v > 100) {
      ev.target.classList.add("invalid");
      hooks.onError?.("σ of the normal initialisation: a number from 0 to 100");
      return;
    }
    change({ init_sigma: v }, true);
  });
  el.querySelector('[data-net="layers"]').addEventListener("click", onLayerClick);
  el.querySelector('[data-net="layers"]').addEventListener("change", (ev) => {
    if (ev.target.dataset.net === "head") {
      const head = ev.target.value;
      change({ head, loss: spec.lossProblem(draft.loss, head) ? spec.defaultLoss(head) : draft.loss }, true);
      return;
    }
    const i = Number(ev.target.dataset.act);
    if (!Number.isInteger(i)) return;
    const activation = spec.activations(draft);
    activation[i] = ev.target.value;
    change({ activation }, true);
  });
  el.querySelector('input[type="file"]').addEventListener("change", onFile);
  el.querySelector('[data-net="csv-clear"]').addEventListener("click", () => {
    fileName = null;
    change({ csv: null }, true);
  });


  /** Apply changes to the draft, show them, and commit (now, or after the clicks stop). */
  function change(changes, now = false) {
    draft = spec.coherent({ ...draft, ...changes });
    render();
    clearTimeout(timer);
    if (now) commit();
    else timer = setTimeout(commit, COMMIT_MS);
  }

  function commit() {
    clearTimeout(timer);
    timer = null;
    hooks.onConfig?.({ net: structuredClone(draft) });
  }

  function setDataset(name) {
    const ds = spec.networks().datasets[name];
    const data = { name };
    for (const s of ds?.settings || []) data[s.name] = s.default;
    // The size of the set, its split and its seed carry over; noise and classes are the set's own.
    for (const k of ["n", "test_ratio", "seed"]) if (k in data && draft.data[k] !== undefined) data[k] = draft.data[k];
    fileName = null;
    change({ data, csv: null }, true);
  }

  function onLayerClick(ev) {
    const b = ev.target.closest("button");
    if (!b) return;
    const lim = spec.limits();
    const hidden = [...draft.hidden];
    const activation = spec.activations(draft);
    const i = Number(b.dataset.layer);
    if (b.dataset.do === "more" && hidden[i] < lim.width) hidden[i] += 1;
    else if (b.dataset.do === "fewer" && hidden[i] > 1) hidden[i] -= 1;
    else if (b.dataset.do === "remove") {
      hidden.splice(i, 1);
      activation.splice(i, 1);
    } else if (b.dataset.do === "add" && hidden.length < lim.layers) {
      hidden.push(hidden.length ? hidden[hidden.length - 1] : 4);
      activation.push(activation.length ? activation[activation.length - 1] : "tanh");
    } else {
      return;
    }
    change({ hidden, activation });
  }

  function onDataField(input) {
    const s = datasetSettings().find((x) => x.name === input.dataset.setting);
    if (s.type === "bool") {
      change({ data: { ...draft.data, [s.name]: input.checked } }, true);
      return;
    }
    const v = parseNumber(input.value);
    const max = s.name === "n" ? Math.min(s.high ?? Infinity, spec.limits().points) : s.high;
    if (v === null || Number.isNaN(v) || (s.type === "int" && !Number.isInteger(v))
        || (s.low !== null && s.low !== undefined && v < s.low) || (max !== null && max !== undefined && v > max)) {
      input.classList.add("invalid");
      const what = s.type === "int" ? "a whole number" : "a number";
      hooks.onError?.(`${LABELS[s.name] || s.name}: ${what} from ${s.low} to ${Number(max).toLocaleString("en")}`);
      return;
    }
    input.classList.remove("invalid");
    change({ data: { ...draft.data, [s.name]: v } }, true);
  }

  function datasetSettings() {
    const ds = spec.networks().datasets[draft.data.name];
    const own = ds?.settings || [];
    return draft.csv ? spec.networks().user_data || own.filter((s) => ["seed", "test_ratio"].includes(s.name)) : own;
  }

  async function onFile(ev) {
    const file = ev.target.files && ev.target.files[0];
    ev.target.value = "";
    if (!file) return;
    if (file.size > 8 * 1024 * 1024) {
      hooks.onError?.(`${file.name} is larger than 8 MB`);
      return;
    }
    const text = await file.text();
    const facts = spec.csvFacts(text);
    if (!facts) {
      const header = text.split(/\r?\n/, 1)[0].slice(0, 40);
      hooks.onError?.(`${file.name}: the header must name a label column (classes) or a y column (values), got "${header}"`);
      return;
    }
    if (facts.problem || facts.rows > spec.limits().points) {
      hooks.onError?.(`${file.name}: ${facts.problem || `${facts.rows.toLocaleString("en")} rows (at most ${
        spec.limits().points.toLocaleString("en")} points)`}`);
      return;
    }
    fileName = file.name;
    change({ csv: text }, true);
  }

  /** Show the config's values (and drop changes not yet committed). */
  function sync(config) {
    clearTimeout(timer);
    timer = null;
    draft = spec.coherent(structuredClone(config.net || spec.defaults()));
    render();
  }

  function render() {
    const t = spec.networks();
    const facts = spec.dataFacts(draft);
    const layers = spec.layersOf(draft);
    const $ = (name) => root.querySelector(`[data-net="${name}"]`);

    $("dataset").value = draft.data.name;
    features.render(draft, t.datasets[draft.data.name], t.input_features);
    $("dataset").disabled = !!draft.csv;
    const fields = $("data-fields");
    const active = document.activeElement;
    const settings = datasetSettings();
    const sig = settings.map((s) => s.name).join(",");
    if (fields.dataset.sig !== sig) {
      fields.dataset.sig = sig;
      fields.innerHTML = settings.map((s) => `
        <label class="field" title="${esc(s.doc)}">
          <span class="field-label">${esc(LABELS[s.name] || s.name)}</span>
          ${s.type === "bool" ? `<input type="checkbox" data-setting="${esc(s.name)}" data-testid="net-data-${esc(s.name)}">`
    : `<input type="text" inputmode="decimal" class="num" data-setting="${esc(s.name)}" spellcheck="false"
                 data-testid="net-data-${esc(s.name)}">`}
        </label>`).join("");
      for (const input of fields.querySelectorAll("input")) input.addEventListener("change", () => onDataField(input));
    }
    for (const input of fields.querySelectorAll("input")) {
      const s = settings.find((x) => x.name === input.dataset.setting);
      if (s.type === "bool") input.checked = !!(draft.data[s.name] ?? s.default);
      else if (input !== active) input.value = String(draft.data[s.name] ?? s.default);
      input.classList.remove("invalid");
    }
    const status = $("csv-status");
    status.textContent = draft.csv ? `${fileName || "uploaded CSV"} · ${spec.csvFacts(draft.csv)?.rows ?? "?"} points`
      : "a header row with a label (or y) column; every other column a feature";
    status.classList.toggle("active", !!draft.csv);
    $("csv-clear").hidden = !draft.csv;

    root.querySelector('[data-net="layers"]').innerHTML = layerRows(draft, facts);
    $("shape").textContent = shapeText(layers);

    for (const opt of $("loss").options) {
      const why = spec.lossProblem(opt.value, draft.head);
      opt.disabled = !!why;
      opt.title = why || t.losses[opt.value]?.formula || "";
    }
    $("loss").value = draft.loss;
    $("init").value = draft.init;
    $("sigma-field").hidden = draft.init !== "normal";
    if ($("sigma") !== active) $("sigma").value = String(draft.init_sigma);
    $("sigma").classList.remove("invalid");
    $("formula").textContent = `${t.heads[draft.head]?.formula || ""}\n${t.losses[draft.loss]?.formula || ""}`;

    const c = spec.counts(layers);
    const hiddenN = draft.hidden.reduce((a, b) => a + b, 0);
    const out = layers[layers.length - 1];
    root.querySelector('[data-testid="net-counts"]').innerHTML = [
      ["neurons", c.neurons, `${hiddenN} hidden + ${out} output`],
      ["weights", c.weights, layers.slice(1).map((n, l) => `${layers[l]}×${n}`).join(" + ")],
      ["biases", c.biases, "one per neuron"],
      ["parameters", c.params, "weights + biases"],
    ].map(([k, v, why]) => `<div title="${esc(why)}"><dt>${k}</dt><dd data-count="${k}">${v.toLocaleString("en")}</dd>
      </div>`).join("");
  }

  /** [2, 4, 4, 1]; three or more equal hidden layers in a row are shortened: [2, 64 (×8), 1]. */
  function shapeText(layers) {
    const parts = [];
    for (let l = 0; l < layers.length; l++) {
      let k = l;
      while (l > 0 && k + 1 < layers.length - 1 && layers[k + 1] === layers[l]) k += 1;
      parts.push(k - l >= 2 ? `${layers[l]} (×${k - l + 1})` : String(layers[l]));
      if (k - l >= 2) l = k;
    }
    return `[${parts.join(", ")}]`;
  }

  return { sync };
}
