// The figure of the cross-entropy vs quadratic view (loss_compare.js): both costs as surfaces in one 3-D plot,
// cross-entropy on top (it is never below the quadratic cost: −log p ≥ ½(1 − p)²), the two descent paths revealed
// step by step as a race, J against the step for both beside it, and the race in words.

/* global Plotly */

import { fmt } from "../format.js";
import { PLOT_CONFIG, axis, baseLayout } from "../charts/theme.js";
import { esc } from "./common.js";

const CE_SCALE = [[0, "#f8f9fa"], [0.5, "#adb5bd"], [1, "#343a40"]]; // the figure's black surface, on top
const Q_SCALE = [[0, "#fff5f5"], [0.5, "#ffa8a8"], [1, "#c92a2a"]]; // its red one, below
export const CE_PATH = "#1971c2";
export const Q_PATH = "#f59f00";
const RACE_MS = 4500; // the whole race, whatever the number of steps

/** The smallest round step (1, 2, 2.5 or 5 × 10ᵏ) whose `parts` multiples reach max. */
function roundStep(max, parts) {
  const raw = max / parts;
  const k = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * k).find((s) => s * parts >= max * (1 - 1e-9));
}

/**
 * Round ticks for the two J axes of the race chart, from 0 to each path's peak, with as many divisions on each so
 * their ticks share heights (Plotly would otherwise split the right axis like the left: 0.0272, 0.0545, …): the
 * number of divisions (3 to 8) that leaves the least empty space above the higher of the two curves.
 */
export function pairedTicks(maxCe, maxQ) {
  if (!(maxCe > 0) || !(maxQ > 0)) return { ce: { rangemode: "tozero" }, q: { rangemode: "tozero" } };
  let best = null;
  for (let parts = 3; parts <= 8; parts++) {
    const sC = roundStep(maxCe, parts);
    const sQ = roundStep(maxQ, parts);
    const waste = Math.max(1 - maxCe / (parts * sC), 1 - maxQ / (parts * sQ));
    if (!best || waste < best.waste - 1e-9) best = { parts, sC, sQ, waste };
  }
  const axisOf = (step) => ({ range: [0, best.parts * step * 1.0001], tickmode: "linear", tick0: 0, dtick: step });
  return { ce: axisOf(best.sC), q: axisOf(best.sQ) };
}

