// A network's set-up as the page holds it (config.net), and everything computed from it without the
// server: the data's facts (task, inputs, classes), the layer sizes, the lecture's counts, the menus'
// rules (which heads and losses make sense together), the body of POST /api/runs, and the URL round trip.
//
// config.net = {hidden: [4, 4], activation: ["tanh", "tanh"], head, loss, init, init_sigma,
//               data: {name, ...the dataset's settings}, csv: text | null}

const MAX_CSV_IN_URL = 4000; // as state.js: longer uploads are not put in links (the link says so)

export const DEFAULTS = Object.freeze({
  hidden: [4, 4],
  activation: ["tanh", "tanh"],
  head: "sigmoid",
  loss: "bce",
  init: "xavier",
  init_sigma: 0.1,
  data: { name: "xor", n: 400, noise: 0.1, test_ratio: 0.2, seed: 0 },
  csv: null,
});

/** A fresh copy of the defaults. */
export const defaults = () => structuredClone(DEFAULTS);

function readTables() {
  try {
    const t = JSON.parse(document.getElementById("registry").textContent).networks;
    if (t) return Object.freeze(t);
  } catch { /* no registry: the empty tables below */ }
  return Object.freeze({ activations: {}, heads: {}, losses: {}, inits: {}, datasets: {}, limits: {} });
}
const TABLES = readTables(); // registry.networks, embedded in the page (read once)

/** registry.networks: activations, heads, losses, inits, datasets, limits. */
export const networks = () => TABLES;

/** The limits: hidden layers, neurons per layer, points. */
export function limits() {
  const l = networks().limits || {};
  return { layers: l.hidden_layers ?? 8, width: l.width ?? 64, points: l.points ?? 10000, classes: l.classes ?? 10 };
}

// ----- the data's facts ---------------------------------------------------------------------------

/** Facts of an uploaded CSV: a target column `label` is classification (K = largest label + 1), `y` regression;
 * every other column is a feature (the server's rule, engine/tables.py). */
export function csvFacts(text) {
  const lines = text.replace(/^\uFEFF/, "").trim().split(/\r?\n/);
  const header = lines[0].toLowerCase().split(",").map((h) => h.trim());
  let facts;
  const li = header.indexOf("label");
  const inputs = header.length - 1;
  if (li >= 0 && inputs >= 1) {
    const seen = new Set();
    let bad = null;
    for (let i = 1; i < lines.length; i++) {
      if (!lines[i].trim()) continue;
      const v = Number(lines[i].split(",")[li]);
      if (Number.isInteger(v) && v >= 0) seen.add(v);
      else if (bad === null) bad = `line ${i + 1}: the label must be a whole number 0, 1, …, K−1`;
    }
    const k = seen.size ? Math.max(...seen) + 1 : 0;
    const missing = Array.from({ length: k }, (_, c) => c).find((c) => !seen.has(c));
    const max = limits().classes;
    // The server's rules, said before a run is asked for (it would refuse with the same reasons).
    const problem = bad || (k > max ? `labels go up to ${k - 1}: at most ${max} classes (0 to ${max - 1})`
      : seen.size < 2 ? "at least 2 classes are needed" : missing !== undefined ? `no point has label ${missing}` : "");
    facts = { task: "classification", inputs, classes: Math.max(k, 2), rows: lines.length - 1, problem };
  } else if (header.includes("y") && inputs >= 1) {
    facts = { task: "regression", inputs, classes: null, rows: lines.length - 1, problem: "" };
  } else {
    facts = null;
  }
  return facts;
}

/** {task, inputs, classes} of the set-up's data (generated or uploaded). */
export function dataFacts(net) {
  if (net.csv) {
    const f = csvFacts(net.csv);
    if (f) return f;
  }
  const ds = networks().datasets[net.data.name];
  if (!ds) return { task: "classification", inputs: 2, classes: 2 };
  if (ds.task !== "classification") return { task: ds.task, inputs: net.data.features?.length ?? ds.inputs, classes: null };
  const setting = (ds.settings || []).find((s) => s.name === "classes");
  const classes = setting ? (net.data.classes ?? setting.default) : ds.classes ?? 2;
  return { task: ds.task, inputs: net.data.features?.length ?? ds.inputs, classes };
}

// ----- the menus' rules ----------------------------------------------------------------------------

/** Why a head makes no sense on this data ("" when it does): the server's rules, said before it refuses. */
export function headProblem(head, facts) {
  if (head === "sigmoid") {
    if (facts.task !== "classification") return "a sigmoid head needs labels 0/1; this data is regression";
    if (facts.classes > 2) return `one sigmoid output separates 2 classes; this data has ${facts.classes}`;
  }
  if (head === "softmax" && facts.task !== "classification") {
    return "a softmax head needs class labels; this data is regression";
  }
  return "";
}

/** Why a loss cannot go with a head ("" when it can), from the registry's losses[loss].heads. */
export function lossProblem(loss, head) {
  const spec = networks().losses[loss];
  if (!spec) return "unknown loss";
  if (!(spec.heads || []).includes(head)) {
    return { bce: "binary cross-entropy needs a sigmoid output in (0, 1)",
      ce: "softmax cross-entropy needs a softmax head" }[loss] || `not with a ${head} head`;
  }
  return "";
}

/** The head the data suggests: sigmoid for 2 classes, softmax for more, identity for regression. */
export function defaultHead(facts) {
  if (facts.task !== "classification") return "identity";
  return facts.classes > 2 ? "softmax" : "sigmoid";
}

/** The loss that goes with a head: bce, ce or quadratic. */
export const defaultLoss = (head) => ({ sigmoid: "bce", softmax: "ce" }[head] || "quadratic");

