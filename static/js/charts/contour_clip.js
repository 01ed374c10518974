// Which racers' paths the parameter plot follows when they leave its box, and which it clips.
//
// A path that leaves the box normally makes the page fetch a bigger landscape that holds it (session.js). In a
// race where another racer is still descending, a diverging racer (its J above its J at θ⁽⁰⁾) is not followed:
// the view stays on the descending one, and the diverging path is drawn thin and faded (FADED), clipped to the view
// (the "Learning rate too big" lesson: the converging zig-zag stays in sight).

export const FADED = { opacity: 0.35, "line.width": 1, mode: "lines" }; // a clipped racer's path
export const SOLID = { opacity: 1, "line.width": 2.2, mode: "lines+markers" }; // any other's

const MARGIN = 0.02; // a point this far (in box widths) outside the box has left it

/** The clipping state of the racers of one run over one box: {reset, check, clipped, followed}. */
export function createClip() {
  let outside = []; // per racer: its path has a point outside the box
  let clipped = []; // per racer: drawn faded, not followed

  const latest = (h) => (h && h.loss.length ? h.loss[h.loss.length - 1] : null);
  // Diverging: J is now above its J at θ⁽⁰⁾ (gradient descent with a stable γ never rises above it).
  const diverging = (h) => h && h.loss.length > 1 && latest(h) > h.loss[0];
  const descending = (run, k) => run.history.some((h, j) => j !== k && h.loss.length && !diverging(h)
    && run.state?.racers?.[j]?.status !== "diverged");

  function out(box, a, b) {
    if (!box || a === null || b === null) return false;
    const mx = (box.x_max - box.x_min) * MARGIN;
    const my = (box.y_max - box.y_min) * MARGIN;
    return a < box.x_min - mx || a > box.x_max + mx || b < box.y_min - my || b > box.y_max + my;
  }

  function decide(run, k) {
    if (!outside[k] || clipped[k]) return null;
    if (diverging(run.history[k]) && descending(run, k)) {
      clipped[k] = true;
      return "clip";
    }
    return "grow";
  }

  return {
    /** Recompute from the run's histories against `box` (a new run, a reset, a new landscape). */
    reset(run, box) {
      outside = [];
      clipped = [];
      run.history.forEach((h, k) => {
        for (let i = 0; i < h.t.length && !outside[k]; i++) outside[k] = out(box, h.p1[i], h.p2[i]);
        decide(run, k);
      });
    },
    /** Racer k's new steps h: "clip" (fade its path now), "grow" (the view should follow it) or null. */
    check(run, box, k, h) {
      for (let i = 0; i < h.t.length && !outside[k]; i++) outside[k] = out(box, h.p1[i], h.p2[i]);
      return decide(run, k);
    },
    /** Whether racer k's path is drawn clipped. */
    clipped: (k) => !!clipped[k],
    /** The racers (of n) the view follows. */
    followed: (n) => Array.from({ length: n }, (_, k) => k).filter((k) => !clipped[k]),
  };
}
