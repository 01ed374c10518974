// The network drawn live on a canvas: one column of neurons per layer, every weight an edge coloured by
// its sign and as wide as its magnitude, and every bias as the weight of an edge from a "+1" node (the
// lecture's z₀ = 1), the output's too. Edges are stroked in a few batches (network_paint.js), so
// 8 × 64 neurons (~28k edges) redraw in a few milliseconds; hover finds the nearest node or edge and
// shows its current value, refreshed at every redraw.
//
// A click on an edge (or a bias edge) or a neuron calls hooks.onPick(item, {x, y}) with the item as pick() names
// it (null: a click beside them) and the click's position in the container (network_view.js edits the weight, or shows the neuron big).
//
// createDiagram(container, hooks) → {reset, update, draw, highlight, highlighted, probes}: each call is one diagram.

import { endpoints, pick, tipText, valueOf } from "./network_pick.js";
import {
  alphaOf, bucketOf, itemOf, layoutOf, paintEdges, paintHoverEdge, paintLabels, paintMark, paintNodes, weightScale,
  widthOf,
} from "./network_paint.js";

/** A diagram inside `container`. */
export function createDiagram(container, hooks = {}) {
  const el = container;
  el.classList.add("net-diagram");
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "The network: neurons by layer, edges coloured by the sign of their weight");
  const tip = document.createElement("div");
  tip.className = "net-tip";
  tip.hidden = true;
  el.append(canvas, tip);
  const ctx = canvas.getContext("2d");
  let size = { w: 0, h: 0, dpr: 1 };
  let shape = null; // {sizes, activations, head, inputs}
  let layers = null; // [{W, b}]
  let geo = null; // node positions per column, bias node per column
  let hover = null; // {type: "edge"|"node"|"bias", l, i, j}
  let scale = 1; // |w| drawn at full width
  let draws = 0;
  let mark = null; // the backprop row's id set by highlight(): drawn with a halo until cleared

  function resize() {
    const r = el.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    if (!r.width || !r.height) return;
    size = { w: r.width, h: r.height, dpr };
    canvas.width = Math.round(r.width * dpr);
    canvas.height = Math.round(r.height * dpr);
    canvas.style.width = `${r.width}px`;
    canvas.style.height = `${r.height}px`;
    geo = layoutOf(shape, size);
    draw();
  }

  /** Redraw everything (nodes, edges, labels, the hovered item). */
  function draw() {
    if (!size.w) return;
    draws += 1;
    ctx.setTransform(size.dpr, 0, 0, size.dpr, 0, 0);
    ctx.clearRect(0, 0, size.w, size.h);
    if (!geo) return;
    if (layers) {
      scale = weightScale(layers);
      paintEdges(ctx, geo, layers, scale);
    }
    const m = itemOf(geo, mark);
    if (m) paintMark(ctx, geo, m);
    if (hover && hover.type !== "node" && hover.type !== "bias" && layers) {
      paintHoverEdge(ctx, geo, hover, valueOf(layers, hover), scale);
    }
    paintNodes(ctx, geo, hover);
    paintLabels(ctx, geo, shape, size);
    if (hover) {
      tip.textContent = tipText(geo, layers, shape, hover);
      tip.hidden = false;
    }
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

  function onClick(ev) {
    if (!geo) return;
    const r = canvas.getBoundingClientRect();
    const h = pick(geo, layers, ev.clientX - r.left, ev.clientY - r.top);
    hooks.onPick?.(h && h.type !== "bias" ? h : null, { x: ev.clientX - r.left, y: ev.clientY - r.top });
  }

  new ResizeObserver(resize).observe(el);
  canvas.addEventListener("mousemove", onMove);
  canvas.addEventListener("click", onClick);
  canvas.addEventListener("mouseleave", () => {
    hover = null;
    tip.hidden = true;
    draw();
  });
  resize();

  return {
    /** A new architecture: sizes [inputs, ..., outputs], hidden activations and head. */
    reset(newShape, newLayers) {
      shape = newShape;
      layers = newLayers && newLayers.length === shape.sizes.length - 1 ? newLayers : null;
      hover = null;
      tip.hidden = true;
      scale = 1;
      geo = layoutOf(shape, size);
      draw();
    },
    /** New weights (same architecture). */
    update(newLayers) {
      if (!shape || !newLayers || newLayers.length !== shape.sizes.length - 1) return;
      layers = newLayers;
      draw();
    },
    draw,
    /** Highlight the node, edge or bias a backprop row names (null: none), with its value in the tip. */
    highlight(id) {
      mark = id || null;
      hover = itemOf(geo, mark);
      if (hover) {
        const [x, y] = hover.type === "node" ? [geo.cols[hover.l].x, geo.cols[hover.l].y[hover.i]]
          : endpoints(geo, hover).reduce((p, q) => [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2]);
        tip.style.left = `${Math.max(4, Math.min(x + 16, size.w - 190))}px`;
        tip.style.top = `${Math.max(4, Math.min(y + 12, size.h - 44))}px`;
      } else {
        tip.hidden = true;
      }
      draw();
    },
    /** What highlight() marks now, as the diagram names it ({type, l, i, j}), or null. */
    highlighted: () => itemOf(geo, mark),
    probes: {
      /** The drawn style of weight W_{l+1}[i, j] (j of layer l + 1; b when i is "b"): value, colour, width. */
      edge(l, i, j) {
        if (!layers || !layers[l]) return null;
        const v = i === "b" ? layers[l].b[j] : layers[l].W[i][j];
        const k = bucketOf(v, scale);
        const colour = v > 0 ? "positive" : v < 0 ? "negative" : "zero";
        return { value: v, colour, width: v ? widthOf(geo, k) : 0.8, alpha: v ? alphaOf(k) : 0.55 };
      },
      /** Edges drawn (weights + biases). */
      edgeCount: () => (layers ? layers.reduce((a, { W, b }) => a + W.length * (W[0]?.length || 0) + b.length, 0) : 0),
      drawCount: () => draws,
      /** The hover text shown now ("" when none). */
      tipShown: () => (!tip.hidden ? tip.textContent : ""),
      /** Where neuron i of column l is drawn, in page pixels (so a test can click it). */
      nodePoint(l, i) {
        if (!geo) return null;
        const r = canvas.getBoundingClientRect();
        return { x: r.left + geo.cols[l].x, y: r.top + geo.cols[l].y[i] };
      },
      /** Where edge (l, i, j) crosses the middle of its gap, in page pixels (so a test can hover it). */
      edgePoint(l, i, j, t = 0.5) {
        if (!geo) return null;
        const r = canvas.getBoundingClientRect();
        const [a, c] = endpoints(geo, i === "b" ? { type: "bias-edge", l, j } : { type: "edge", l, i, j });
        return { x: r.left + a[0] + t * (c[0] - a[0]), y: r.top + a[1] + t * (c[1] - a[1]) };
      },
    },
  };
}
