// A challenge's board: every attempt live (polled once a second), sorted by the goal; on the teacher's page,
// tick attempts to overlay their paths on a contour of J (two parameters) or their loss curves.

import * as S from "../state.js";
import * as socket from "../socket.js";
import { el } from "./bar.js";

const POLL_MS = 1000;
const COLORS = ["#e8590c", "#1c7ed6", "#2f9e44", "#ae3ec9", "#f08c00", "#0c8599", "#c2255c", "#5c940d"];
const fmt = (v, d = 4) => (v === null || v === undefined ? "–" : Number(v).toPrecision(d).replace(/\.?0+$/, ""));

let timer = null;
let shown = null; // {cid, key, picked: Set, node, table, chart, surface}

/** Show challenge `cid`'s board (with the teacher's `key`: overlay checkboxes and the paths chart). */
export function show(cid, key = null) {
  clearTimeout(timer);
  document.querySelector('[data-testid="board"]')?.remove();
  const table = el("table", { class: "board-table", "data-testid": "board-table" });
  const head = el("div", { class: "board-head" }, el("h3", { "data-testid": "board-title", text: "Board" }));
  const chart = el("div", { class: "plot board-overlay", "data-testid": "board-overlay", hidden: !key });
  const node = el("section", { class: "board", "data-testid": "board", "aria-label": "Challenge board" },
    head, el("div", { class: "board-body" }, el("div", { class: "board-rows" }, table), chart));
  document.querySelector("main.layout").before(node);
  shown = { cid, key, picked: new Set(), node, table, chart, surface: null, drawn: "" };
  poll();
}

async function poll() {
  const me = shown;
  if (!me) return;
  try {
    const board = await socket.getBoard(me.cid);
    if (me !== shown) return;
    const c = board.challenge;
    me.node.querySelector('[data-testid="board-title"]').textContent =
      `${c.title} — ${c.goal_text} · ${c.students} students, ${c.attempts} attempts`;
    drawRows(me, board.rows, c.allowed);
    if (me.key) await drawOverlay(me);
  } catch (err) {
    me.node.querySelector('[data-testid="board-title"]').textContent = `board: ${err.message}`;
  }
  if (me === shown) timer = setTimeout(poll, POLL_MS);
}

function drawRows(me, rows, allowed) {
  const head = el("tr", {}, ...["#", "name", ...allowed, "status", "t", "J", "accuracy", "score"]
    .map((h) => el("th", { text: h })), ...(me.key ? [el("th", { text: "overlay" })] : []));
  const body = rows.map((r) => el("tr", { "data-testid": "board-row", "data-status": r.status },
    el("td", { text: r.rank ?? "" }), el("td", { class: "board-name", text: r.name }),
    ...allowed.map((k) => el("td", { text: r.settings[k] === null ? "full" : fmt(r.settings[k], 3) })),
    el("td", { class: `st-${r.status}`, text: r.status }), el("td", { text: r.t }),
    el("td", { text: fmt(r.loss) }), el("td", { text: fmt(r.accuracy, 3) }), el("td", { text: fmt(r.score) }),
    ...(me.key ? [el("td", {}, el("input", { type: "checkbox", "data-testid": "overlay-pick",
      "aria-label": `overlay ${r.name}`, checked: me.picked.has(r.id),
      onchange: (e) => { if (e.target.checked) me.picked.add(r.id); else me.picked.delete(r.id); } }))] : [])));
  me.table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
}

async function drawOverlay(me) {
  const ids = [...me.picked];
  if (!ids.length) {
    if (me.drawn !== "") Plotly.purge(me.chart);
    me.drawn = "";
    return;
  }
  const { attempts } = await socket.getPaths(me.cid, me.key, ids);
  const twoD = attempts.every((a) => a.path.length && a.path[0].params?.length === 2);
  if (twoD && !me.surface && S.run.id) {
    me.surface = (await socket.getLandscape(S.run.id, null, { gridN: 60, fieldN: 2, flowPerSide: 1 })).surface;
  }
  const traces = attempts.map((a, i) => {
    const color = COLORS[i % COLORS.length];
    const name = `${a.name} (${Object.values(a.settings).map((v) => fmt(v, 3)).join(", ")})`;
    return twoD
      ? { x: a.path.map((p) => p.params[0]), y: a.path.map((p) => p.params[1]), mode: "lines+markers", name,
        line: { color, width: 2 }, marker: { size: 3 } }
      : { x: a.path.map((p) => p.t), y: a.path.map((p) => p.loss), mode: "lines", name, line: { color } };
  });
  if (twoD && me.surface) {
    const s = me.surface;
    traces.unshift({ type: "contour", x: s.x, y: s.y, z: s.z, showscale: false, hoverinfo: "skip",
      contours: { coloring: "lines" }, colorscale: "Greys", ncontours: 24 });
  }
  const layout = { margin: { l: 44, r: 10, t: 24, b: 36 }, showlegend: true, legend: { orientation: "h", y: -0.2 },
    title: { text: twoD ? "paths on J(θ₁, θ₂)" : "J by step", font: { size: 12 } }, uirevision: "board",
    xaxis: { title: twoD ? "θ₁" : "t" }, yaxis: { title: twoD ? "θ₂" : "J", type: twoD ? "linear" : "log" } };
  Plotly.react(me.chart, traces, layout, { displayModeBar: false, responsive: true });
  me.drawn = ids.join(",");
}
