// The leaderboard of a race: per racer its colour, label, steps taken, J, ‖∇J‖ and status with when it
// converged or diverged (from its stop_reason), sorted by J (diverged racers last). Rewritten only when
// what it shows changed, so calling render() every animation frame is cheap.

import { cell, fmt } from "../format.js";
import { racerColour } from "./theme.js";

const TERMINAL = ["converged", "diverged", "stopped"];
const WORDS = { ready: "ready", running: "running", paused: "paused", converged: "converged", diverged: "diverged",
  stopped: "stopped" };

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));

/** Attach to a <table>; hooks: onPick(k) when a racer's row is clicked. */
export function createLeaderboard(table, h = {}) {
  let hooks = {};
  let shown = "";
  let rows = 0;
  const el = table;
  hooks = h;
  el.createTHead().innerHTML = `<tr><th class="lb-name">racer <span class="lb-hint">· status</span></th>`
    + `<th title="steps taken">t</th><th title="loss J(θₜ)">J</th>`
    + `<th title="gradient norm ‖∇J(θₜ)‖">‖∇J‖</th></tr>`;
  el.createTBody();
  el.addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr[data-racer]");
    if (tr) hooks.onPick?.(Number(tr.dataset.racer));
  });

  function rankKey(r) {
    if (r.status === "diverged" || !Number.isFinite(r.loss)) return Infinity;
    return r.loss;
  }

  /** The status badge and when the racer stopped: "converged · t = 512", "diverged · t = 12". */
  function statusLine(r) {
    const sr = r.stop_reason;
    const word = WORDS[r.status] || r.status;
    let when = "";
    if (sr && TERMINAL.includes(r.status)) when = sr.test === "max_steps" ? "max steps" : `at t = ${sr.t}`;
    else if (r.lr !== null && r.lr !== undefined) when = `γ = ${fmt(r.lr, 3)}`;
    return `<div class="lb-sub" title="${esc(sr?.message || word)}"><span class="badge lb-status" data-status="${
      esc(r.status)}">${esc(word)}</span>${when ? `<span class="lb-when">${esc(when)}</span>` : ""}</div>`;
  }

  /** Show the racers of the run's state (sorted by J). */
  function render(run) {
    if (!el) return;
    const racers = run.state ? (run.state.racers?.length ? run.state.racers : [run.state]) : [];
    const order = racers.map((r, k) => ({ r, k })).sort((a, b) => rankKey(a.r) - rankKey(b.r) || a.k - b.k);
    const html = order.map(({ r, k }, i) => {
      const name = r.optimizer?.label || r.optimizer?.name || `racer ${k + 1}`;
      const lr = r.lr === null || r.lr === undefined ? "" : ` · γ ${fmt(r.lr, 3)}`;
      return `<tr data-racer="${k}" data-testid="leader-row" class="${TERMINAL.includes(r.status) ? "done" : ""}">`
        + `<td class="lb-name" title="${esc(`${name}${lr}`)}"><div class="lb-top"><span class="lb-rank">${i + 1}</span>`
        + `<span class="swatch" style="background:${racerColour(k)}"></span>`
        + `<span class="lb-label">${esc(name)}</span></div>${statusLine(r)}</td>`
        + `<td>${r.t ?? 0}</td><td class="lb-loss">${cell(r.loss)}</td><td>${fmt(r.grad_norm, 2)}</td></tr>`;
    }).join("");
    if (html === shown) return;
    shown = html;
    rows = order.length;
    el.tBodies[0].innerHTML = html
      || `<tr class="empty"><td colspan="4">no racers yet</td></tr>`;
  }

  /** Rows shown (test hook). */
  function rowCount() {
    return rows;
  }

  /** The rows as [label, t, J, status] texts, best first (test hook). */
  function rowTexts() {
    if (!el) return [];
    return [...el.tBodies[0].querySelectorAll("tr[data-racer]")].map((tr) => [
      tr.querySelector(".lb-label").textContent, tr.cells[1].textContent, tr.cells[2].textContent,
      tr.querySelector(".lb-sub").textContent,
    ]);
  }

  return { render, probes: { rowCount, rowTexts } };
}
