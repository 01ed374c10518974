// The network drawn live on a canvas: one column of neurons per layer, every weight an edge coloured by
// its sign and as wide as its magnitude, and every bias as the weight of an edge from a "+1" node (the
// lecture's z₀ = 1), the output's too. Edges are stroked in a few batches (sign × width bucket), so
// 8 × 64 neurons (~28k edges) redraw in a few milliseconds; hover finds the nearest node or edge and
// shows its current value, refreshed at every redraw.

import { NEG, POS, sub } from "./network_theme.js";
import { endpoints, pick, tipText, valueOf } from "./network_pick.js";

const BUCKETS = 6; // width buckets per sign
const PAD = { l: 30, r: 34, t: 30, b: 34 };

let el = null;
let canvas = null;
let ctx = null;
let tip = null;
let size = { w: 0, h: 0, dpr: 1 };
let shape = null; // {sizes, activations, head, inputs}
let layers = null; // [{W, b}]
let geo = null; // node positions per column, bias node per column
let hover = null; // {type: "edge"|"node"|"bias", l, i, j}
let scale = 1; // |w| drawn at full width
let draws = 0;

/** Create the canvas in `container`. */
export function init(container) {
  el = container;
  el.classList.add("net-diagram");
  canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "The network: neurons by layer, edges coloured by the sign of their weight");
  tip = document.createElement("div");
  tip.className = "net-tip";
  tip.hidden = true;
  el.append(canvas, tip);
  ctx = canvas.getContext("2d");
  new ResizeObserver(resize).observe(el);
  canvas.addEventListener("mousemove", onMove);
  canvas.addEventListener("mouseleave", () => {
    hover = null;
    tip.hidden = true;
    draw();
  });
  resize();
}

function resize() {
  const r = el.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  if (!r.width || !r.height) return;
  size = { w: r.width, h: r.height, dpr };
  canvas.width = Math.round(r.width * dpr);
  canvas.height = Math.round(r.height * dpr);
  canvas.style.width = `${r.width}px`;
  canvas.style.height = `${r.height}px`;
  layout();
  draw();
}

/** A new architecture: sizes [inputs, ..., outputs], hidden activations and head. */
export function reset(newShape, newLayers) {
  shape = newShape;
  layers = newLayers && newLayers.length === shape.sizes.length - 1 ? newLayers : null;
  hover = null;
  if (tip) tip.hidden = true;
  scale = 1;
  layout();
  draw();
}

/** New weights (same architecture). */
export function update(newLayers) {
  if (!shape || !newLayers || newLayers.length !== shape.sizes.length - 1) return;
  layers = newLayers;
  draw();
}

function layout() {
  if (!shape || !size.w) {
    geo = null;
    return;
  }
  const { sizes } = shape;
  const L = sizes.length;
  const x0 = PAD.l + 16;
  const x1 = size.w - PAD.r - 16;
  const top = PAD.t + 14;
  const bottom = size.h - PAD.b;
  const H = bottom - top;
  const cols = sizes.map((n, l) => {
    const x = L === 1 ? x0 : x0 + ((x1 - x0) * l) / (L - 1);
    const s = Math.min(62, H / Math.max(n, 1));
    const r = Math.max(1.6, Math.min(10, s * 0.3));
    const y0 = top + H / 2 - (s * (n - 1)) / 2;
    return { x, r, s, y: Array.from({ length: n }, (_, i) => y0 + s * i) };
  });
  // The bias node of column l feeds column l + 1: above column l, at the top.
  const bias = cols.slice(0, -1).map((c) => ({ x: c.x, y: PAD.t - 6 }));
  const thinnest = Math.min(...cols.map((c) => c.s));
  geo = { cols, bias, maxWidth: Math.max(1.2, Math.min(6, thinnest * 0.45)) };
}

