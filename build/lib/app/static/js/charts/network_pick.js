// What is under the pointer in the network diagram, and what to say about it. No drawing here: the
// diagram (network_diagram.js) gives its geometry {cols: [{x, y: [...], r}], bias: [{x, y}]}, the weights
// [{W, b}] and the architecture {activations, head}.
//
// An item is {type: "node", l, i} | {type: "bias", l} (a +1 node) | {type: "edge", l, i, j} (W of layer
// l + 1, from unit i to neuron j) | {type: "bias-edge", l, j} (b of layer l + 1, into neuron j).

import { sub, wfmt } from "./network_theme.js";

const EDGE_PX = 6; // an edge is picked within this many pixels

/** The name of unit i of column l: x₁, h₂,₃, ŷ. */
export function unitName(geo, l, i) {
  const last = geo.cols.length - 1;
  if (l === 0) return geo.cols[0].y.length === 1 ? "x" : `x${sub(i + 1)}`;
  if (l === last) return geo.cols[last].y.length === 1 ? "ŷ" : `ŷ${sub(i + 1)}`;
  return `h${sub(l)},${sub(i + 1)}`;
}

/** The two ends [[x, y], [x, y]] of an edge or bias edge. */
export function endpoints(geo, h) {
  const { cols, bias } = geo;
  const to = [cols[h.l + 1].x, cols[h.l + 1].y[h.j]];
  return h.type === "bias-edge" ? [[bias[h.l].x, bias[h.l].y], to] : [[cols[h.l].x, cols[h.l].y[h.i]], to];
}

/** The current value of an item (a weight, a bias; a neuron's bias), or null. */
export function valueOf(layers, h) {
  if (!layers) return null;
  if (h.type === "edge") return layers[h.l].W[h.i][h.j];
  if (h.type === "bias-edge") return layers[h.l].b[h.j];
  if (h.type === "node" && h.l > 0) return layers[h.l - 1].b[h.i];
  return null;
}

/** The hover text of an item, with its value now. */
export function tipText(geo, layers, shape, h) {
  const v = wfmt(valueOf(layers, h));
  const name = (l, i) => unitName(geo, l, i);
  if (h.type === "edge") {
    return `weight ${name(h.l, h.i)} → ${name(h.l + 1, h.j)}\nW${sub(h.l + 1)}[${h.i}, ${h.j}] = ${v}`;
  }
  if (h.type === "bias-edge") return `bias of ${name(h.l + 1, h.j)}\nb${sub(h.l + 1)}[${h.j}] = ${v}`;
  if (h.type === "bias") return `+1: the constant input that carries\nlayer ${h.l + 1}'s biases`;
  if (h.l === 0) return `input ${name(0, h.i)}`;
  const last = geo.cols.length - 1;
  const what = h.l === last ? `output · ${shape.head}` : `hidden layer ${h.l} · ${shape.activations?.[h.l - 1] || ""}`;
  return `${name(h.l, h.i)}  (${what})\nbias b${sub(h.l)}[${h.i}] = ${v}`;
}

function distToSegment(px, py, a, c) {
  const dx = c[0] - a[0];
  const dy = c[1] - a[1];
  const t = Math.max(0, Math.min(1, ((px - a[0]) * dx + (py - a[1]) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(px - a[0] - t * dx, py - a[1] - t * dy);
}

/** The node or edge under (px, py), or null. Only the gap between the two columns around px is searched. */
export function pick(geo, layers, px, py) {
  const { cols, bias } = geo;
  for (let l = 0; l < bias.length; l++) {
    if (Math.abs(px - bias[l].x) <= 10 && Math.abs(py - bias[l].y) <= 8) return { type: "bias", l };
  }
  for (let l = 0; l < cols.length; l++) {
    const c = cols[l];
    if (Math.abs(px - c.x) > c.r + 4) continue;
    for (let i = 0; i < c.y.length; i++) {
      if (Math.hypot(px - c.x, py - c.y[i]) <= c.r + 3) return { type: "node", l, i };
    }
  }
  if (!layers) return null;
  let best = null;
  let bestD = EDGE_PX;
  for (let l = 0; l < cols.length - 1; l++) {
    if (px < cols[l].x || px > cols[l + 1].x) continue;
    const { W, b } = layers[l];
    const to = cols[l + 1];
    for (let i = 0; i < W.length; i++) {
      for (let j = 0; j < W[i].length; j++) {
        const dist = distToSegment(px, py, [cols[l].x, cols[l].y[i]], [to.x, to.y[j]]);
        if (dist < bestD) { bestD = dist; best = { type: "edge", l, i, j }; }
      }
    }
    for (let j = 0; j < b.length; j++) {
      const dist = distToSegment(px, py, [bias[l].x, bias[l].y], [to.x, to.y[j]]);
      if (dist < bestD) { bestD = dist; best = { type: "bias-edge", l, j }; }
    }
  }
  return best;
}