/** The set-up with its head and loss made valid for its data (kept when they already are). */
export function coherent(net) {
  const facts = dataFacts(net);
  const out = { ...net };
  if (headProblem(out.head, facts)) out.head = defaultHead(facts);
  if (lossProblem(out.loss, out.head)) out.loss = defaultLoss(out.head);
  return out;
}

// ----- sizes and counts ----------------------------------------------------------------------------

/** Output neurons: 1 (sigmoid, regression), K (softmax, or identity on K > 2 classes). */
export function outputsOf(head, facts) {
  if (facts.task !== "classification") return 1;
  if (head === "softmax") return facts.classes;
  if (head === "identity" && facts.classes > 2) return facts.classes;
  return 1;
}

/** [inputs, hidden..., outputs]. */
export function layersOf(net) {
  const facts = dataFacts(net);
  return [facts.inputs, ...net.hidden, outputsOf(net.head, facts)];
}

/** The lecture's counts: neurons = hidden + output, weights = Σ n_in·n_out, biases = neurons. */
export function counts(layers) {
  let neurons = 0;
  let weights = 0;
  for (let l = 1; l < layers.length; l++) {
    neurons += layers[l];
    weights += layers[l - 1] * layers[l];
  }
  return { neurons, weights, biases: neurons, params: weights + neurons };
}

/** The activation of each hidden layer (the last one repeated when the list is short). */
export function activations(net) {
  const a = net.activation.length ? net.activation : ["tanh"];
  return net.hidden.map((_, i) => a[Math.min(i, a.length - 1)]);
}

// ----- the run's spec and the URL ------------------------------------------------------------------

/** `problem` of POST /api/runs. */
export function problemSpec(net) {
  const n = coherent(net);
  const acts = activations(n);
  const p = {
    kind: "network",
    layers: layersOf(n),
    activation: acts.length && acts.every((a) => a === acts[0]) ? acts[0] : acts,
    head: n.head,
    loss: n.loss,
    init: n.init,
  };
  if (n.init === "normal") p.init_sigma = n.init_sigma;
  if (n.csv) {
    p.data = { csv: n.csv, test_ratio: n.data.test_ratio, seed: n.data.seed };
    if (typeof n.data.standardize === "boolean") p.data.standardize = n.data.standardize;
  } else {
    const ds = networks().datasets[n.data.name];
    const keys = new Set((ds?.settings || []).map((s) => s.name));
    p.data = { name: n.data.name };
    for (const [k, v] of Object.entries(n.data)) if (k !== "name" && (!ds || keys.has(k))) p.data[k] = v;
    if (ds?.inputs === 2 && n.data.features) p.data.features = n.data.features; // x1², sin x1, … (Playground's)
  }
  if (!acts.length) delete p.activation;
  return p;
}

function num(text) {
  const v = Number(text);
  return text !== null && text !== "" && Number.isFinite(v) ? v : undefined;
}

/** Write config.net into the query string (keys: hidden, act, head, loss, init, sigma, data, d.*, ncsv). */
export function toQuery(net, q) {
  q.set("hidden", net.hidden.join(","));
  const acts = activations(net);
  q.set("act", acts.length && acts.every((a) => a === acts[0]) ? acts[0] : acts.join(","));
  q.set("head", net.head);
  q.set("loss", net.loss);
  q.set("init", net.init);
  if (net.init === "normal") q.set("sigma", String(net.init_sigma));
  if (net.csv && net.csv.length <= MAX_CSV_IN_URL) q.set("ncsv", net.csv);
  q.set("data", net.data.name);
  for (const [k, v] of Object.entries(net.data)) if (k !== "name" && v !== undefined) q.set(`d.${k}`, String(v));
}

/** Whether a link can hold the whole set-up (a long CSV upload cannot). */
export const linkHolds = (net) => !net.csv || net.csv.length <= MAX_CSV_IN_URL;

/** config.net from a query string (missing or malformed values keep their defaults). */
export function fromQuery(q) {
  const net = defaults();
  const lim = limits();
  if (q.has("hidden")) {
    const text = q.get("hidden").trim();
    const sizes = text === "" ? [] : text.split(",").map(Number);
    if (sizes.every((s) => Number.isInteger(s) && s >= 1 && s <= lim.width) && sizes.length <= lim.layers) {
      net.hidden = sizes;
    }
  }
  const known = networks().activations;
  if (q.has("act")) {
    const acts = q.get("act").split(",").filter((a) => a in known);
    if (acts.length) net.activation = net.hidden.map((_, i) => acts[Math.min(i, acts.length - 1)]);
  } else {
    net.activation = net.hidden.map(() => "tanh");
  }
  for (const key of ["head", "loss", "init"]) {
    const table = { head: "heads", loss: "losses", init: "inits" }[key];
    if (q.has(key) && q.get(key) in networks()[table]) net[key] = q.get(key);
  }
  const sigma = num(q.get("sigma"));
  if (sigma !== undefined && sigma >= 0) net.init_sigma = sigma;
  if (q.has("ncsv")) net.csv = q.get("ncsv");
  if (q.has("data") && q.get("data") in networks().datasets) {
    net.data = { name: q.get("data"), test_ratio: DEFAULTS.data.test_ratio, seed: 0 };
    for (const s of networks().datasets[net.data.name].settings || []) net.data[s.name] = s.default;
  }
  for (const [key, value] of q.entries()) {
    if (!key.startsWith("d.")) continue;
    if (key === "d.features") {
      const list = value.split(",").filter((f) => f in (networks().input_features || {}));
      if (list.length) net.data.features = list;
      continue;
    }
    if (value === "true" || value === "false") {
      net.data[key.slice(2)] = value === "true";
      continue;
    }
    const v = num(value);
    if (v !== undefined) net.data[key.slice(2)] = v;
  }
  return coherent(net);
}
