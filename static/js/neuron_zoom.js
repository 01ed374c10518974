// One neuron's output shown big (TensorFlow Playground's enlarged unit): a click on a hidden neuron of the
// diagram opens its picture over the input plane, a click on an output neuron the network's output there. The
// picture follows the run live (the grids frames and REST bring: state.js `net`); Esc or × closes it.

import * as S from "./state.js";
import { diverging, sub } from "./charts/network_theme.js";
import { overCard } from "./net_edit.js";

/** The value → [−1, 1] colour scale of a unit: tanh as it is, sigmoid around ½, others by their largest |value|. */
function scaleOf(act, grid) {
  if (act === "tanh") return (v) => v;
  if (act === "sigmoid") return (v) => 2 * v - 1;
  let m = 0;
  for (const row of grid) for (const v of row) if (Math.abs(v) > m) m = Math.abs(v);
  return (v) => v / (m || 1);
}

/** The big picture in `card` (the hidden neurons' card): {open(l, i), close, isOpen, probes}. */
export function createNeuronZoom(card) {
  const box = overCard(card, "div", "neuron-zoom", '<div class="neuron-zoom-head"><b class="neuron-zoom-title"></b><span class="hint"></span>'
    + '<button type="button" class="link-button" data-close aria-label="Close">×</button></div><canvas></canvas>');
  const canvas = box.querySelector("canvas");
  let unit = null; // {l, i, output}: column l of the diagram, neuron i
  let paints = 0;

  function grid() {
    const p = S.run.state?.problem;
    if (!unit || !p) return null;
    if (unit.output) {
      const g = S.run.net.grid;
      return g?.z && (g.probs || g.outputs) ? (g.probs || g.outputs).map((row) => row.map((v) => v[unit.i])) : g?.z;
    }
    return S.run.net.hidden?.layers?.[unit.l - 1]?.[unit.i] ?? null;
  }

  function paint() {
    const g = grid();
    if (!g || !g.length) return;
    const p = S.run.state.problem;
    const act = unit.output ? (p.head === "sigmoid" || p.head === "softmax" ? "sigmoid" : "identity")
      : (p.activation || [])[unit.l - 1];
    const f = scaleOf(act, g);
    const ny = g.length;
    const nx = g[0].length;
    canvas.width = nx;
    canvas.height = ny;
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(nx, ny);
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const c = diverging(f(g[j][i]));
        const o = 4 * ((ny - 1 - j) * nx + i); // x₂ grows upwards
        img.data.set([c[0], c[1], c[2], 255], o);
      }
    }
    ctx.putImageData(img, 0, 0);
    paints += 1;
  }

  function open(l, i) {
    const p = S.run.state?.problem;
    if (!p || (p.raw_features ?? p.inputs) < 2 || l === 0) return false; // a picture needs a plane of inputs
    const last = p.layers.length - 1;
    unit = { l, i, output: l === last };
    const name = unit.output ? (p.layers[last] === 1 ? "ŷ" : `ŷ${sub(i + 1)}`) : `h${sub(l)},${sub(i + 1)}`;
    box.querySelector(".neuron-zoom-title").textContent = name;
    box.querySelector(".hint").textContent = unit.output ? `the output (${p.head}) over the input plane`
      : `neuron ${i + 1} of hidden layer ${l} (${(p.activation || [])[l - 1] || ""}) over the input plane`;
    box.hidden = false;
    paint();
    return true;
  }

  function close() {
    box.hidden = true;
    unit = null;
  }

  S.on("net", (changed) => { if (unit && changed.some((k) => k === "hidden" || k === "grid")) paint(); });
  box.querySelector("[data-close]").addEventListener("click", close);
  document.addEventListener("keydown", (ev) => { if (ev.key === "Escape" && unit) close(); });

  return {
    open, close, isOpen: () => !box.hidden,
    probes: { paints: () => paints, unit: () => (unit ? { ...unit } : null), size: () => [canvas.width, canvas.height] },
  };
}