function weightScale() {
  // The 98th percentile of |w|: one huge weight does not make every other edge a hairline.
  const vals = [];
  for (const { W, b } of layers) {
    for (const row of W) for (const v of row) vals.push(Math.abs(v));
    for (const v of b) vals.push(Math.abs(v));
  }
  if (!vals.length) return 1;
  vals.sort((a, c) => a - c);
  return Math.max(vals[Math.floor(0.98 * (vals.length - 1))], 1e-6);
}

function bucketOf(v) {
  const m = Math.min(1, Math.abs(v) / scale);
  return Math.min(BUCKETS - 1, Math.floor(m * BUCKETS));
}

const widthOf = (k) => 0.35 + ((geo.maxWidth - 0.35) * (k + 1)) / BUCKETS;
const alphaOf = (k) => 0.22 + (0.7 * (k + 1)) / BUCKETS;
const rgba = (c, a) => `rgba(${c[0]},${c[1]},${c[2]},${a})`;

/** Redraw everything (nodes, edges, labels, the hovered item). */
export function draw() {
  if (!ctx || !size.w) return;
  draws += 1;
  ctx.setTransform(size.dpr, 0, 0, size.dpr, 0, 0);
  ctx.clearRect(0, 0, size.w, size.h);
  if (!geo) return;
  const { cols, bias } = geo;
  if (layers) {
    scale = weightScale();
    ctx.lineCap = "round";
    layers.forEach(({ W, b }, l) => {
      // paths[sign][bucket]: every edge of that style in one path, stroked once. Dense gaps (64 × 64
      // edges) are drawn fainter and thinner, so they read as a texture rather than a solid block.
      // A weight of exactly 0 (zeros initialisation) is a grey dashed hairline: there, but carrying nothing.
      const paths = [0, 1].map(() => Array.from({ length: BUCKETS }, () => new Path2D()));
      const zero = new Path2D();
      const pathOf = (v) => (v === 0 || v === null ? zero : paths[v > 0 ? 1 : 0][bucketOf(v)]);
      const a = cols[l];
      const c = cols[l + 1];
      for (let i = 0; i < W.length; i++) {
        const row = W[i];
        for (let j = 0; j < row.length; j++) {
          const p = pathOf(row[j]);
          p.moveTo(a.x, a.y[i]);
          p.lineTo(c.x, c.y[j]);
        }
      }
      for (let j = 0; j < b.length; j++) {
        const p = pathOf(b[j]);
        p.moveTo(bias[l].x, bias[l].y);
        p.lineTo(c.x, c.y[j]);
      }
      ctx.setLineDash([3, 3]);
      ctx.strokeStyle = "rgba(134,142,150,0.55)";
      ctx.lineWidth = 0.8;
      ctx.stroke(zero);
      ctx.setLineDash([]);
      const dense = Math.min(1, 12 / Math.max(W.length, b.length));
      for (let k = 0; k < BUCKETS; k++) {
        for (const s of [0, 1]) {
          ctx.strokeStyle = rgba(s ? POS : NEG, alphaOf(k) * (0.25 + 0.75 * dense));
          ctx.lineWidth = widthOf(k) * (0.5 + 0.5 * dense);
          ctx.stroke(paths[s][k]);
        }
      }
    });
  }
  const m = itemOf(mark);
  if (m) drawMark(m);
  if (hover && hover.type !== "node" && hover.type !== "bias" && layers) drawHoverEdge();
  drawNodes();
  drawLabels();
  if (hover) showTip();
}

function drawHoverEdge() {
  const [a, c] = endpoints(geo, hover);
  const v = valueOf(layers, hover);
  ctx.strokeStyle = "rgba(33,37,41,0.85)";
  ctx.lineWidth = widthOf(bucketOf(v)) + 3;
  ctx.beginPath();
  ctx.moveTo(a[0], a[1]);
  ctx.lineTo(c[0], c[1]);
  ctx.stroke();
  ctx.strokeStyle = rgba(v >= 0 ? POS : NEG, 1);
  ctx.lineWidth = widthOf(bucketOf(v)) + 0.5;
  ctx.stroke();
}

