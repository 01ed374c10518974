// Cross-entropy vs quadratic cost, the lecture's Figure 5 (Glorot & Bengio, 2010): both costs over one weight of
// the first layer (W1) and one of the output layer (W2), all other weights held, in one 3-D plot — for the run's
// network when it has one hidden layer and a probability head, else for the figure's small default network.
// Gradient descent on each from the same start, revealed as a race (loss_compare_figure.js): the quadratic path
// lingers on its plateau. The surfaces follow the run's weights when it pauses.

import * as S from "../state.js";
import * as socket from "../socket.js";
import { CE_PATH, Q_PATH, createFigure } from "./loss_compare_figure.js";
import { autoResize, esc, isNetwork } from "./common.js";

export const id = "compare";
export const title = "CE vs quadratic";
export const mode = "full";

/** The view in `el` (hooks from lecture/index.js): {open, close, onRun, onState, probes, setParams}. */
export function create(el) {
  const root = el;
  let plot3d = null;
  let plot2d = null;
  let params = { w1: 0, w2: 0, span: 8, steps: 200, lr: 1 };
  let data = null;
  let source = ""; // "run" or "default"
  let loadedFor = null; // "default", or "<run id>@<t>" of the run's network the surfaces are computed for
  let seq = 0; // requests made: an answer to an older one is dropped
  let error = "";
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
  const figure = createFigure(plot3d, plot2d, summary);
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
  el.querySelector('[data-cmp="race"]').addEventListener("click", () => figure.race());

  /** Lesson hints: {w1, w2, span, steps, lr}. */
  function setParams(hints) {
    for (const k of Object.keys(params)) if (Number.isFinite(hints?.[k])) params[k] = hints[k];
  }

  /** Whether the run's own network can be drawn (as the server takes it): one hidden layer, a probability head. */
  function runUsable(state) {
    const p = state?.problem;
    return isNetwork(state) && p.layers?.length === 3 && ["sigmoid", "softmax"].includes(p.head); // one hidden layer
  }

  function open() {
    syncInputs();
    const st = S.run.state;
    const want = runUsable(st) ? `${S.run.id}@${st.t}` : "default";
    if (!data || loadedFor !== want) reload();
    else window.dispatchEvent(new Event("resize"));
  }

  function close() {
    figure.stop();
  }

  function onRun() {
    if (loadedFor !== "default") loadedFor = null;
  }

  /** The run paused, stopped or was reset: its weights are settled, the surfaces are redrawn through them. */
  function onState(state, prev) {
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
    figure.stop();
    const st = S.run.state;
    const useRun = runUsable(st);
    const runId = useRun ? S.run.id : null;
    const tag = useRun ? `${runId}@${st.t}` : "default";
    loadedFor = tag;
    const my = ++seq;
    summary("computing both surfaces…");
    try {
      const out = await socket.getLossCompare(runId, { ...params, n: 41 });
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
    figure.reset(data, `${source}|${data.layers}`);
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

  function summary(html) {
    if (root) root.querySelector('[data-cmp="summary"]').innerHTML = html;
  }

  /** Read-only numbers for the browser tests. */
  const probes = {
    surfaces: () => (plot3d?.data || []).filter((t) => t.type === "surface" && t.z?.length > 1).length,
    surfaceNames: () => (plot3d?.data || []).filter((t) => t.type === "surface").map((t) => t.name),
    shown: figure.shown,
    steps: figure.total,
    source: () => source,
    ceAboveQuadratic() {
      if (!data) return null;
      const ok = (v) => v !== null && Number.isFinite(v);
      return data.ce.every((row, j) => row.every((v, i) => !ok(v) || !ok(data.quadratic[j][i]) || v >= data.quadratic[j][i] - 1e-12));
    },
  };

  return { open, close, onRun, onState, probes, setParams };
}
