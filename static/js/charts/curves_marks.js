// What the curves chart writes on its curves: each racer's stop, marked at the step its test fired (the gradient
// test on the ‖∇J‖ curve, the decrease test and a divergence on the J curve), and the note that random guessing
// has no ‖∇J‖ curve and no ε test. Pure: the chart (curves.js) passes the run and how its axes are drawn.

const WORDS = { grad_norm: "‖∇J‖ ≤ ε", delta_loss: "|ΔJ| ≤ δ", diverged: "diverged" };

/** Whether racer state `r` is random guessing (it uses no gradient). */
export const guesses = (r) => r?.optimizer?.name === "random_search";

/** Index of the row of racer history `h` at step t (the last one; -1 when it has not arrived). */
function rowAt(h, t) {
  for (let i = h.t.length - 1; i >= 0; i--) {
    if (h.t[i] === t) return i;
    if (h.t[i] < t) return -1;
  }
  return -1;
}

/** The last finite, positive-if-log value of `a` at or before row i (a diverged racer's J may be missing). */
function lastGood(a, i, log) {
  for (let j = i; j >= 0; j--) if (Number.isFinite(a[j]) && (!log || a[j] > 0)) return [j, a[j]];
  return [-1, null];
}

/** The largest x of any racer's curve (t or examples seen). */
function span(history, by) {
  let hi = 0;
  for (const h of history) {
    const a = by === "examples" ? h.examples : h.t;
    const v = a?.[a.length - 1];
    if (Number.isFinite(v) && v > hi) hi = v;
  }
  return hi;
}

/**
 * The stop marks: one annotation per racer whose convergence test fired (or that diverged), at the step it did,
 * and a key that changes when they would (so the chart relayouts only then).
 * racers: the racers' states; history: their step columns; by: "t" or "examples"; log: {J, grad} axis types.
 */
export function stopMarks(racers, history, by, log, colour) {
  const out = [];
  const key = [];
  racers.forEach((r, k) => {
    const why = r?.stop_reason;
    if (!why || !(why.test in WORDS) || !history[k]) return;
    const h = history[k];
    const row = rowAt(h, why.t);
    if (row < 0) return;
    const onGrad = why.test === "grad_norm";
    const [j, y] = lastGood(onGrad ? h.grad_norm : h.loss, row, onGrad ? log.grad : log.J);
    if (j < 0) return;
    const x = by === "examples" && h.examples?.[j] !== null && h.examples?.[j] !== undefined ? h.examples[j] : h.t[j];
    const logged = onGrad ? log.grad : log.J;
    const name = r.optimizer?.label || `racer ${k + 1}`;
    // Against examples seen the x-axis is logarithmic (annotations are placed in log10 units there).
    const ex = by === "examples";
    const xa = ex ? Math.log10(Math.max(x, 1)) : x;
    const right = xa <= 0.5 * (ex ? Math.log10(Math.max(span(history, by), 10)) : span(history, by)); // left half:
    // labelled to the right of the point
    const dx = 18 + 14 * (k % 3);
    key.push(`${k}:${why.test}:${why.t}:${x}`);
    out.push({
      x: xa, y: logged ? Math.log10(y) : y, xref: "x", yref: onGrad ? "y2" : "y",
      text: `${name}: ${WORDS[why.test]} at t = ${why.t}`, showarrow: true, arrowhead: 6, arrowsize: 1.2,
      arrowcolor: colour(k), ax: right ? dx : -dx, ay: -22 - 16 * (k % 3), font: { size: 10, color: colour(k) },
      bgcolor: "rgba(255,255,255,0.85)", xanchor: right ? "left" : "right", captureevents: false,
      name: `stop-${k}`, // test hook: which racer's mark this is
    });
  });
  return { annotations: out, key: `${by}|${log.J}|${log.grad}|${key.join(",")}` };
}

/** The note in place of the ‖∇J‖ curve when every racer guesses (null otherwise). */
export function noGradientNote(racers) {
  if (!racers.length || !racers.every(guesses)) return null;
  return {
    xref: "paper", x: 0.5, yref: "y2 domain", y: 0.5, showarrow: false, name: "no-gradient",
    text: "random guessing uses no gradient:<br>no ‖∇J‖ curve and no ε test", font: { size: 11, color: "#495057" },
    bgcolor: "rgba(255,255,255,0.85)",
  };
}
