// Pacing of chart updates. Steps arrive every animation frame; a chart whose redraw is costly (WebGL on a
// slow machine, a big SVG) gathers them and redraws less often, so the page stays responsive:
// the next redraw waits at least max(minMs, factor × the last redraw's duration).

/** Steps of several animation frames joined (per racer, column by column). */
export function merge(into, batch) {
  if (!into) return batch.map((h) => (h ? Object.fromEntries(Object.entries(h).map(([k, v]) => [k, v.slice()])) : h));
  batch.forEach((h, k) => {
    if (!h) return;
    if (!into[k]) {
      into[k] = Object.fromEntries(Object.entries(h).map(([key, v]) => [key, v.slice()]));
      return;
    }
    for (const [key, v] of Object.entries(h)) for (const x of v) into[k][key].push(x);
  });
  return into;
}

/**
 * Wrap `update(batch)` so it runs at most every max(minMs, factor × its last duration) milliseconds,
 * with the steps of skipped frames merged into the next call; while `hold()` is true the call waits
 * (the steps are kept).
 */
export function paced(update, { minMs = 0, factor = 2, hold = null } = {}) {
  let pending = null;
  let next = 0;
  let timer = null;

  function flush() {
    timer = null;
    if (!pending) return;
    if (hold?.()) {
      timer = setTimeout(flush, 150);
      return;
    }
    const batch = pending;
    pending = null;
    const t0 = performance.now();
    update(batch);
    const dt = performance.now() - t0;
    next = t0 + Math.max(minMs, factor * dt);
  }

  return {
    /** Queue one frame's steps; drawn now or at the next allowed time. */
    push(batch) {
      pending = merge(pending, batch);
      const now = performance.now();
      if (now >= next && !timer) flush();
      else if (!timer) timer = setTimeout(() => requestAnimationFrame(flush), Math.max(0, next - now));
    },
    /** Forget queued steps (the chart is being redrawn from the history). */
    clear() {
      pending = null;
      clearTimeout(timer);
      timer = null;
    },
  };
}
