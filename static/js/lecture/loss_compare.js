// Cross-entropy vs quadratic cost, the lecture's Figure 5 (Glorot & Bengio, 2010): both costs over one weight of
// the first layer (W1) and one of the output layer (W2), all other weights held, in one 3-D plot. Cross-entropy
// is never below the quadratic cost (−log p ≥ ½(1 − p)²), so on one axis its surface lies on top. Gradient descent
// on each from the same start, revealed step by step as a race: the quadratic path stalls on its plateau.

/* global Plotly */

import * as S from "../state.js";
import * as socket from "../socket.js";
import { fmt } from "../format.js";
import { PLOT_CONFIG, axis, baseLayout } from "../charts/theme.js";
import { autoResize, esc, isNetwork } from "./common.js";

export const id = "compare";
export const title = "CE vs quadratic";
export const mode = "full";

const CE_SCALE = [[0, "#f8f9fa"], [0.5, "#adb5bd"], [1, "#343a40"]]; // the figure's black surface, on top
const Q_SCALE = [[0, "#fff5f5"], [0.5, "#ffa8a8"], [1, "#c92a2a"]]; // its red one, below
const CE_PATH = "#1971c2";
const Q_PATH = "#f59f00";
const RACE_MS = 4500; // the whole race, whatever the number of steps

let root = null;
let plot3d = null;
let plot2d = null;
let params = { w1: 0, w2: 0, span: 8, steps: 200, lr: 1 };
let data = null;
let source = ""; // "run" or "default"
let shown = 0; // steps revealed
let anim = null;
let loadedFor = null; // "default", or "<run id>@<t>" of the run's network the surfaces are computed for
let seq = 0; // requests made: an answer to an older one is dropped
let error = "";
let ready = false;

/** Build the view in `el`. */
export function mount(el) {
  root = el;
  el.innerHTML = `
    <div class="lec-toolbar">
      <span class="lec-source" data-cmp="source"></span>
      <label class="lec-field">W₁ <select class="small-select" data-cmp="w1" data-testid="cmp-w1"></select></label>
      <label class="lec-field">W₂ <select class="small-select" data-cmp="w2" data-testid="cmp-w2"></select></label>
      <label class="lec-field">± <input type="text" inputmode="decimal" class="num small" data-cmp="span" spellcheck="false"
        aria-label="half width of the weight grid"></label>
      <label class="lec-field">γ <input type="text" inputmode="decimal" class="num small" data-cmp="lr" spellcheck="false"
        aria-label="learning rate of both paths"></label>
      <label class="lec-field">steps <input type="text" inputmode="numeric" class="num small" data-cmp="steps"
        spellcheck="false" aria-label="gradient-descent steps of each path"></label>
      <button type="button" class="btn btn-small" data-cmp="race" data-testid="cmp-race">▶ race again</button>
    </div>
    <div class="cmp-grid">
      <div class="plot cmp-3d" data-testid="cmp-3d"></div>
      <aside class="cmp-side">
        <div class="cmp-legend">
          <span><i class="sw" style="background:#495057"></i>cross-entropy surface (top)</span>
          <span><i class="sw" style="background:#e03131"></i>quadratic surface (below)</span>
          <span><i class="ln" style="background:${CE_PATH}"></i>descent on cross-entropy</span>
          <span><i class="ln" style="background:${Q_PATH}"></i>descent on quadratic</span>
        </div>
        <p class="cmp-summary" data-cmp="summary" data-testid="cmp-summary"></p>
        <div class="plot cmp-2d" data-testid="cmp-2d"></div>
      </aside>
    </div>`;
  plot3d = el.querySelector(".cmp-3d");
  plot2d = el.querySelector(".cmp-2d");
  autoResize(plot3d);
  autoResize(plot2d);
  const num = (name, ok) => {
    const input = el.querySelector(`[data-cmp="${name}"]`);
    input.addEventListener("change", () => {
      const v = Number(input.value.replaceAll("−", "-"));
      if (!ok(v)) {
        input.classList.add("invalid");
        return;
      }
      input.classList.remove("invalid");
      params[name] = v;
      reload();
    });
  };
  num("span", (v) => v > 0 && v <= 100);
  num("lr", (v) => v > 0 && v <= 1000);
  num("steps", (v) => Number.isInteger(v) && v >= 0 && v <= 2000);
  for (const w of ["w1", "w2"]) {
    el.querySelector(`[data-cmp="${w}"]`).addEventListener("change", (ev) => {
      params[w] = Number(ev.target.value);
      reload();
    });
  }
  el.querySelector('[data-cmp="race"]').addEventListener("click", race);
}

