// The iteration table of the lecture: t | θ1 | θ2 | J, newest row on top, with ‖∇J‖ and the learning
// rate γ each step used. For random search the row is the guess θ̃ and J(θ̃), beside the best J so far.

import { cell, fmt } from "../format.js";
import { racerStates } from "../state.js";

const ROWS = 12;

/** Attach to a <table> element. */
export function createTable(table) {
  let racer = 0; // which racer the table shows
  let headKey = "";
  const el = table;
  el.createTHead();
  el.createTBody();

  /** Show racer k's steps. */
  function setRacer(k) {
    racer = k;
  }

  function isRandomSearch(run) {
    const st = racerStates()[racer];
    const h = run.history[racer];
    return st?.optimizer?.name === "random_search" || (h && h.guess.some((g) => g));
  }

  function header(rs) {
    const key = rs ? "rs" : "gd";
    if (key === headKey) return;
    headKey = key;
    const cols = rs
      ? ["t", "θ̃₁", "θ̃₂", "J(θ̃)", "best J"]
      : ["t", "θ₁", "θ₂", "J(θ)", "‖∇J‖", "γ"];
    const titles = rs
      ? ["iteration", "guess: intercept", "guess: slope", "loss of the guess", "smallest J so far"]
      : ["iteration", "intercept", "slope", "loss J(θ₁, θ₂)", "gradient norm", "learning rate used for this step"];
    el.tHead.innerHTML = `<tr>${cols.map((c, i) => `<th title="${titles[i]}">${c}</th>`).join("")}</tr>`;
  }

  /** Rewrite the rows from the history (cheap: at most ROWS rows). */
  function render(run) {
    if (!el) return;
    const h = run.history[racer];
    const rs = isRandomSearch(run);
    header(rs);
    if (!h || !h.t.length) {
      el.tBodies[0].innerHTML = `<tr class="empty"><td colspan="6">no steps yet: press play or step</td></tr>`;
      return;
    }
    const n = h.t.length;
    const rows = [];
    for (let i = n - 1; i >= Math.max(0, n - ROWS); i--) {
      if (rs) {
        const g = h.guess[i];
        const better = g && h.guess_loss[i] !== null && h.guess_loss[i] === h.loss[i];
        rows.push(`<tr${better ? ' class="best"' : ""}><td>${h.t[i]}</td>`
          + `<td>${g ? cell(g[0]) : cell(h.p1[i])}</td><td>${g ? cell(g[1]) : cell(h.p2[i])}</td>`
          + `<td>${cell(g ? h.guess_loss[i] : h.loss[i])}</td><td>${cell(h.loss[i])}</td></tr>`);
      } else {
        const lrChanged = i > 0 && h.lr[i] !== null && h.lr[i - 1] !== null && h.lr[i] !== h.lr[i - 1];
        rows.push(`<tr><td>${h.t[i]}</td><td>${cell(h.p1[i])}</td><td>${cell(h.p2[i])}</td>`
          + `<td>${cell(h.loss[i])}</td><td>${fmt(h.grad_norm[i], 3)}</td>`
          + `<td${lrChanged ? ' class="changed"' : ""}>${h.lr[i] === null ? "–" : fmt(h.lr[i], 3)}</td></tr>`);
      }
    }
    el.tBodies[0].innerHTML = rows.join("");
  }

  /** Rows shown (test hook). */
  function rowCount() {
    return el ? el.tBodies[0].querySelectorAll("tr:not(.empty)").length : 0;
  }

  /** The newest row's cells as text (test hook). */
  function newestRow() {
    const tr = el?.tBodies[0]?.querySelector("tr:not(.empty)");
    return tr ? [...tr.cells].map((c) => c.textContent) : [];
  }

  return { setRacer, render, probes: { rowCount, newestRow } };
}
