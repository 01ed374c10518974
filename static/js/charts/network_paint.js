// The network diagram's drawing, as pure functions of what it shows (network_diagram.js keeps the state):
// where every node sits, the edges stroked in a few batches (sign × width bucket), the nodes, the labels,
// and the halo of a marked item.

import { NEG, POS, sub } from "./network_theme.js";
import { endpoints } from "./network_pick.js";

export const BUCKETS = 6; // width buckets per sign
export const PAD = { l: 30, r: 34, t: 30, b: 34 };

/** Node positions per column and the bias node of each column, for `shape` in a `size` box (null: none). */
export function layoutOf(shape, size) {
  if (!shape || !size.w) return null;
  const { sizes } = shape;
  const L = sizes.length;
  // Named inputs (CSV columns, x1²) need room for their labels on the left.
  const longest = Math.max(0, ...(shape.names || []).map((n) => Math.min(n.length, 9)));
  const x0 = PAD.l + 16 + Math.max(0, longest * 6 - 20);
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
  return { cols, bias, maxWidth: Math.max(1.2, Math.min(6, thinnest * 0.45)) };
}

/** The 98th percentile of |w|: one huge weight does not make every other edge a hairline. */
export function weightScale(layers) {
  const vals = [];
  for (const { W, b } of layers) {
    for (const row of W) for (const v of row) vals.push(Math.abs(v));
    for (const v of b) vals.push(Math.abs(v));
  }
  if (!vals.length) return 1;
  vals.sort((a, c) => a - c);
  return Math.max(vals[Math.floor(0.98 * (vals.length - 1))], 1e-6);
}

export function bucketOf(v, scale) {
  const m = Math.min(1, Math.abs(v) / scale);
  return Math.min(BUCKETS - 1, Math.floor(m * BUCKETS));
}

export const widthOf = (geo, k) => 0.35 + ((geo.maxWidth - 0.35) * (k + 1)) / BUCKETS;
export const alphaOf = (k) => 0.22 + (0.7 * (k + 1)) / BUCKETS;
const rgba = (c, a) => `rgba(${c[0]},${c[1]},${c[2]},${a})`;

/** Every weight and bias as an edge. */
export function paintEdges(ctx, geo, layers, scale) {
  const { cols, bias } = geo;
  ctx.lineCap = "round";
  layers.forEach(({ W, b }, l) => {
    // paths[sign][bucket]: every edge of that style in one path, stroked once. Dense gaps (64 × 64
    // edges) are drawn fainter and thinner, so they read as a texture rather than a solid block.
    // A weight of exactly 0 (zeros initialisation) is a grey dashed hairline: there, but carrying nothing.
    const paths = [0, 1].map(() => Array.from({ length: BUCKETS }, () => new Path2D()));
    const zero = new Path2D();
    const pathOf = (v) => (v === 0 || v === null ? zero : paths[v > 0 ? 1 : 0][bucketOf(v, scale)]);
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
        ctx.lineWidth = widthOf(geo, k) * (0.5 + 0.5 * dense);
        ctx.stroke(paths[s][k]);
      }
    }
  });
}

/** The hovered edge, drawn over the others. */
export function paintHoverEdge(ctx, geo, hover, v, scale) {
  const [a, c] = endpoints(geo, hover);
  ctx.strokeStyle = "rgba(33,37,41,0.85)";
  ctx.lineWidth = widthOf(geo, bucketOf(v, scale)) + 3;
  ctx.beginPath();
  ctx.moveTo(a[0], a[1]);
  ctx.lineTo(c[0], c[1]);
  ctx.stroke();
  ctx.strokeStyle = rgba(v >= 0 ? POS : NEG, 1);
  ctx.lineWidth = widthOf(geo, bucketOf(v, scale)) + 0.5;
  ctx.stroke();
}

export function paintNodes(ctx, geo, hover) {
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

export function paintLabels(ctx, geo, shape, size) {
  const { cols } = geo;
  const last = cols.length - 1;
  ctx.font = "11px Inter, 'Segoe UI', system-ui, sans-serif";
  ctx.fillStyle = "#495057";
  ctx.textBaseline = "middle";
  const inputs = cols[0];
  if (inputs.s >= 12) {
    ctx.textAlign = "right";
    const names = shape.names || [];
    const short = (t) => (t.length > 9 ? `${t.slice(0, 8)}…` : t);
    const name = (i) => (names[i] ? short(names[i]) : inputs.y.length === 1 ? "x" : `x${sub(i + 1)}`);
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

/** The diagram item a backprop row names: {kind: "node"|"edge"|"bias"|"loss", layer, unit, from, to}. */
export function itemOf(geo, id) {
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

/** A soft halo under the marked node or edge. */
export function paintMark(ctx, geo, m) {
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
