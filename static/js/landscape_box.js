// The landscape's box and the path: whether a run's start lies outside the box drawn, and the bigger box
// that holds a path which left it (session.js refetches the landscape over it).

/** Whether `state`'s start lies outside box `b` (null: no box yet). */
export function startOutsideBox(b, state) {
  const s = state?.start;
  if (!b || !s) return false;
  return s[0] < b.x_min || s[0] > b.x_max || s[1] < b.y_min || s[1] > b.y_max;
}

/** Box `b` grown to hold every finite point of the racers' histories, by at most 4 box widths per side. */
export function grownBox(b, history) {
  let [x0, x1, y0, y1] = [b.x_min, b.x_max, b.y_min, b.y_max];
  for (const h of history) {
    for (let i = 0; i < h.t.length; i++) {
      const a = h.p1[i];
      const c = h.p2[i];
      if (!Number.isFinite(a) || !Number.isFinite(c)) continue;
      x0 = Math.min(x0, a); x1 = Math.max(x1, a); y0 = Math.min(y0, c); y1 = Math.max(y1, c);
    }
  }
  const sx = b.x_max - b.x_min;
  const sy = b.y_max - b.y_min;
  const mx = (x1 - x0) * 0.08;
  const my = (y1 - y0) * 0.08;
  // A diverging path runs off to huge θ: grow at most 4 box widths per side per refetch.
  return {
    x_min: Math.max(x0 - mx, b.x_min - 4 * sx), x_max: Math.min(x1 + mx, b.x_max + 4 * sx),
    y_min: Math.max(y0 - my, b.y_min - 4 * sy), y_max: Math.min(y1 + my, b.y_max + 4 * sy),
  };
}
