// Arrows at each racer's current point θₜ on the parameter plot: the update Δθ of its last step (its
// colour, thick), −∇J(θₜ) (dark, thin, on top: for plain GD it lies inside the update) and, where the
// optimiser keeps one, its momentum buffer or first moment pointing the way it pushes (dotted).
//
// Directions are exact on screen. Lengths are scaled, because a true-size step is the path's own last
// segment and a true-size gradient can be thousands of view widths long: each arrow is measured against
// the longest of its kind this racer has had since it started (√ of the ratio, so it shrinks gently as the
// racer settles, and goes when it has all but stopped).
//
// Each arrow is one scatter trace of 7 points [tail, tip, gap, head, tip, head, gap], so contour.js moves
// it with extendTraces (maxPoints 7) in the same call that grows the paths: cheap, once per drawn frame.

export const KINDS = ["step", "grad", "moment"]; // trace order per racer
export const POINTS = 7;
const LENGTH = 0.13; // an arrow as long as its kind's longest so far, in view widths
const SHORTEST = 0.25; // arrows shorter than this fraction of LENGTH are drawn at it (direction matters)
const HIDE_BELOW = 1e-5; // ... unless they are this small next to the longest: then the racer has all but stopped
const TERMINAL = ["converged", "diverged", "stopped"];

const EMPTY = () => ({ x: Array(POINTS).fill(null), y: Array(POINTS).fill(null) });

/** The three empty arrow traces of racer k (in KINDS order), styled with the racer's colour. */
export function traces(colour) {
  // `text` too: contour.js extends every front-layer trace's x, y and text in one call.
  const base = { type: "scatter", mode: "lines", hoverinfo: "skip", ...EMPTY(), text: Array(POINTS).fill("") };
  return [
    { ...base, name: "Δθ", line: { color: colour, width: 3.6 } },
    { ...base, name: "−∇J", line: { color: "#212529", width: 1.8 } },
    { ...base, name: "momentum", line: { color: colour, width: 2.4, dash: "dot" } },
  ];
}

/** The arrows of one parameter plot, measured against each racer's longest so far: {setEnabled, compute}. */
export function createArrows(on = true) {
  let enabled = !!on;
  let peaks = []; // per racer: the longest vector of each kind so far (data units), and the history it saw
  let generation = -1;
  return {
    /** Draw arrows (true) or none. */
    setEnabled(v) {
      enabled = !!v;
    },
    compute,
  };

  /**
   * The arrows of every racer over the view {x: [lo, hi], y: [lo, hi]}: a list (per racer) of three {x, y}
   * of POINTS points each (nulls when an arrow is not drawn).
   */
  function compute(run, view) {
    const states = run.state?.racers || [];
    const K = Math.max(run.history.length, states.length);
    if (run.generation !== generation || peaks.length !== K) {
      generation = run.generation;
      peaks = [];
    }
    const sx = view.x[1] - view.x[0];
    const sy = view.y[1] - view.y[0];
    const out = [];
    for (let k = 0; k < K; k++) {
      const h = run.history[k];
      const v = enabled ? vectorsOf(h, states[k]) : null;
      // A racer that started again (reset, a new start) measures its arrows afresh.
      if (!peaks[k] || !h || h.t.length < peaks[k].seen) peaks[k] = { seen: 0 };
      const peak = peaks[k];
      peak.seen = h ? h.t.length : 0;
      out.push(KINDS.map((kind) => {
        const vec = v && v[kind];
        const norm = vec ? Math.hypot(vec[0], vec[1]) : 0;
        if (!(norm > 0)) return EMPTY();
        peak[kind] = Math.max(peak[kind] || 0, norm);
        const ratio = norm / peak[kind];
        if (!(ratio > HIDE_BELOW)) return EMPTY();
        const len = LENGTH * Math.max(Math.sqrt(ratio), SHORTEST);
        return arrow(v.at, [vec[0] / sx, vec[1] / sy], len, view, sx, sy);
      }));
    }
    return out;
  }
}

function vectorsOf(h, st) {
  if (!h || !h.t.length || !st || TERMINAL.includes(st.status)) return null;
  const n = h.t.length - 1;
  const at = [h.p1[n], h.p2[n]];
  if (!at.every(Number.isFinite)) return null;
  const ok = (v) => (v && v.length === 2 && v.every(Number.isFinite) ? v : null);
  const out = { at };
  if (n > 0 && Number.isFinite(h.p1[n - 1]) && Number.isFinite(h.p2[n - 1])) {
    out.step = ok([h.p1[n] - h.p1[n - 1], h.p2[n] - h.p2[n - 1]]);
  }
  if (st.optimizer?.name !== "random_search" && st.grad) out.grad = ok(st.grad.map((g) => -g));
  const os = st.opt_state || {};
  const m = os.momentum_buffer || os.exp_avg;
  if (m) out.moment = ok(m.map((x) => -x)); // the way it pushes θ: the update is −γ·b (SGD), ∝ −m̂ (Adam)
  return out;
}

/** One arrow from `at` along unit-space vector v, `len` view widths long, with its head. */
function arrow(at, v, len, view, sx, sy) {
  const g = Math.hypot(v[0], v[1]);
  const ux = (v[0] / g) * len;
  const uy = (v[1] / g) * len;
  const x0 = (at[0] - view.x[0]) / sx;
  const y0 = (at[1] - view.y[0]) / sy;
  const x1 = x0 + ux;
  const y1 = y0 + uy;
  const head = Math.max(0.28 * len, 0.018);
  const a = Math.atan2(uy, ux);
  const X = (u) => view.x[0] + u * sx;
  const Y = (u) => view.y[0] + u * sy;
  return {
    x: [X(x0), X(x1), null, X(x1 - head * Math.cos(a - 0.42)), X(x1), X(x1 - head * Math.cos(a + 0.42)), null],
    y: [Y(y0), Y(y1), null, Y(y1 - head * Math.sin(a - 0.42)), Y(y1), Y(y1 - head * Math.sin(a + 0.42)), null],
  };
}

/** Arrows drawn in a contour front layer's data (test hook): traces named as in traces() with points. */
export function countDrawn(data) {
  return (data || []).filter((tr) => ["Δθ", "−∇J", "momentum"].includes(tr.name) && tr.x && tr.x[0] !== null
    && tr.x[0] !== undefined).length;
}
