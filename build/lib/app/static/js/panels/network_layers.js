// The builder's list of layers as HTML: the inputs, each hidden layer with − n + (its neurons), its
// activation and ×, "+ hidden layer", and the output with its head (heads that make no sense on the data
// are disabled, with the reason as their title). panels/network.js handles the clicks.

import * as spec from "./network_spec.js";

const SUB = "₀₁₂₃₄₅₆₇₈₉";
const sub = (i) => String(i).split("").map((d) => SUB[d]).join("");

/** Escape text for HTML. */
const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
export const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ENTITIES[c]);

const options = (table, chosen, label, problem = () => "") => Object.entries(table).map(([name, o]) => {
  const why = problem(name);
  return `<option value="${esc(name)}" title="${esc(why || o.formula || o.title)}"${why ? " disabled" : ""}${
    name === chosen ? " selected" : ""}>${esc(label(o))}</option>`;
}).join("");

function inputRow(facts) {
  const n = facts.inputs;
  const names = n === 1 ? "x" : Array.from({ length: n }, (_, i) => `x${sub(i + 1)}`).join(" ");
  return `<li class="net-layer io"><span class="net-layer-name">input</span><span class="net-units">${names}</span>
    <span class="net-layer-note">${n} input${n > 1 ? "s" : ""}</span></li>`;
}

function hiddenRow(n, i, act, width) {
  const k = i + 1;
  const acts = options(spec.networks().activations, act, (o) => o.title);
  return `<li class="net-layer" data-testid="net-layer-${k}">
    <span class="net-layer-name">hidden ${k}</span>
    <span class="stepper">
      <button type="button" data-do="fewer" data-layer="${i}"${n <= 1 ? " disabled" : ""}
        aria-label="One neuron fewer in hidden layer ${k}" data-testid="net-fewer-${k}">−</button>
      <output data-testid="net-width-${k}" title="neurons in hidden layer ${k}">${n}</output>
      <button type="button" data-do="more" data-layer="${i}"${n >= width ? " disabled" : ""}
        aria-label="One neuron more in hidden layer ${k}" data-testid="net-more-${k}">+</button>
    </span>
    <select data-act="${i}" class="small-select" aria-label="Activation of hidden layer ${k}"
      data-testid="net-act-${k}">${acts}</select>
    <button type="button" class="net-remove" data-do="remove" data-layer="${i}" aria-label="Remove hidden layer ${k}"
      title="Remove this layer" data-testid="net-remove-${k}">×</button>
  </li>`;
}

function addRow(count, max) {
  const full = count >= max;
  const note = count ? ""
    : '<span class="net-layer-note" title="logistic regression, with a sigmoid head">none: a perceptron</span>';
  return `<li class="net-layer add">
    <button type="button" class="link-button" data-do="add"${full ? " disabled" : ""} data-testid="net-add-layer"
      title="${full ? `at most ${max} hidden layers` : "Add a hidden layer"}">+ hidden layer</button>${note}</li>`;
}

function outputRow(out, head, facts) {
  const heads = options(spec.networks().heads, head, (o) => o.title.replace(/\s*\(.*\)\s*$/, ""),
    (h) => spec.headProblem(h, facts));
  return `<li class="net-layer output" title="${out} output neuron${out > 1 ? "s" : ""}">
    <span class="net-layer-name">output</span>
    <span class="net-units">${out === 1 ? "ŷ" : `ŷ${sub(1)}…ŷ${sub(out)}`}</span>
    <select data-net="head" class="small-select" aria-label="Output head" data-testid="net-head">${heads}</select>
    <span></span></li>`;
}

/** The rows of the layer list for a set-up (config.net) on data with these facts. */
export function layerRows(net, facts) {
  const lim = spec.limits();
  const acts = spec.activations(net);
  const layers = spec.layersOf(net);
  return [
    inputRow(facts),
    ...net.hidden.map((n, i) => hiddenRow(n, i, acts[i], lim.width)),
    addRow(net.hidden.length, lim.layers),
    outputRow(layers[layers.length - 1], net.head, facts),
  ].join("");
}
