// Random guessing vs gradient descent, the lecture's first comparison as one view: the two racing on the same
// linear-regression problem, each with its table (t, θ1, θ2, J) and the best J so far against the number of
// evaluations of J, on log scales. Random search evaluates J once per guess; descent evaluates J (and ∇J) once
// per step: after t steps each has evaluated J t + 1 times (θ⁽⁰⁾ included).

/* global Plotly */

import * as S from "../state.js";
import { cell, fmt } from "../format.js";
import { PLOT_CONFIG, axis, baseLayout, racerColour } from "../charts/theme.js";
import { autoResize, esc, logTicks } from "./common.js";

export const id = "guess";
export const title = "Guess vs descent";
export const mode = "split"; // the parameter plot stays beside it, with both paths and the guesses

const ROWS = 14;
const MAX_POINTS = 600; // best-J points drawn per racer (log-spaced when the run is longer)
const REDRAW_MS = 150; // at most this often, and never more than a fifth of the time (paced by the last redraw)

/** The view in `el` (hooks from lecture/index.js): {open, close, onRun, onState, probes}. */
export function create(el, h) {
  const root = el;
  const hooks = h;
  let plot = null;
  let timer = null;
  let nextDraw = 0;
  let key = "";
  let drawn = { rs: 0, gd: 0 };
  el.innerHTML = `
    <div class="guess-empty lec-empty" data-g="empty" hidden></div>
    <div class="guess-body" data-g="body">
      <div class="plot guess-plot" data-testid="guess-plot"></div>
      <p class="guess-summary" data-g="summary" data-testid="guess-summary"></p>
      <div class="guess-tables">
        <div class="guess-table"><h4 data-g="h-rs"></h4><div class="table-wrap"><table class="iter-table"
          data-g="t-rs" data-testid="guess-table-rs"></table></div></div>
        <div class="guess-table"><h4 data-g="h-gd"></h4><div class="table-wrap"><table class="iter-table"
          data-g="t-gd" data-testid="guess-table-gd"></table></div></div>
      </div>
    </div>`;
  plot = el.querySelector(".guess-plot");
  autoResize(plot);
  el.addEventListener("click", (ev) => {
    if (ev.target.closest("[data-g-race]")) {
      hooks.startRace?.([{ name: "gd", lr: 0.1, label: "gradient descent" },
        { name: "random_search", label: "random guessing" }]);
    }
  });

  /** Racer indices {rs, gd}: the first random search and the first racer that follows the gradient. */
  function pair() {
    const racers = S.racerStates();
    const rs = racers.findIndex((r) => r.optimizer?.name === "random_search");
    const gd = racers.findIndex((r) => r.optimizer?.name && r.optimizer.name !== "random_search");
    return rs >= 0 && gd >= 0 && S.run.state?.problem?.dim === 2 ? { rs, gd } : null;
  }

  function open() {
    key = "";
    redraw();
  }

  function close() {
    clearTimeout(timer);
    timer = null;
  }

  function onRun() {
    key = "";
  }

  function onState() {
    if (timer) return;
    const wait = Math.max(0, nextDraw - performance.now());
    timer = setTimeout(() => {
      timer = null;
      redraw();
    }, wait);
  }

  function showEmpty(p) {
    const empty = root.querySelector('[data-g="empty"]');
    empty.hidden = !!p;
    root.querySelector('[data-g="body"]').hidden = !p;
    if (p) return;
    const linear = S.config.kind === "linear_regression";
    empty.innerHTML = `<p><b>Method #0, random guessing:</b> pick a random θ, evaluate J(θ), keep the best. Against it,
      gradient descent, which evaluates J once per step too but moves against ∇J.</p>
      ${linear ? `<button type="button" class="btn btn-primary" data-g-race data-testid="guess-start">Race them on this data</button>`
        : `<a class="btn btn-primary" href="/?lesson=gradient-descent" data-testid="guess-start">Open the lesson on linear regression</a>`}`;
  }

  /** Best J so far against evaluations, thinned to MAX_POINTS log-spaced points. */
  function bestCurve(h) {
    const x = [];
    const y = [];
    let best = Infinity;
    const n = h.t.length;
    const keep = (i) => n <= MAX_POINTS || i === n - 1
      || Math.floor(Math.log1p(i) * (MAX_POINTS / Math.log1p(n))) !== Math.floor(Math.log1p(i + 1) * (MAX_POINTS / Math.log1p(n)));
    for (let i = 0; i < n; i++) {
      const J = h.loss[i];
      if (J !== null && J < best) best = J;
      if (keep(i) && Number.isFinite(best)) {
        x.push(h.t[i] + 1);
        y.push(best);
      }
    }
    return { x, y, best };
  }

  function redraw() {
    const t0 = performance.now();
    draw();
    const dt = performance.now() - t0;
    nextDraw = t0 + Math.max(REDRAW_MS, 5 * dt);
  }

  function draw() {
    if (!root) return;
    if (!S.run.state) return;
    const p = pair();
    showEmpty(p);
    if (!p) return;
    const racers = S.racerStates();
    const h = { rs: S.run.history[p.rs], gd: S.run.history[p.gd] };
    if (!h.rs || !h.gd) return;
    const label = (k) => esc(racers[k]?.optimizer?.label || `racer ${k + 1}`);
    const curves = { rs: bestCurve(h.rs), gd: bestCurve(h.gd) };
    const Jstar = S.run.state?.problem?.minimum_loss;
    const traces = ["rs", "gd"].map((w) => ({
      type: "scatter", mode: "lines", x: curves[w].x, y: curves[w].y, name: racers[p[w]]?.optimizer?.label || w,
      line: { color: racerColour(p[w]), width: 2.2, shape: w === "rs" ? "hv" : "linear" },
      hovertemplate: "%{x} evaluations<br>best J = %{y:.5g}<extra>%{fullData.name}</extra>",
    }));
    const xmax = Math.max(10, ...traces.map((t) => t.x[t.x.length - 1] || 1));
    if (Number.isFinite(Jstar)) {
      traces.push({ type: "scatter", mode: "lines", x: [1, xmax], y: [Jstar, Jstar], name: "J* (least squares)",
        line: { color: "#b08900", width: 1.2, dash: "dash" }, hovertemplate: `J* = ${fmt(Jstar, 4)}<extra></extra>` });
    }
    const k = `${S.run.generation}|${p.rs}|${p.gd}`;
    const layout = baseLayout({
      uirevision: k,
      margin: { l: 56, r: 14, t: 8, b: 40 },
      showlegend: true,
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1, yanchor: "bottom", font: { size: 11 } },
      xaxis: axis("evaluations of J (log scale)", { type: "log" }),
      yaxis: axis("best J so far (log scale)", { type: "log", ...yTicks(traces) }),
    });
    key = k;
    Plotly.react(plot, traces, layout, PLOT_CONFIG);
    drawn = { rs: h.rs.t.length, gd: h.gd.t.length };
    table("rs", h.rs, true);
    table("gd", h.gd, false);
    root.querySelector('[data-g="h-rs"]').innerHTML = `<i class="sw" style="background:${racerColour(p.rs)}"></i>${label(p.rs)}
      <span class="muted">each row a guess θ̃ and J(θ̃)</span>`;
    root.querySelector('[data-g="h-gd"]').innerHTML = `<i class="sw" style="background:${racerColour(p.gd)}"></i>${label(p.gd)}
      <span class="muted">θ ← θ − γ∇J(θ)</span>`;
    const ev = (hh) => hh.t.length ? hh.t[hh.t.length - 1] + 1 : 0;
    const gap = (b) => (Number.isFinite(Jstar) ? ` (J − J* = ${fmt(b - Jstar, 3)})` : "");
    root.querySelector('[data-g="summary"]').innerHTML = `After <b>${ev(h.rs)}</b> evaluations of J, ${label(p.rs)}
      has best J = <b>${fmt(curves.rs.best, 4)}</b>${gap(curves.rs.best)}; after <b>${ev(h.gd)}</b>, ${label(p.gd)} has
      J = <b>${fmt(curves.gd.best, 4)}</b>${gap(curves.gd.best)}.`;
  }

  /** Full labels on the J axis (Plotly's minor log labels read "5" for 0.5). */
  function yTicks(traces) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of traces) for (const v of t.y) if (v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    return logTicks(lo, hi);
  }

  function table(which, h, guesses) {
    const el = root.querySelector(`[data-g="t-${which}"]`);
    const head = guesses ? ["t", "θ̃₁", "θ̃₂", "J(θ̃)", "best J"] : ["t", "θ₁", "θ₂", "J(θ)"];
    const rows = [];
    for (let i = h.t.length - 1; i >= Math.max(0, h.t.length - ROWS); i--) {
      const g = guesses ? h.guess[i] : null;
      if (guesses) {
        const better = g && h.guess_loss[i] !== null && h.guess_loss[i] === h.loss[i];
        rows.push(`<tr${better ? ' class="best"' : ""}><td>${h.t[i]}</td><td>${cell(g ? g[0] : h.p1[i])}</td>
          <td>${cell(g ? g[1] : h.p2[i])}</td><td>${cell(g ? h.guess_loss[i] : h.loss[i])}</td><td>${cell(h.loss[i])}</td></tr>`);
      } else {
        rows.push(`<tr><td>${h.t[i]}</td><td>${cell(h.p1[i])}</td><td>${cell(h.p2[i])}</td><td>${cell(h.loss[i])}</td></tr>`);
      }
    }
    if (!rows.length) rows.push(`<tr class="empty"><td colspan="${head.length}">no steps yet: press play</td></tr>`);
    el.innerHTML = `<thead><tr>${head.map((c) => `<th>${c}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody>`;
  }

  /** Read-only numbers for the browser tests. */
  const probes = {
    active: () => !!pair(),
    drawn: () => ({ ...drawn }),
    tableRows: (which) => root?.querySelectorAll(`[data-g="t-${which}"] tbody tr:not(.empty)`).length ?? 0,
    logAxes: () => [plot?.layout?.xaxis?.type, plot?.layout?.yaxis?.type],
  };

  return { open, close, onRun, onState, probes };
}
