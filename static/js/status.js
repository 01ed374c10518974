// The status line (status word coloured by status, the reason in words) and the live readout of t, J,
// ‖∇J‖ and γ in the top bar, and for runs with data the epoch: training examples seen / N.

import { fmt } from "./format.js";

const WORDS = {
  connecting: "connecting",
  ready: "ready",
  running: "running",
  paused: "paused",
  converged: "converged",
  diverged: "diverged",
  stopped: "stopped",
  offline: "offline",
  error: "error",
};

// What the pill says when the server's message is empty: never an empty pill.
const IDLE = {
  ready: "press Play (space) or Step",
  paused: "press Play (space) to go on, or Step",
  running: "stepping",
};

/** Show a status ("running", ...) with its message (or, when it has none, what the status means). */
export function show(status, message) {
  const el = document.querySelector(".status");
  const key = `${status}|${message}`;
  if (el.dataset.shown === key) return;
  el.dataset.shown = key;
  el.dataset.status = status;
  el.querySelector(".status-word").textContent = WORDS[status] || status;
  // The message usually starts with the status word ("converged: ‖∇J‖ ≤ 1e-6 at t = 87"): don't repeat it.
  let text = message || "";
  if (text.startsWith(status)) text = text.slice(status.length).replace(/^[:,]?\s*/, "");
  if (!text) text = IDLE[status] || "";
  el.querySelector(".status-text").textContent = text;
  el.title = message || status;
}

/** The racer the readout shows in a race: the one with the smallest J (a single run shows itself). */
function leader(state) {
  if (!state.racers?.length) return state;
  let best = state.racers[0];
  if (state.race) for (const r of state.racers) if (Number.isFinite(r.loss) && !(r.loss >= best.loss)) best = r;
  return { ...best, t: state.t };
}

/** The epoch readout's element (made once, in small type under t's), or null without a readout. */
function epochSlot(bar) {
  let el = bar.querySelector('[data-readout="epoch"]');
  if (el) return el;
  const span = document.createElement("small");
  span.className = "readout-epoch";
  span.innerHTML = 'epoch <b data-readout="epoch" data-testid="readout-epoch">–</b>';
  span.hidden = true;
  const t = bar.querySelector('[data-readout="t"]')?.parentElement;
  if (t) {
    t.classList.add("readout-t");
    t.append(span);
  } else {
    bar.append(span);
  }
  el = span.querySelector("b");
  return el;
}

/** Epochs as the readout shows them: 0.37, 2.4, 120 (examples / N); null without data. */
export function epochs(examples, n) {
  if (examples === null || examples === undefined || !(n > 0)) return null;
  return examples / n;
}

/** Show the run's state: status, reason, and the readout (in a race, the leader's figures). */
export function render(state) {
  if (!state) return;
  show(state.status, state.message);
  const n = state.problem?.n_train ?? state.problem?.n ?? null; // training examples N
  const shown = leader(state);
  const bar = document.querySelector(".readout");
  if (bar) bar.title = state.race ? `J, ‖∇J‖ and γ of the leader (${shown.optimizer?.label || "racer 1"})` : "";
  state = shown;

  const set = (key, text) => {
    const el = document.querySelector(`[data-readout="${key}"]`);
    if (el && el.textContent !== text) el.textContent = text;
  };
  set("t", String(state.t ?? 0));
  set("loss", fmt(state.loss, 4));
  set("grad_norm", fmt(state.grad_norm, 3));
  set("lr", state.lr === null || state.lr === undefined ? "–" : fmt(state.lr, 3));
  if (bar) {
    const slot = epochSlot(bar);
    const e = epochs(state.examples, n);
    slot.parentElement.hidden = e === null;
    const text = e === null ? "–" : fmt(e, 3);
    if (slot.textContent !== text) slot.textContent = text;
    const title = e === null ? "" : `epoch: ${state.examples} training examples used / N = ${n}`;
    if (slot.parentElement.title !== title) slot.parentElement.title = title;
  }
}
