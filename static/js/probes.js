// window.__descent: read-only numbers for the browser tests. Loaded only when a test asks for it (main.js,
// loadProbes): the page itself never imports this module.

import * as S from "./state.js";

/** Define window.__descent from the page's parts (main.js's app: render, session, ...). */
export function install(app) {
  const r = app.render.probes;
  const contour = () => r.contour();
  const hooks = {
    get runId() { return S.run.id; },
    get status() { return S.run.state?.status ?? null; },
    get message() { return S.run.state?.message ?? null; },
    get t() { return S.run.state?.t ?? 0; },
    get lr() { return S.run.state?.racers?.[0]?.lr ?? null; },
    get configLr() { return S.config.racers[0]?.lr ?? null; },
    get steps() { return S.run.history[0]?.t.length ?? 0; },
    get lastStepLr() {
      const h = S.run.history[0];
      return h && h.lr.length ? h.lr[h.lr.length - 1] : null;
    },
    get framesDrawn() { return r.frames(); },
    get box() { return contour()?.box() ?? null; },
    get limits() { return structuredClone(app.limits); },
    get playing() { return S.playing(); },
    pathLength: (k = 0) => contour()?.pathLength(k) ?? 0,
    guessCount: (k = 0) => contour()?.guessCount(k) ?? 0,
    arrowCount: () => contour()?.arrowCount() ?? 0,
    guessBoxes: () => contour()?.guessBoxes() ?? [],
    stepArrowCount: () => contour()?.stepArrowCount() ?? 0,
    surfacePathLength: (k = 0) => r.surface()?.pathLength(k) ?? 0,
    surfaceStep: () => r.surface()?.drawnStep() ?? -1,
    curveLength: (k = 0) => r.curves()?.curveLength(k) ?? 0,
    curves: (name, ...args) => r.curves()?.[name]?.(...args) ?? null, // the curves chart's probes (test_lessons_*.py)
    tableRows: () => r.table()?.rowCount() ?? 0,
    newestRow: () => r.table()?.newestRow() ?? [],
    leaderRows: () => r.leaderboard()?.rowCount() ?? 0,
    leaderTexts: () => r.leaderboard()?.rowTexts() ?? [],
    socketOpen: () => app.session.isOpen(),
    landscapeLoading: () => app.session.landscapeLoading(), // a landscape asked for and not drawn yet
    playingRate: () => app.session.throughput.shown(), // the "playing n/s" note beside the speed (null: hidden)
    // Network charts (test_network.py); before a network was shown, what the run says and nothing drawn.
    net: new Proxy({}, {
      get: (_, k) => r.net()?.[k] ?? ({
        problem: () => structuredClone(S.run.state?.problem ?? null),
        accuracy: () => S.run.state?.racers?.[0]?.test_accuracy ?? null,
        trainAccuracy: () => S.run.state?.racers?.[0]?.train_accuracy ?? null,
      }[k] || (() => null)),
    }),
    // Races (test_race.py).
    get racerCount() { return S.run.state?.racers?.length ?? 0; },
    get configRacers() { return structuredClone(S.config.racers); },
    stepsOf: (k) => S.run.history[k]?.t.length ?? 0,
    lastStepLrOf(k) {
      const h = S.run.history[k];
      return h && h.lr.length ? h.lr[h.lr.length - 1] : null;
    },
    racerStatus: (k) => S.run.state?.racers?.[k]?.status ?? null,
    // Share, save, export (test_share.py): racer k's history columns.
    lossesOf: (k = 0) => [...(S.run.history[k]?.loss ?? [])],
    stepsTOf: (k = 0) => [...(S.run.history[k]?.t ?? [])],
    lecture: app.lecture.probes, // the lecture's views and lessons (test_lecture.py, test_lessons.py)
  };
  Object.defineProperty(window, "__descent", { value: Object.freeze(hooks), writable: false });
}