/** Lesson hints: {w1, w2, span, steps, lr}. */
export function setParams(hints) {
  for (const k of Object.keys(params)) if (Number.isFinite(hints?.[k])) params[k] = hints[k];
}

/** Whether the run's own network can be drawn (as the server takes it): one hidden layer, a probability head. */
function runUsable(state) {
  const p = state?.problem;
  return isNetwork(state) && p.layers?.length === 3 && ["sigmoid", "softmax"].includes(p.head); // one hidden layer
}

export function open() {
  syncInputs();
  const st = S.run.state;
  const want = runUsable(st) ? `${S.run.id}@${st.t}` : "default";
  if (!data || loadedFor !== want) reload();
  else window.dispatchEvent(new Event("resize"));
}

export function close() {
  stop();
}

export function onRun() {
  if (loadedFor !== "default") loadedFor = null;
}

/** The run paused, stopped or was reset: its weights are settled, the surfaces are redrawn through them. */
export function onState(state, prev) {
  if (!runUsable(state)) {
    if (loadedFor !== "default") reload(); // a run without such a network: the figure's own
    return;
  }
  const here = `${S.run.id}@${state.t}`;
  if (!loadedFor?.startsWith(`${S.run.id}@`)) reload(); // the run's own network, the first time
  else if (state.status !== "running" && prev && (prev.status !== state.status || prev.t !== state.t) && loadedFor !== here) {
    reload(); // paused, stepped or reset: the surfaces through its weights now
  }
}

function syncInputs() {
  if (!root) return;
  for (const k of ["span", "lr", "steps"]) root.querySelector(`[data-cmp="${k}"]`).value = String(params[k]);
}

async function reload() {
  if (!root) return;
  stop();
  const st = S.run.state;
  const useRun = runUsable(st);
  const runId = useRun ? S.run.id : null;
  const tag = useRun ? `${runId}@${st.t}` : "default";
  loadedFor = tag;
  const my = ++seq;
  summary("computing both surfaces…");
  try {
    const out = await socket.fetchLossCompare(runId, { ...params, n: 41 });
    if (my !== seq) return;
    data = out;
    source = useRun ? "run" : "default";
    error = "";
  } catch (err) {
    if (my !== seq) return;
    error = err.message || String(err);
    // A weight index the new network lacks: back to the first weights.
    if (params.w1 || params.w2) { params.w1 = 0; params.w2 = 0; }
    summary(`The server did not give the surfaces: ${esc(error)}`);
    return;
  }
  menus();
  draw();
  race();
}

function menus() {
  const L = data.layers.length - 1;
  const opts = (layer, which) => {
    const nIn = data.layers[layer - 1];
    const nOut = data.layers[layer];
    const sub = (k) => String(k).split("").map((c) => "₀₁₂₃₄₅₆₇₈₉"[c]).join("");
    const from = (i) => (layer === 1 ? `x${sub(i + 1)}` : `h${sub(i + 1)}`);
    const to = (j) => (layer === L ? (nOut === 1 ? "y" : `y${sub(j + 1)}`) : `h${sub(j + 1)}`);
    const out = [];
    for (let k = 0; k < nIn * nOut; k++) {
      const i = Math.floor(k / nOut);
      const j = k % nOut;
      out.push(`<option value="${k}"${k === params[which] ? " selected" : ""}>${from(i)} → ${to(j)}</option>`);
    }
    return out.join("");
  };
  root.querySelector('[data-cmp="w1"]').innerHTML = opts(1, "w1");
  root.querySelector('[data-cmp="w2"]').innerHTML = opts(L, "w2");
  const net = `[${data.layers.join(", ")}] · ${data.head}`;
  root.querySelector('[data-cmp="source"]').innerHTML = source === "run"
    ? `this run's network <b>${esc(net)}</b> at t = ${S.run.state?.t ?? 0}, other weights held`
    : `the figure's small network <b>${esc(net)}</b>, other weights held`;
}

const finite = (v) => v !== null && Number.isFinite(v);

function zRange(grid) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of grid) for (const v of row) if (finite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return [lo, hi];
}