/** Draw into `el3d` (the surfaces) and `el2d` (J against the step); `onText(html)` gets the race in words. */
export function createFigure(el3d, el2d, onText) {
  let plot3d = null;
  let plot2d = null;
  let say = () => {};
  let data = null;
  let revealed = 0;
  let anim = null;
  plot3d = el3d;
  plot2d = el2d;
  say = onText;

  const finite = (v) => v !== null && Number.isFinite(v);

  function zRange(grid) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const row of grid) for (const v of row) if (finite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    return [lo, hi];
  }

  /** Draw `d` (GET …/loss-compare) in both plots, then race the two paths; `rev` keeps the user's camera. */
  function reset(d, rev) {
    data = d;
    const [, hiCe] = zRange(data.ce);
    const [loQ] = zRange(data.quadratic);
    const lift = (hiCe - Math.min(loQ, 0)) * 0.025; // paths float just above their surface
    const name = (w) => `${w.name}`;
    const surface = (z, scale, label, opacity) => ({
      type: "surface", x: data.w1, y: data.w2, z, colorscale: scale, showscale: false, opacity, name: label,
      contours: { x: { highlight: false }, y: { highlight: false }, z: { highlight: false } },
      lighting: { ambient: 0.8, diffuse: 0.5, specular: 0.05, roughness: 0.9 },
      hovertemplate: `${label}<br>${esc(name(data.indices.w1))} = %{x:.3g}<br>${esc(name(data.indices.w2))} = %{y:.3g}`
        + "<br>J = %{z:.4g}<extra></extra>",
    });
    const path = (colour) => ({ type: "scatter3d", mode: "lines", x: [], y: [], z: [], line: { color: colour, width: 7 },
      hoverinfo: "skip" });
    const head = (colour, label) => ({
      type: "scatter3d", mode: "markers", x: [], y: [], z: [], name: label,
      marker: { size: 5, color: colour, line: { color: "#ffffff", width: 1 } },
      hovertemplate: `${label}<br>J = %{customdata:.4g}<extra></extra>`, customdata: [],
    });
    const start = {
      type: "scatter3d", mode: "markers", x: [data.start[0], data.start[0]], y: [data.start[1], data.start[1]],
      z: [data.paths.ce[0]?.[2] + lift, data.paths.quadratic[0]?.[2] + lift],
      marker: { size: 4, color: "#ffffff", line: { color: "#212529", width: 2 } }, hovertemplate: "start<extra></extra>",
    };
    const ax = (text) => ({ title: { text, font: { size: 11 } }, gridcolor: "#dee2e6", backgroundcolor: "#ffffff",
      showbackground: true, tickfont: { size: 9 } });
    const layout = baseLayout({
      uirevision: rev,
      margin: { l: 0, r: 0, t: 0, b: 0 },
      scene: {
        xaxis: ax(`W₁ = ${data.indices.w1.name}`), yaxis: ax(`W₂ = ${data.indices.w2.name}`), zaxis: ax("cost J"),
        aspectmode: "manual", aspectratio: { x: 1, y: 1, z: 0.7 },
        // From the start's side of W₂: the cross-entropy path runs down the near face, the quadratic one under it.
        camera: { eye: { x: -1.35, y: 1.6, z: 0.85 }, center: { x: 0, y: 0, z: -0.1 } },
        dragmode: "turntable",
      },
    });
    data.lift = lift;
    Plotly.react(plot3d, [surface(data.ce, CE_SCALE, "cross-entropy", 0.8), surface(data.quadratic, Q_SCALE, "quadratic", 0.95),
      path(CE_PATH), path(Q_PATH), head(CE_PATH, "cross-entropy path"), head(Q_PATH, "quadratic path"), start],
    layout, PLOT_CONFIG);
    const ticks = pairedTicks(peak(data.paths.ce), peak(data.paths.quadratic));
    Plotly.react(plot2d, [
      { type: "scatter", mode: "lines", x: [], y: [], line: { color: CE_PATH, width: 2 }, name: "cross-entropy",
        hovertemplate: "step %{x}<br>cross-entropy J = %{y:.4g}<extra></extra>" },
      { type: "scatter", mode: "lines", x: [], y: [], yaxis: "y2", line: { color: Q_PATH, width: 2 }, name: "quadratic",
        hovertemplate: "step %{x}<br>quadratic J = %{y:.4g}<extra></extra>" },
    ], baseLayout({
      margin: { l: 48, r: 48, t: 6, b: 34 },
      xaxis: axis("gradient-descent step", { range: [0, Math.max(1, data.steps)] }),
      yaxis: axis("cross-entropy J", { color: CE_PATH, ...ticks.ce }),
      yaxis2: axis("quadratic J", { overlaying: "y", side: "right", color: "#b07b00", showgrid: false, ...ticks.q }),
    }), PLOT_CONFIG);
    race();
  }

  /** Stop the race where it is. */
  function stop() {
    if (anim) cancelAnimationFrame(anim.raf);
    anim = null;
  }

  /** Reveal both paths from the start, step by step, in RACE_MS. */
  function race() {
    if (!data) return;
    stop();
    const count = n();
    const t0 = performance.now();
    let next = 0;
    const tick = (now) => {
      const k = Math.min(count, 1 + Math.floor(((now - t0) / RACE_MS) * count));
      if (now >= next || k === count) {
        // WebGL redraws are costly (in software, very): the next waits 3 × as long as this one took.
        const s0 = performance.now();
        reveal(k);
        next = s0 + Math.max(45, 3 * (performance.now() - s0));
      }
      if (k < count) anim = { raf: requestAnimationFrame(tick) };
      else anim = null;
    };
    anim = { raf: requestAnimationFrame(tick) };
  }

  function reveal(k) {
    revealed = k;
    const cut = (P) => P.slice(0, k).filter((r) => finite(r[2]));
    const ce = cut(data.paths.ce);
    const q = cut(data.paths.quadratic);
    const lift = data.lift;
    const col = (P, i, add = 0) => P.map((r) => r[i] + add);
    const lastOf = (P) => (P.length ? [P[P.length - 1]] : []);
    Plotly.restyle(plot3d, {
      x: [col(ce, 0), col(q, 0), col(lastOf(ce), 0), col(lastOf(q), 0)],
      y: [col(ce, 1), col(q, 1), col(lastOf(ce), 1), col(lastOf(q), 1)],
      z: [col(ce, 2, lift), col(q, 2, lift), col(lastOf(ce), 2, lift), col(lastOf(q), 2, lift)],
      customdata: [null, null, col(lastOf(ce), 2), col(lastOf(q), 2)],
    }, [2, 3, 4, 5]);
    Plotly.restyle(plot2d, { x: [ce.map((_, i) => i), q.map((_, i) => i)], y: [col(ce, 2), col(q, 2)] }, [0, 1]);
    const from = (P) => fmt(P[0]?.[2], 3);
    const to = (P) => fmt(P[P.length - 1]?.[2], 3);
    const hc = halfWay(data.paths.ce);
    const hq = halfWay(data.paths.quadratic);
    const half = (h, P) => (h !== null && h < P.length ? `, half-way down after ${h} steps` : "");
    const done = k >= n();
    const stall = done && hc !== null && (hq === null || hq > 3 * Math.max(hc, 1));
    say(`From the same start (W₁, W₂) = (${fmt(data.start[0], 3)}, ${fmt(data.start[1], 3)}), ${Math.max(0, k - 1)}
      of ${data.steps} steps with γ = ${fmt(data.lr)}:<br>
      <b style="color:${CE_PATH}">cross-entropy</b> J ${from(ce)} → ${to(ce)}${half(hc, ce)};<br>
      <b style="color:#b07b00">quadratic</b> J ${from(q)} → ${to(q)}${half(hq, q)}.
      ${stall ? "<br>The quadratic path lingers on its plateau, where the output saturates: its gradient carries the factor "
        + "y(1 − y) ≈ 0, which the cross-entropy's g<sub>b</sub> = y − y* does not." : ""}`);
  }

  const n = () => Math.max(data.paths.ce.length, data.paths.quadratic.length);
  const peak = (P) => Math.max(0, ...P.map((r) => r[2]).filter(finite));

  /** Steps until half of a path's whole drop in J (null when it does not go down): a plateau shows as a late one. */
  function halfWay(P) {
    const J0 = P[0]?.[2];
    const J1 = P[P.length - 1]?.[2];
    if (!finite(J0) || !finite(J1) || !(J1 < J0)) return null;
    const i = P.findIndex((r) => finite(r[2]) && r[2] <= (J0 + J1) / 2);
    return i >= 0 ? i : null;
  }

  /** Steps revealed so far, and in all (test hooks). */
  const shown = () => revealed;
  const total = () => (data ? n() : 0);

  return { reset, stop, race, shown, total };
}
