// One update, step by step: a mode that pauses the run and shows its next update before taking it, in numbers,
// words and arrows — θₜ, ∇J(θₜ), γ∇J(θₜ), θₜ₊₁, the optimiser's own state before and after, and which stopping test
// would end the run. "Take this step" sends one step; the next explanation then shows that the run's θ is the
// θₜ₊₁ predicted. Play while this view is open goes on step by step: one update, a pause to read, the next.

import * as S from "../state.js";
import * as socket from "../socket.js";
import { fmt } from "../format.js";
import { esc, formula, paramName, refetcher } from "./common.js";
import { arrowsSvg, liveArrows } from "./explain_arrows.js";

export const id = "explain";
export const title = "Step by step";
export const mode = "split"; // the parameter plot (or the network) stays beside it

const DWELL_MS = 2600; // auto: reading time between two steps
const STATE_NAMES = { momentum_buffer: "momentum buffer b", exp_avg: "first moment m", exp_avg_sq: "second moment v",
  max_exp_avg_sq: "max of v (AMSGrad)", square_avg: "mean of g² (v)", grad_avg: "mean of g", sum: "sum of g² (G)",
  step: "updates so far", best_loss: "best J so far" };

/** The view in `el` (hooks from lecture/index.js): {open, close, onRun, onState, probes}. */
export function create(el, h) {
  const root = el;
  const hooks = h;
  let racer = 0;
  let data = null;
  let check = null; // {t, predicted, actual, maxDiff}: the last step taken against its prediction
  let auto = false;
  let autoTimer = null;
  let error = "";
  let fetches = 0;
  let lastKey = "";
  const load = refetcher(fetchExplain, { minMs: 250 });
  el.innerHTML = `
    <div class="lec-toolbar">
      <button type="button" class="btn btn-primary btn-small" data-ex="step" data-testid="explain-step">Take this step ▸</button>
      <button type="button" class="btn btn-small" data-ex="auto" data-testid="explain-auto" title="one step, a pause to read, the next">▶ step by step</button>
      <label class="lec-field" data-ex="racer-field" hidden>racer <select class="small-select" data-ex="racer"></select></label>
      <span class="lec-readout" data-ex="readout"></span>
    </div>
    <div class="lec-scroll ex-body" data-ex="body" data-testid="explain-body"></div>`;
  el.querySelector('[data-ex="step"]').addEventListener("click", () => takeStep());
  el.querySelector('[data-ex="auto"]').addEventListener("click", () => setAuto(!auto));
  el.querySelector('[data-ex="racer"]').addEventListener("change", (ev) => {
    racer = Number(ev.target.value) || 0;
    check = null;
    load.poke(true);
  });

  /** The mode starts: the run pauses, and its next update is shown. */
  function open() {
    if (S.playing()) hooks.pause?.();
    lastKey = "";
    load.poke(true);
  }

  function close() {
    setAuto(false);
    load.cancel();
  }

  function onRun() {
    data = null;
    check = null;
    racer = 0;
    setAuto(false);
  }

  /** Play while the mode is on becomes step by step; any new t or status brings the next explanation. */
  function onState(state, prev) {
    if (state.status === "running" && S.playing()) {
      hooks.pause?.();
      setAuto(true);
      return;
    }
    const key = `${tOf(state)}|${state.status}|${S.racerStates().length}`;
    if (key !== lastKey) load.poke(state.status !== "running");
  }

  const tOf = (state) => (state?.racers?.[racer]?.t ?? state?.t ?? 0);

  function takeStep() {
    setAuto(false);
    hooks.step?.(1);
  }

  function setAuto(on) {
    auto = on;
    clearTimeout(autoTimer);
    autoTimer = null;
    if (root) {
      const b = root.querySelector('[data-ex="auto"]');
      b.textContent = on ? "❚❚ stop stepping" : "▶ step by step";
      b.classList.toggle("on", on);
    }
    if (on) scheduleAuto();
  }

  function scheduleAuto() {
    clearTimeout(autoTimer);
    autoTimer = setTimeout(() => {
      if (!auto) return;
      const st = S.run.state;
      if (!st || ["converged", "diverged", "stopped"].includes(st.status) || (data && data.active === false)) {
        setAuto(false);
        return;
      }
      hooks.step?.(1);
    }, DWELL_MS);
  }

  async function fetchExplain() {
    const runId = S.run.id;
    if (!runId || !S.run.state) return;
    const racers = S.racerStates().length;
    if (racer >= racers) racer = 0;
    lastKey = `${tOf(S.run.state)}|${S.run.state.status}|${racers}`;
    try {
      const out = await socket.getExplain(runId, { racer });
      if (S.run.id !== runId) return;
      // The step just taken against its prediction: the run's θ now is the θₜ₊₁ shown before.
      if (data && data.racer === out.racer && out.t === data.t + 1 && data.theta_next && out.theta) {
        const p = data.theta_next.values;
        const a = out.theta.values;
        const maxDiff = Math.max(...p.map((v, i) => Math.abs(v - a[i])));
        check = { t: out.t, predicted: p, actual: a, maxDiff, same: maxDiff <= 1e-9 * (1 + Math.max(...a.map(Math.abs))) };
      } else if (data && out.t !== data.t) {
        check = null;
      }
      data = out;
      error = "";
      fetches += 1;
    } catch (err) {
      if (S.run.id !== runId) return;
      error = err.message || String(err);
    }
    render();
    if (auto) scheduleAuto();
  }

  function racerMenu() {
    const racers = S.racerStates();
    const field = root.querySelector('[data-ex="racer-field"]');
    field.hidden = racers.length < 2;
    if (racers.length < 2) return;
    const sel = root.querySelector('[data-ex="racer"]');
    const html = racers.map((r, k) => `<option value="${k}">${esc(r.optimizer?.label || `racer ${k + 1}`)}</option>`).join("");
    if (sel.dataset.html !== html) {
      sel.innerHTML = html;
      sel.dataset.html = html;
    }
    sel.value = String(racer);
  }

  function vectorRow(label, v, names, cls = "") {
    if (!v) return "";
    const cells = v.values.map((x) => `<td>${fmt(x, 4)}</td>`).join("");
    const more = data.dim > v.values.length ? "<td class=\"muted\">…</td>" : "";
    return `<tr class="${cls}"><th>${label}</th>${cells}${more}<td class="ex-norm">${fmt(v.norm, 3)}</td></tr>`;
  }

  function render() {
    if (!root) return;
    racerMenu();
    const body = root.querySelector('[data-ex="body"]');
    if (error && !data) {
      body.innerHTML = `<p class="lec-empty">The server did not explain the next update: ${esc(error)}</p>`;
      return;
    }
    if (!data) {
      body.innerHTML = `<p class="lec-empty">loading…</p>`;
      return;
    }
    const d = data;
    root.querySelector('[data-ex="readout"]').innerHTML = `t = <b>${d.t}</b> → ${d.t + 1} · ${esc(d.label)}`;
    if (d.active === false || !d.theta_next) {
      body.innerHTML = `<p class="ex-title">${esc(d.title)}</p><ol class="ex-words">${(d.sentences || [])
        .map((s) => `<li>${esc(s)}</li>`).join("")}</ol>`;
      return;
    }
    const names = d.param_names.map(paramName);
    const head = `<tr><th></th>${names.map((n) => `<th>${n}</th>`).join("")}${d.dim > names.length ? "<th></th>" : ""}
      <th class="ex-norm">‖·‖</th></tr>`;
    const rows = [vectorRow("θ<sub>t</sub>", d.theta, names)];
    if (d.guess) rows.push(vectorRow("guess θ̃", d.guess, names, "ex-guess"));
    if (d.optimizer !== "random_search") {
      const src = d.gradient?.source === "mini-batch" ? ` <span class="muted">(batch of ${d.gradient.batch_size})</span>` : "";
      rows.push(vectorRow(`∇J(θ<sub>t</sub>)${src}`, d.grad, names));
      if (d.lr_grad) rows.push(vectorRow(`γ∇J(θ<sub>t</sub>) <span class="muted">γ = ${fmt(d.lr)}</span>`, d.lr_grad, names));
    }
    for (const k of liveArrows(d)) {
      if (d.state_after?.[k]?.values) rows.push(vectorRow(`${esc(STATE_NAMES[k] || k)} <span class="muted">after</span>`, d.state_after[k], names, "ex-state"));
    }
    rows.push(vectorRow("Δθ = θ<sub>t+1</sub> − θ<sub>t</sub>", d.step, names, "ex-step"));
    rows.push(vectorRow("θ<sub>t+1</sub>", d.theta_next, names, "ex-next"));
    const verdict = check ? `<p class="ex-check ${check.same ? "good" : "bad"}" data-testid="explain-check">${check.same ? "✓" : "✗"}
      The step to t = ${check.t} was taken: the run's θ is now (${check.actual.slice(0, 4).map((v) => fmt(v, 5)).join(", ")}${check.actual.length > 4 ? ", …" : ""}),
      ${check.same ? "exactly the θₜ₊₁ shown before it" : `not the θₜ₊₁ predicted (max difference ${fmt(check.maxDiff, 3)})`}.</p>` : "";
    body.innerHTML = `
      ${verdict}
      <p class="ex-title">${esc(d.title)} <span class="formula ex-formula" data-testid="explain-formula"
        title="${esc(d.formula_general ? `in general: ${d.formula_general}` : "")}">${formula(d.formula)}</span></p>
      <div class="ex-top">
        <table class="iter-table ex-vectors" data-testid="explain-vectors"><thead>${head}</thead><tbody>${rows.join("")}</tbody></table>
        ${arrowsSvg(d)}
      </div>
      <p class="ex-loss">J(θ<sub>t</sub>) = <b>${fmt(d.loss, 5)}</b> → J(θ<sub>t+1</sub>) = <b data-testid="explain-loss-next">${fmt(d.loss_next, 5)}</b>
        <span class="muted">(ΔJ = ${fmt(d.loss_change, 3)}) · ‖∇J(θ<sub>t+1</sub>)‖ = ${fmt(d.grad_norm_next, 3)}</span></p>
      <ol class="ex-words">${d.sentences.map((s) => `<li>${esc(s)}</li>`).join("")}</ol>
      ${stopTests(d)}
      ${stateTable(d)}`;
  }

  /** Each stopping test against the values the run will record after the step, and the one that fires. */
  function stopTests(d) {
    const stop = S.config.stop || {};
    const rec = d.recorded || {};
    const t1 = d.t + 1;
    const tests = [];
    const guess = d.optimizer === "random_search"; // no gradient: neither convergence test applies
    if (!guess && stop.grad_norm !== null && stop.grad_norm !== undefined) {
      tests.push(["grad_norm", `‖∇J(θ<sub>t+1</sub>)‖ = ${fmt(rec.grad_norm, 3)} ≤ ε = ${fmt(stop.grad_norm)}`]);
    }
    if (!guess && stop.delta_loss !== null && stop.delta_loss !== undefined) {
      tests.push(["delta_loss", `|ΔJ| = ${fmt(Math.abs((rec.loss ?? 0) - d.loss), 3)} ≤ δ = ${fmt(stop.delta_loss)}`]);
    }
    if (stop.max_steps !== null && stop.max_steps !== undefined) tests.push(["max_steps", `t = ${t1} ≥ max steps = ${stop.max_steps}`]);
    tests.push(["diverged", "J grows past 10⁶ × its start, or leaves the numbers"]);
    const fired = d.stop?.test;
    const why = guess ? `<p class="muted">Random guessing uses no gradient: the tests ‖∇J‖ ≤ ε and |ΔJ| ≤ δ do not
      apply to it (a rejected guess leaves J where it was).</p>` : "";
    return `<div class="ex-stop" data-testid="explain-stop"><h4>Stopping tests after this step</h4>${why}<ul>${tests.map(([k, text]) =>
      `<li class="${k === fired ? "fires" : ""}"><span class="ex-mark">${k === fired ? "■" : "□"}</span>${text}</li>`).join("")}</ul>
      <p class="${fired ? "fires" : "muted"}">${esc(fired ? `Then the run stops: ${d.stop.message}.` : "No test fires: the run would go on.")}</p></div>`;
  }

  function stateTable(d) {
    const keys = Object.keys(d.state_after || {});
    const used = keys.some((k) => {
      const a = d.state_after[k];
      const b = d.state_before?.[k];
      return k === "best_loss" || (a && typeof a === "object" ? a.norm > 0 || b?.norm > 0 : k !== "step" && a !== b);
    });
    if (!used) {
      return `<div class="ex-state-table"><h4>The optimiser's own state</h4><p class="muted">None: plain gradient descent keeps
        no state, θ<sub>t+1</sub> depends on θ<sub>t</sub> and ∇J(θ<sub>t</sub>) alone.</p></div>`;
    }
    const show = (v) => (v && typeof v === "object" ? `(${v.values.map((x) => fmt(x, 4)).join(", ")}${d.dim > v.values.length ? ", …" : ""})`
      : fmt(v, 5));
    return `<div class="ex-state-table"><h4>The optimiser's own state</h4><table class="iter-table"><thead><tr><th></th>
      <th>before</th><th>after</th></tr></thead><tbody>${keys.map((k) => `<tr><th>${esc(STATE_NAMES[k] || k)}</th>
      <td>${show(d.state_before?.[k])}</td><td>${show(d.state_after[k])}</td></tr>`).join("")}</tbody></table></div>`;
  }

  /** Read-only numbers for the browser tests. */
  const probes = {
    t: () => data?.t ?? null,
    next: () => (data?.theta_next ? [...data.theta_next.values] : null),
    theta: () => (data?.theta ? [...data.theta.values] : null),
    check: () => (check ? { ...check } : null),
    fetches: () => fetches,
    auto: () => auto,
  };

  return { open, close, onRun, onState, probes };
}
