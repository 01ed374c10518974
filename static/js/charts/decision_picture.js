// The picture of a network's decision regions (decision.js lays it under the points): the server's grid
// upsampled bilinearly into pixels, each coloured by P(class 1) (one sigmoid output) or by its most likely
// class, stronger where the model is surer (softmax), with the boundaries drawn dark.

import { DECISION, classColour, rgbOf } from "./network_theme.js";

const PICTURE = [100, 240]; // the picture's pixels per side: the plot's size within these (the browser smooths the rest)
const EDGE = [33, 37, 41]; // the colour of the boundaries

/** 256 colours along a Plotly colour scale [[p, "#rrggbb"], ...]. */
function lut(scale) {
  const out = [];
  for (let k = 0; k < 256; k++) {
    const p = k / 255;
    let i = 1;
    while (i < scale.length - 1 && scale[i][0] < p) i++;
    const [p0, c0] = scale[i - 1];
    const [p1, c1] = scale[i];
    const f = (p - p0) / (p1 - p0 || 1);
    const a = rgbOf(c0);
    const b = rgbOf(c1);
    out.push([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f]);
  }
  return out;
}

const LUT = lut(DECISION);

/** Value of a grid (rows over y, columns over x) at fractional indices (u along x, v along y). */
export function bilinear(rows, u, v) {
  const i = Math.min(Math.floor(u), rows[0].length - 2);
  const j = Math.min(Math.floor(v), rows.length - 2);
  const fu = u - i;
  const fv = v - j;
  const r0 = rows[j];
  const r1 = rows[j + 1];
  return (r0[i] * (1 - fu) + r0[i + 1] * fu) * (1 - fv) + (r1[i] * (1 - fu) + r1[i + 1] * fu) * fv;
}

/** Class probabilities as one grid per class ([k][j][i]), whether they came that way or as [j][i][k]. */
function perClass(probs, nx, ny) {
  if (!Array.isArray(probs) || !probs.length) return null;
  if (probs.length === ny && Array.isArray(probs[0]?.[0]) && probs[0].length === nx) {
    const K = probs[0][0].length;
    return Array.from({ length: K }, (_, k) => probs.map((row) => row.map((p) => p[k])));
  }
  return probs[0]?.length === ny ? probs : null;
}

/** The regions of `grid` as a layout image of `side` px at most ({source, ...}), painted on `canvas`; null when
 * the grid holds no output. `mode`: "binary" | "softmax"; `classes`: how many. */
export function picture(canvas, grid, mode, classes, side) {
  const g = grid;
  if (!g || !g.x || g.x.length < 2 || !(g.z || g.label)) return null;
  const nx = g.x.length;
  const ny = g.y.length;
  const R = Math.round(Math.max(PICTURE[0], Math.min(PICTURE[1], side || 240)));
  canvas.width = R;
  canvas.height = R;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(R, R);
  const cls = new Int8Array(R * R); // the class (softmax) or the side of ½ (binary) of each pixel
  const strength = new Float32Array(R * R);
  const probs = mode === "softmax" ? perClass(g.probs, nx, ny) : null;
  for (let r = 0; r < R; r++) {
    const v = ((R - 1 - r + 0.5) / R) * (ny - 1); // row 0 of the picture is the top (largest x₂)
    for (let c = 0; c < R; c++) {
      const u = ((c + 0.5) / R) * (nx - 1);
      const o = r * R + c;
      if (mode === "binary") {
        const q = bilinear(g.z, u, v);
        const p = Number.isFinite(q) ? Math.max(0, Math.min(1, q)) : 0.5; // a diverged run's null outputs
        strength[o] = p;
        cls[o] = p >= 0.5 ? 1 : 0;
      } else if (probs) {
        let best = 0;
        let bestP = -1;
        for (let k = 0; k < probs.length; k++) {
          const p = bilinear(probs[k], u, v);
          if (p > bestP) { bestP = p; best = k; }
        }
        cls[o] = best;
        strength[o] = bestP;
      } else {
        cls[o] = g.label[Math.round(v)][Math.round(u)];
        strength[o] = g.confidence ? bilinear(g.confidence, u, v) : 1;
      }
    }
  }
  const rgb = Array.from({ length: Math.max(classes, 10) }, (_, k) => rgbOf(classColour(k)));
  const floor = 1 / Math.max(classes, 2);
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < R; c++) {
      const o = r * R + c;
      let col;
      if (mode === "binary") {
        col = LUT[Math.round(strength[o] * 255)];
      } else {
        const s = 0.12 + 0.5 * Math.max(0, Math.min(1, (strength[o] - floor) / (1 - floor)));
        const k = rgb[cls[o]] || rgb[0];
        col = [255 + (k[0] - 255) * s, 255 + (k[1] - 255) * s, 255 + (k[2] - 255) * s];
      }
      const a = 0.65 * edgeness(mode, cls, strength, o, c, r, R);
      const q = 4 * o;
      img.data[q] = col[0] + (EDGE[0] - col[0]) * a;
      img.data[q + 1] = col[1] + (EDGE[1] - col[1]) * a;
      img.data[q + 2] = col[2] + (EDGE[2] - col[2]) * a;
      img.data[q + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return {
    source: canvas.toDataURL(), xref: "x", yref: "y", x: g.x[0], y: g.y[ny - 1], sizex: g.x[nx - 1] - g.x[0],
    sizey: g.y[ny - 1] - g.y[0], sizing: "stretch", layer: "below",
  };
}

/** How much pixel o lies on a boundary (0 to 1): P = ½ crossed (binary, anti-aliased) or the class changing. */
function edgeness(mode, cls, p, o, c, r, R) {
  const right = c + 1 < R ? o + 1 : o;
  const below = r + 1 < R ? o + R : o;
  if (mode === "binary") {
    if (cls[right] === cls[o] && cls[below] === cls[o] && (c === 0 || cls[o - 1] === cls[o])
        && (r === 0 || cls[o - R] === cls[o])) return 0;
    const step = Math.max(Math.abs(p[right] - p[o]), Math.abs(p[below] - p[o]), 1e-9);
    return Math.max(0, Math.min(1, 1 - Math.abs(p[o] - 0.5) / step));
  }
  return cls[right] !== cls[o] || cls[below] !== cls[o] ? 1 : 0;
}

