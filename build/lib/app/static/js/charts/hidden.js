// Every hidden neuron's output over the input plane, as a thumbnail: one row per hidden layer, one small
// canvas per neuron (the server's n × n grid put straight into pixels, scaled smoothly by the browser).
// Colours: orange −, white 0, blue + (tanh on [−1, 1], sigmoid around ½, ReLU and identity scaled by the
// layer's largest value). With one input the thumbnails are the neurons' curves along x instead,
// computed here from the weights (a forward pass over a few dozen x).

import { diverging, sub } from "./network_theme.js";

const MIN_THUMB = 18;
const MAX_THUMB = 72;
const CURVE_POINTS = 64;

function scaleOf(act, layerMax) {
  if (act === "tanh") return (v) => v;
  if (act === "sigmoid") return (v) => 2 * v - 1;
  const m = layerMax > 0 ? layerMax : 1;
  return (v) => v / m;
}

function paintGrid(canvas, grid, f) {
  const ny = grid.length;
  const nx = grid[0]?.length || 0;
  if (canvas.width !== nx || canvas.height !== ny) {
    canvas.width = nx;
    canvas.height = ny;
  }
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(nx, ny);
  for (let j = 0; j < ny; j++) {
    const row = grid[j];
    const o0 = 4 * (ny - 1 - j) * nx; // x₂ grows upwards
    for (let i = 0; i < nx; i++) {
      const c = diverging(f(row[i]));
      const o = o0 + 4 * i;
      img.data[o] = c[0];
      img.data[o + 1] = c[1];
      img.data[o + 2] = c[2];
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

const ACT = {
  tanh: Math.tanh,
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  relu: (z) => (z > 0 ? z : 0),
  identity: (z) => z,
};

/** The hidden units' thumbnails in `container`: {reset, update, updateCurves, probes}. */
export function createHidden(container) {
  const el = container;
  let shape = null; // {sizes, activations, inputs, xRange}
  let thumbs = []; // per layer, per neuron: canvas
  let updates = 0;
  new ResizeObserver(() => fit()).observe(el);

  /** A new architecture: rows of empty thumbnails. `shape`: {sizes, activations, inputs, xRange}. */
  function reset(newShape) {
    shape = newShape;
    el.innerHTML = "";
    thumbs = [];
    const hiddenSizes = shape.sizes.slice(1, -1);
    if (!hiddenSizes.length) {
      el.innerHTML = '<p class="net-empty">No hidden layer: this network is a perceptron (logistic regression when '
        + "its head is a sigmoid). Add a hidden layer to see what its neurons learn.</p>";
      return;
    }
    hiddenSizes.forEach((n, l) => {
      const row = document.createElement("div");
      row.className = "net-hidden-row";
      const head = document.createElement("div");
      head.className = "net-hidden-label";
      head.innerHTML = `<b>hidden ${l + 1}</b><span>${shape.activations[l] || ""}</span>`;
      const cells = document.createElement("div");
      cells.className = "net-hidden-cells";
      const list = [];
      for (let i = 0; i < n; i++) {
        const c = document.createElement("canvas");
        c.width = 2;
        c.height = 2;
        c.title = `h${sub(l + 1)},${sub(i + 1)}: neuron ${i + 1} of hidden layer ${l + 1} (${
          shape.activations[l] || ""})`;
        cells.append(c);
        list.push(c);
      }
      row.append(head, cells);
      el.append(row);
      thumbs.push(list);
    });
    fit();
  }

  /** The largest thumbnail size at which every row fits the area without scrolling (scroll below the minimum). */
  function fit() {
    if (!thumbs.length) return;
    const cells = el.querySelector(".net-hidden-cells");
    const style = getComputedStyle(el);
    const W = cells ? cells.clientWidth : el.clientWidth - 90;
    const H = el.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    const gap = 4;
    const rowGap = 6;
    let size = MAX_THUMB;
    for (; size > MIN_THUMB; size -= 1) {
      const perRow = Math.max(1, Math.floor((W + gap) / (size + gap)));
      const height = thumbs.reduce((h, list) => h + Math.ceil(list.length / perRow) * (size + gap) - gap + rowGap, 0);
      if (height <= H) break;
    }
    el.style.setProperty("--thumb", `${size}px`);
  }



  /** New hidden-unit grids from the server: {x, y, layers: [[grid per neuron], ...]}. */
  function update(hidden) {
    if (!hidden || !hidden.layers || hidden.layers.length !== thumbs.length) return;
    updates += 1;
    hidden.layers.forEach((grids, l) => {
      if (grids.length !== thumbs[l].length) return;
      let m = 0;
      for (const g of grids) for (const row of g) for (const v of row) if (Math.abs(v) > m) m = Math.abs(v);
      const f = scaleOf(shape.activations[l], m);
      grids.forEach((g, i) => paintGrid(thumbs[l][i], g, f));
    });
  }


  /** One input: each hidden neuron's output along x, from the weights [{W, b}] (computed here). */
  function updateCurves(layers) {
    if (!shape || shape.inputs !== 1 || !layers || !thumbs.length) return;
    updates += 1;
    const [x0, x1] = shape.xRange || [-3, 3];
    let a = Array.from({ length: CURVE_POINTS }, (_, k) => [x0 + ((x1 - x0) * k) / (CURVE_POINTS - 1)]);
    for (let l = 0; l < thumbs.length; l++) {
      const { W, b } = layers[l];
      const f = ACT[shape.activations[l]] || Math.tanh;
      a = a.map((row) => b.map((bj, j) => f(row.reduce((s, v, i) => s + v * W[i][j], bj))));
      let m = 0;
      for (const row of a) for (const v of row) if (Math.abs(v) > m) m = Math.abs(v);
      thumbs[l].forEach((c, j) => drawCurve(c, a.map((row) => row[j]), shape.activations[l], m));
    }
  }

  function drawCurve(canvas, ys, act, layerMax) {
    const px = parseInt(getComputedStyle(el).getPropertyValue("--thumb"), 10) || 40;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(px * dpr);
    if (canvas.width !== w) {
      canvas.width = w;
      canvas.height = w;
    }
    const ctx = canvas.getContext("2d");
    const [lo, hi] = act === "tanh" ? [-1.05, 1.05] : act === "sigmoid" ? [-0.05, 1.05]
      : [-Math.max(layerMax, 1e-9) * 1.05, Math.max(layerMax, 1e-9) * 1.05];
    const Y = (v) => w - ((v - lo) / (hi - lo)) * w;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, w, w);
    ctx.strokeStyle = "#dee2e6";
    ctx.lineWidth = dpr;
    ctx.beginPath();
    ctx.moveTo(0, Y(0));
    ctx.lineTo(w, Y(0));
    ctx.stroke();
    ctx.strokeStyle = "#1971c2";
    ctx.lineWidth = 1.6 * dpr;
    ctx.beginPath();
    ys.forEach((v, k) => {
      const x = (k / (ys.length - 1)) * w;
      if (k) ctx.lineTo(x, Y(v));
      else ctx.moveTo(x, Y(v));
    });
    ctx.stroke();
  }

  return {
    reset,
    update,
    updateCurves,
    /** Thumbnails shown, and updates drawn (test hooks). */
    probes: { thumbCount: () => thumbs.reduce((a, l) => a + l.length, 0), updateCount: () => updates },
  };
}