function drawNodes() {
  const { cols, bias } = geo;
  const last = cols.length - 1;
  cols.forEach((c, l) => {
    ctx.lineWidth = c.r > 4 ? 1.5 : 1;
    for (let i = 0; i < c.y.length; i++) {
      const on = hover && hover.type === "node" && hover.l === l && hover.i === i;
      ctx.beginPath();
      ctx.arc(c.x, c.y[i], c.r + (on ? 1.5 : 0), 0, 2 * Math.PI);
      ctx.fillStyle = l === 0 ? "#e9ecef" : l === last ? "#fff4e6" : "#ffffff";
      ctx.fill();
      ctx.strokeStyle = on ? "#212529" : l === 0 ? "#868e96" : "#495057";
      ctx.stroke();
    }
  });
  ctx.font = "600 9px Inter, 'Segoe UI', system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  bias.forEach((p, l) => {
    const on = hover && hover.type === "bias" && hover.l === l;
    ctx.fillStyle = on ? "#212529" : "#495057";
    ctx.beginPath();
    ctx.roundRect(p.x - 9, p.y - 7, 18, 14, 3);
    ctx.fill();
    ctx.fillStyle = "#ffffff";
    ctx.fillText("+1", p.x, p.y + 0.5);
  });
}

function drawLabels() {
  const { cols } = geo;
  const last = cols.length - 1;
  ctx.font = "11px Inter, 'Segoe UI', system-ui, sans-serif";
  ctx.fillStyle = "#495057";
  ctx.textBaseline = "middle";
  const inputs = cols[0];
  if (inputs.s >= 12) {
    ctx.textAlign = "right";
    const name = (i) => (inputs.y.length === 1 ? "x" : `x${sub(i + 1)}`);
    inputs.y.forEach((y, i) => ctx.fillText(name(i), inputs.x - inputs.r - 5, y));
  }
  const out = cols[last];
  if (out.s >= 12) {
    ctx.textAlign = "left";
    out.y.forEach((y, j) => ctx.fillText(out.y.length === 1 ? "ŷ" : `ŷ${sub(j + 1)}`, out.x + out.r + 5, y));
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "alphabetic";
  const acts = shape.activations || [];
  const narrow = cols.length > 1 && cols[1].x - cols[0].x < 70;
  cols.forEach((c, l) => {
    const name = l === 0 ? (narrow ? "in" : "input") : l === last ? (narrow ? "out" : "output")
      : narrow ? `h${sub(l)}` : `hidden ${l}`;
    const what = l === 0 ? `${c.y.length}` : `${c.y.length} · ${l === last ? shape.head : acts[l - 1] || ""}`;
    ctx.fillStyle = "#343a40";
    ctx.font = "600 11px Inter, 'Segoe UI', system-ui, sans-serif";
    ctx.fillText(name, c.x, size.h - PAD.b + 16);
    ctx.fillStyle = "#868e96";
    ctx.font = "10.5px Inter, 'Segoe UI', system-ui, sans-serif";
    ctx.fillText(what, c.x, size.h - PAD.b + 29);
  });
}

// ----- hover ------------------------------------------------------------------------------------------

function showTip() {
  tip.textContent = tipText(geo, layers, shape, hover);
  tip.hidden = false;
}

function onMove(ev) {
  if (!geo) return;
  const r = canvas.getBoundingClientRect();
  const px = ev.clientX - r.left;
  const py = ev.clientY - r.top;
  const h = pick(geo, layers, px, py);
  tip.style.left = `${Math.min(px + 14, size.w - 190)}px`;
  tip.style.top = `${Math.max(4, Math.min(py + 14, size.h - 44))}px`;
  if (JSON.stringify(h) === JSON.stringify(hover)) return;
  hover = h;
  if (!h) tip.hidden = true;
  draw();
}

// ----- highlight from outside: a row of the backprop table (lecture/backprop.js) -------------------------

let mark = null; // the backprop row's id set by highlight(): drawn with a halo until cleared

/** The diagram item a backprop row names: {kind: "node"|"edge"|"bias"|"loss", layer, unit, from, to}. */
function itemOf(id) {
  if (!geo || !id) return null;
  const { cols } = geo;
  const last = cols.length - 1;
  const has = (l, i) => l >= 0 && l <= last && i >= 0 && i < cols[l].y.length;
  if (id.kind === "node" && has(id.layer, id.unit)) return { type: "node", l: id.layer, i: id.unit };
  if (id.kind === "loss" && cols[last].y.length === 1) return { type: "node", l: last, i: 0 };
  if (id.kind === "edge" && has(id.layer - 1, id.from) && has(id.layer, id.to)) {
    return { type: "edge", l: id.layer - 1, i: id.from, j: id.to };
  }
  if (id.kind === "bias" && id.layer >= 1 && has(id.layer, id.unit)) {
    return { type: "bias-edge", l: id.layer - 1, j: id.unit };
  }
  return null;
}

/** Highlight the node, edge or bias a backprop row names (null: none), with its value in the tip. */
export function highlight(id) {
  mark = id || null;
  hover = itemOf(mark);
  if (!tip) return;
  if (hover) {
    const [x, y] = hover.type === "node" ? [geo.cols[hover.l].x, geo.cols[hover.l].y[hover.i]]
      : endpoints(geo, hover).reduce((p, q) => [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2]);
    tip.style.left = `${Math.max(4, Math.min(x + 16, size.w - 190))}px`;
    tip.style.top = `${Math.max(4, Math.min(y + 12, size.h - 44))}px`;
  } else {
    tip.hidden = true;
  }
  draw();
}

/** A soft halo under the marked node or edge. */
function drawMark(m) {
  ctx.fillStyle = ctx.strokeStyle = "rgba(250,176,5,0.45)";
  if (m.type === "node") {
    const c = geo.cols[m.l];
    ctx.beginPath();
    ctx.arc(c.x, c.y[m.i], c.r + 8, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  const [a, c] = endpoints(geo, m);
  ctx.lineWidth = 11;
  ctx.lineCap = "round";
  ctx.beginPath();
  ctx.moveTo(a[0], a[1]);
  ctx.lineTo(c[0], c[1]);
  ctx.stroke();
}

/** What highlight() marks now, as the diagram names it ({type, l, i, j}), or null. */
export const highlighted = () => itemOf(mark);

// ----- test hooks --------------------------------------------------------------------------------------

/** The drawn style of weight W_{l+1}[i, j] (j of layer l + 1; b when i is "b"): value, colour, width. */
export function edge(l, i, j) {
  if (!layers || !layers[l]) return null;
  const v = i === "b" ? layers[l].b[j] : layers[l].W[i][j];
  const k = bucketOf(v);
  const colour = v > 0 ? "positive" : v < 0 ? "negative" : "zero";
  return { value: v, colour, width: v ? widthOf(k) : 0.8, alpha: v ? alphaOf(k) : 0.55 };
}

/** Edges drawn (weights + biases), and redraws so far. */
export const edgeCount = () => (layers
  ? layers.reduce((a, { W, b }) => a + W.length * (W[0]?.length || 0) + b.length, 0) : 0);
export const drawCount = () => draws;
/** The hover text shown now ("" when none). */
export const tipShown = () => (tip && !tip.hidden ? tip.textContent : "");
/** Where edge (l, i, j) crosses the middle of its gap, in page pixels (so a test can hover it). */
export function edgePoint(l, i, j, t = 0.5) {
  if (!geo) return null;
  const r = canvas.getBoundingClientRect();
  const [a, c] = endpoints(geo, i === "b" ? { type: "bias-edge", l, j } : { type: "edge", l, i, j });
  return { x: r.left + a[0] + t * (c[0] - a[0]), y: r.top + a[1] + t * (c[1] - a[1]) };
}
