// The steps a second the server really plays, beside the speed asked for. A busy server (a classroom on one
// machine) plays runs more slowly than asked, fairly (app/live/pacing.py), and a big network may simply be slower
// than the speed slider: the page says so, rather than leave it a mystery. Shown only while running and more
// than 20 % below the speed asked for, measured over the last few seconds of frames.

import * as S from "./state.js";

const WINDOW_MS = 3000; // the rate is measured over this long ...
const MIN_SPAN_MS = 2000; // ... once frames span at least this long
const SHORTFALL = 0.8; // shown below this share of the speed asked for

/** The note of one page: {onFrame, reset, update, shown}. */
export function createThroughput() {
  let samples = []; // [time (ms), t] of recent frames
  let speed = null; // the speed the samples were taken at
  let shownRate = null;

  /** A frame arrived with the run at step t. */
  function onFrame(t) {
    if (!Number.isFinite(t)) return;
    const now = performance.now();
    if (speed !== S.config.speed) {
      samples = []; // a new speed: measure afresh
      speed = S.config.speed;
    }
    samples.push([now, t]);
    while (samples.length > 2 && now - samples[0][0] > WINDOW_MS) samples.shift();
    update();
  }

  /** Start measuring afresh (a new run, a reset, a reconnection). */
  function reset() {
    samples = [];
    update();
  }

  /** Hide or show the note, from the samples and the run's status. */
  function update() {
    const el = document.getElementById("speed-actual");
    if (!el) return;
    shownRate = null;
    if (S.run.state?.status !== "running") samples = []; // a pause is not a slow step: measure afresh on play
    const n = samples.length;
    if (n >= 2) {
      const [t0, s0] = samples[0];
      const [t1, s1] = samples[n - 1];
      if (t1 - t0 >= MIN_SPAN_MS) {
        const rate = ((s1 - s0) * 1000) / (t1 - t0);
        if (rate < SHORTFALL * S.config.speed) shownRate = rate;
      }
    }
    el.hidden = shownRate === null;
    el.textContent = shownRate === null ? "" : `playing ${Math.round(shownRate).toLocaleString("en-US")}/s`;
    el.title = shownRate === null ? "" : "the server plays this run more slowly than asked: it is busy (many runs "
      + "playing) or the steps are costly; every step still arrives";
  }

  /** The rate shown (null when hidden), for the browser tests. */
  return { onFrame, reset, update, shown: () => shownRate };
}
