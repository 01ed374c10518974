// The backpropagation inspector: one training example's forward and backward pass as the lecture's table
// (Loss, the head, each Linear and activation, the inputs), with the current numbers, each gradient beside its
// finite-difference estimate. It follows the run (at most ~4 requests a second while it plays, and at once on a
// pause or a step); hovering a row highlights its node, edge or bias in the network diagram beside it.

import * as S from "../state.js";
import * as socket from "../socket.js";
import { fmt } from "../format.js";
import { esc, formula, isNetwork, refetcher, symbol } from "./common.js";

export const id = "backprop";
export const title = "Backprop";
export const mode = "split"; // the network diagram stays beside it

const LONG = 24; // a cell with more rows shows the first FOLDED and a "show all" button
const FOLDED = 12;
const GOOD = 1e-4; // relative errors below this read as agreement

/** The view in `el` (hooks from lecture/index.js): {open, close, onRun, onState, probes, setExample}. */
export function create(el, hooks) {
  const root = el;
  let body = null;
  let example = 0;
  let useFd = true;
  let data = null;
  let structure = "";
  let cells = []; // per row: {row, val, fd, err} elements, in the order of flat()
  let unfolded = new Set(); // cells (stage index + side) shown in full
  let lastT = null;
  let error = "";
  let fetches = 0;
  let diagram = () => null; // the network diagram, from the hooks
  let hovered = "";
  const load = refetcher(fetchTable, { minMs: 250 });
  diagram = hooks.diagram;
  el.innerHTML = `
    <div class="lec-toolbar">
      <span class="lec-field">training example
        <button type="button" class="icon-btn" data-bp="prev" title="previous example" aria-label="previous example">◀</button>
        <input type="number" class="num small" min="0" step="1" value="0" data-bp="example" data-testid="bp-example"
          aria-label="training example">
        <button type="button" class="icon-btn" data-bp="next" title="next example" aria-label="next example">▶</button>
        <span class="muted" data-bp="of"></span>
      </span>
      <label class="toggle"><input type="checkbox" data-bp="fd" checked><span>finite differences</span></label>
      <span class="lec-readout" data-bp="readout"></span>
    </div>
    <div class="lec-scroll"><table class="bp-table" data-testid="bp-table"></table></div>
    <details class="lec-note" data-bp="note"><summary></summary><p></p></details>`;
  body = el.querySelector("table");
  const input = el.querySelector('[data-bp="example"]');
  const go = (k) => {
    const n = data?.n_train ?? Infinity;
    example = Math.max(0, Math.min(n - 1, Number.isFinite(k) ? Math.round(k) : 0));
    input.value = String(example);
    load.poke(true);
  };
  input.addEventListener("change", () => go(Number(input.value)));
  el.querySelector('[data-bp="prev"]').addEventListener("click", () => go(example - 1));
  el.querySelector('[data-bp="next"]').addEventListener("click", () => go(example + 1));
  el.querySelector('[data-bp="fd"]').addEventListener("change", (ev) => {
    useFd = ev.target.checked;
    load.poke(true);
  });
  body.addEventListener("mouseover", (ev) => hoverRow(ev.target.closest("[data-row]")));
  body.addEventListener("mouseleave", () => hoverRow(null));
  body.addEventListener("click", (ev) => {
    const b = ev.target.closest("[data-unfold]");
    if (!b) return;
    unfolded.add(b.dataset.unfold);
    structure = ""; // rebuilt in full
    render();
  });

  /** Set the example shown (a lesson's hint). */
  function setExample(k) {
    example = Math.max(0, Number(k) || 0);
    if (root) root.querySelector('[data-bp="example"]').value = String(example);
  }

  /** The view is shown: fetch the table now. */
  function open() {
    lastT = null;
    load.poke(true);
  }

  function close() {
    load.cancel();
    diagram()?.highlight(null);
  }

  /** A new run: the old table is gone. */
  function onRun() {
    data = null;
    structure = "";
    unfolded = new Set();
    render();
  }

  /** Every state the server sends: refetch when t moved or the run paused, stopped or was reset. */
  function onState(state, prev) {
    if (!isNetwork(state)) return;
    if (state.t !== lastT || state.status !== prev?.status) load.poke(state.status !== "running");
  }

  async function fetchTable() {
    const runId = S.run.id;
    const state = S.run.state;
    if (!runId || !isNetwork(state)) {
      render();
      return;
    }
    lastT = state.t;
    try {
      const out = await socket.getBackprop(runId, { example, racer: 0, fd: useFd });
      if (S.run.id !== runId) return;
      data = out;
      error = "";
      fetches += 1;
    } catch (err) {
      if (S.run.id !== runId) return;
      error = err.message || String(err);
    }
    render();
  }

  const flat = (d) => d.stages.flatMap((s, k) => [
    ...s.forward.rows.map((r) => ({ r, cell: `${k}f` })),
    ...s.backward.rows.map((r) => ({ r, cell: `${k}b` })),
  ]);

  const keyOf = (id) => (id ? JSON.stringify(id) : "");

  function render() {
    if (!root) return;
    const readout = root.querySelector('[data-bp="readout"]');
    if (!S.run.state) {
      body.innerHTML = `<tbody><tr><td class="lec-empty">waiting for the run…</td></tr></tbody>`;
      structure = "";
      return;
    }
    if (!isNetwork(S.run.state)) {
      body.innerHTML = `<tbody><tr><td class="lec-empty">The backpropagation table needs a network run: pick
        <b>neural network</b> in Problem, or open the lesson <a href="/?lesson=backpropagation">Backpropagation</a>.</td></tr></tbody>`;
      structure = "";
      readout.textContent = "";
      return;
    }
    if (error && !data) {
      body.innerHTML = `<tbody><tr><td class="lec-empty">The server did not give the table: ${esc(error)}</td></tr></tbody>`;
      structure = "";
      return;
    }
    if (!data) {
      body.innerHTML = `<tbody><tr><td class="lec-empty">loading the table…</td></tr></tbody>`;
      structure = "";
      return;
    }
    const rows = flat(data);
    const key = `${unfolded.size}|${data.stages.map((s) => `${s.stage}${s.layer}:${s.forward.rows.length},${s.backward.rows.length}`)}`
      + rows.map((x) => x.r.symbol).join(" ");
    if (key !== structure) build(rows, key);
    rows.forEach(({ r }, k) => {
      const c = cells[k];
      if (!c) return;
      c.val.textContent = fmt(r.value, 4);
      if (c.fd) c.fd.textContent = r.fd === undefined ? "" : fmt(r.fd, 4);
      if (c.err) {
        c.err.textContent = r.rel_error === undefined || r.rel_error === null ? "" : fmt(r.rel_error, 2);
        c.err.classList.toggle("bad", r.rel_error > GOOD);
      }
    });
    root.querySelector('[data-bp="of"]').textContent = `of 0 – ${data.n_train - 1}`;
    const x = data.x.map((v) => fmt(v, 3)).join(", ");
    const check = data.fd
      ? ` · <span class="${data.fd.max_rel_error > GOOD ? "bad" : "good"}">max rel. error ${fmt(data.fd.max_rel_error, 2)}</span>
         over ${data.fd.checked} gradients`
      : "";
    readout.innerHTML = `t = ${lastT} · x = (${esc(x)}) · y* = ${esc(data.target.map((v) => fmt(v, 3)).join(", "))}
      · J = ${fmt(data.J, 4)}${check}`;
    const note = root.querySelector('[data-bp="note"]');
    if (note.dataset.text !== data.note) {
      note.dataset.text = data.note;
      const first = data.note.split(/(?<=\.)\s/)[0];
      note.querySelector("summary").innerHTML = first.length < 220 ? formula(first) : "Sign convention";
      note.querySelector("p").innerHTML = formula(data.note);
    }
  }

  function build(rows, key) {
    structure = key;
    cells = [];
    const html = [`<thead><tr><th class="bp-stage-h">stage</th><th>Forward</th>
      <th>Backward <span class="bp-cols">value · finite difference · relative error</span></th></tr></thead><tbody>`];
    let k = 0;
    data.stages.forEach((s, si) => {
      const side = (part, name, back) => {
        const cellId = `${si}${name}`;
        const long = part.rows.length > LONG && !unfolded.has(cellId);
        const lines = part.rows.map((r, j) => {
          const idx = k++;
          const hideCls = long && j >= FOLDED ? " folded" : "";
          const extra = back ? `<span class="bp-fd" data-c="fd"></span><span class="bp-err" data-c="err"></span>` : "";
          return `<div class="bp-row${hideCls}" data-row="${idx}" data-id="${esc(keyOf(r.id))}" data-testid="bp-row"
            data-quantity="${esc(r.quantity)}"><span class="bp-sym">${symbol(r.symbol)}</span><span class="bp-val"
            data-c="val"></span>${extra}</div>`;
        }).join("");
        const more = long ? `<button type="button" class="link-button bp-more" data-unfold="${cellId}">show all
          ${part.rows.length} rows</button>` : "";
        return `<td class="${back ? "bp-bwd" : "bp-fwd"}"><div class="bp-formula">${formula(part.formula)}</div>
          <div class="bp-rows${back ? " back" : ""}">${lines}</div>${more}</td>`;
      };
      const layer = s.stage === "loss" || s.stage === "input" ? "" : `<span class="muted">layer ${s.layer}</span>`;
      html.push(`<tr class="bp-stage" data-stage="${esc(s.stage)}"><th>${esc(s.title)}${layer}</th>`
        + side(s.forward, "f", false) + side(s.backward, "b", true) + "</tr>");
    });
    html.push("</tbody>");
    body.innerHTML = html.join("");
    const byIdx = new Map([...body.querySelectorAll("[data-row]")].map((el) => [Number(el.dataset.row), el]));
    cells = rows.map((_, i) => {
      const row = byIdx.get(i);
      return { row, val: row.querySelector('[data-c="val"]'), fd: row.querySelector('[data-c="fd"]'),
        err: row.querySelector('[data-c="err"]') };
    });
  }

  function hoverRow(el) {
    const key = el ? el.dataset.id : "";
    if (key === hovered) return;
    hovered = key;
    for (const r of body.querySelectorAll(".bp-row.on")) r.classList.remove("on");
    if (key) for (const r of body.querySelectorAll(`.bp-row[data-id="${CSS.escape(key)}"]`)) r.classList.add("on");
    diagram()?.highlight(key ? JSON.parse(key) : null);
  }

  /** Read-only numbers for the browser tests. */
  const probes = {
    rows: () => (root ? root.querySelectorAll("[data-row]").length : 0),
    stages: () => (data ? data.stages.map((s) => s.stage) : []),
    fetches: () => fetches,
    t: () => lastT,
    maxRelError: () => data?.fd?.max_rel_error ?? null,
    highlighted: () => diagram()?.highlighted() ?? null,
  };

  return { open, close, onRun, onState, probes, setExample };
}