function draw() {
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
  ready = true;
  const ax = (text) => ({ title: { text, font: { size: 11 } }, gridcolor: "#dee2e6", backgroundcolor: "#ffffff",
    showbackground: true, tickfont: { size: 9 } });
  const layout = baseLayout({
    uirevision: `${source}|${data.layers}`,
    margin: { l: 0, r: 0, t: 0, b: 0 },
    scene: {
      xaxis: ax(`W₁ = ${data.indices.w1.name}`), yaxis: ax(`W₂ = ${data.indices.w2.name}`), zaxis: ax("cost J"),
      aspectmode: "manual", aspectratio: { x: 1, y: 1, z: 0.7 },
      camera: { eye: { x: -1.6, y: -1.35, z: 0.85 }, center: { x: 0, y: 0, z: -0.1 } },
      dragmode: "turntable",
    },
  });
  data.lift = lift;
  Plotly.react(plot3d, [surface(data.ce, CE_SCALE, "cross-entropy", 0.82), surface(data.quadratic, Q_SCALE, "quadratic", 0.95),
    path(CE_PATH), path(Q_PATH), head(CE_PATH, "cross-entropy path"), head(Q_PATH, "quadratic path"), start],
  layout, PLOT_CONFIG);
  Plotly.react(plot2d, [
    { type: "scatter", mode: "lines", x: [], y: [], line: { color: CE_PATH, width: 2 }, name: "cross-entropy",
      hovertemplate: "step %{x}<br>cross-entropy J = %{y:.4g}<extra></extra>" },
    { type: "scatter", mode: "lines", x: [], y: [], yaxis: "y2", line: { color: Q_PATH, width: 2 }, name: "quadratic",
      hovertemplate: "step %{x}<br>quadratic J = %{y:.4g}<extra></extra>" },
  ], baseLayout({
    margin: { l: 48, r: 48, t: 6, b: 34 },
    xaxis: axis("gradient-descent step", { range: [0, Math.max(1, data.steps)] }),
    yaxis: axis("cross-entropy J", { color: CE_PATH, rangemode: "tozero" }),
    yaxis2: axis("quadratic J", { overlaying: "y", side: "right", color: "#b07b00", rangemode: "tozero", showgrid: false }),
  }), PLOT_CONFIG);
}

function stop() {
  if (anim) cancelAnimationFrame(anim.raf);
  anim = null;
}

/** Reveal both paths from the start, step by step, in RACE_MS. */
function race() {
  if (!data || !ready) return;
  stop();
  const n = Math.max(data.paths.ce.length, data.paths.quadratic.length);
  const t0 = performance.now();
  let next = 0;
  const tick = (now) => {
    const k = Math.min(n, 1 + Math.floor(((now - t0) / RACE_MS) * n));
    if (now >= next || k === n) {
      // WebGL redraws are costly (in software, very): the next waits 3 × as long as this one took.
      const s0 = performance.now();
      reveal(k);
      next = s0 + Math.max(45, 3 * (performance.now() - s0));
    }
    if (k < n) anim = { raf: requestAnimationFrame(tick) };
    else anim = null;
  };
  anim = { raf: requestAnimationFrame(tick) };
}

function reveal(k) {
  shown = k;
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
  summary(`From the same start (W₁, W₂) = (${fmt(data.start[0], 3)}, ${fmt(data.start[1], 3)}), ${Math.max(0, k - 1)}
    of ${data.steps} steps with γ = ${fmt(data.lr)}:<br>
    <b style="color:${CE_PATH}">cross-entropy</b> J ${from(ce)} → ${to(ce)}${half(hc, ce)};<br>
    <b style="color:#b07b00">quadratic</b> J ${from(q)} → ${to(q)}${half(hq, q)}.
    ${stall ? "<br>The quadratic path lingers on its plateau, where the output saturates: its gradient carries the factor "
      + "y(1 − y) ≈ 0, which the cross-entropy's g<sub>b</sub> = y − y* does not." : ""}`);
}

const n = () => Math.max(data.paths.ce.length, data.paths.quadratic.length);

/** Steps until half of a path's whole drop in J (null when it does not go down): a plateau shows as a late one. */
function halfWay(P) {
  const J0 = P[0]?.[2];
  const J1 = P[P.length - 1]?.[2];
  if (!finite(J0) || !finite(J1) || !(J1 < J0)) return null;
  const i = P.findIndex((r) => finite(r[2]) && r[2] <= (J0 + J1) / 2);
  return i >= 0 ? i : null;
}

function summary(html) {
  if (root) root.querySelector('[data-cmp="summary"]').innerHTML = html;
}

/** Read-only numbers for the browser tests. */
export const probes = {
  surfaces: () => (plot3d?.data || []).filter((t) => t.type === "surface" && t.z?.length > 1).length,
  surfaceNames: () => (plot3d?.data || []).filter((t) => t.type === "surface").map((t) => t.name),
  shown: () => shown,
  steps: () => (data ? Math.max(data.paths.ce.length, data.paths.quadratic.length) : 0),
  source: () => source,
  ceAboveQuadratic() {
    if (!data) return null;
    return data.ce.every((row, j) => row.every((v, i) => !finite(v) || !finite(data.quadratic[j][i])
      || v >= data.quadratic[j][i] - 1e-12));
  },
};
