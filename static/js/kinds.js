// The problem-kind switch and the settings panel of the kind on screen (panels/*.js): mounting it, and
// a fresh run whenever its set-up changes.

import * as S from "./state.js";
import * as toast from "./toast.js";
import { PANELS } from "./panels/index.js";

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));

/** The kind switch and panel of one page; app: {render, session, retuneRacers(), syncControls(), registry, limits}.
 * {mount(), setKind(kind), panel()}. */
export function createKinds(app) {
  let panel = null; // the settings panel shown (PANELS[kind].create)
  const box = document.getElementById("kind-switch");
  const offered = app.registry.problems || Object.keys(PANELS);
  box.innerHTML = Object.values(PANELS).map((p) => {
    const off = !offered.includes(p.kind);
    return `<label title="${esc(off ? "this server does not offer it" : p.title)}"><input type="radio" name="kind"
      value="${esc(p.kind)}" data-testid="kind-${esc(p.kind)}" ${off ? "disabled" : ""}><span>${esc(p.label || p.title)}</span></label>`;
  }).join("");
  box.addEventListener("change", (ev) => setKind(ev.target.value));
  S.on("state", (st) => panel?.showState?.(st));

  /** Mount the panel (and chart set) of the config's kind. */
  function mount() {
    const kind = PANELS[S.config.kind];
    document.getElementById("h-problem").textContent = kind.title;
    document.body.dataset.kind = S.config.kind;
    const radio = document.querySelector(`#kind-switch input[value="${S.config.kind}"]`);
    if (radio) radio.checked = true;
    app.render.useView(kind.view || "classic");
    const fresh = (changes) => {
      S.setConfig(changes);
      panel.sync(S.config);
      app.session.startRun(); // new data: a new run
    };
    panel = kind.create(document.getElementById("problem-body"), {
      onData: (changes) => fresh({ data: changes }),
      onCsv: (text) => fresh({ csv: text }),
      onClearCsv: () => fresh({ csv: null }),
      onConfig: (changes) => {
        // Another test surface: its own start, and learning rates that suit it (race.js shows them).
        const newSurface = changes.surface && changes.surface.name !== S.config.surface?.name;
        S.setConfig(changes);
        if (newSurface) app.retuneRacers();
        panel.sync(S.config);
        app.session.startRun();
      },
      onError: (msg) => toast.error(msg),
    }, app.limits);
    panel.sync(S.config);
  }

  /** Another kind of problem: its panel and charts, optimiser settings that suit it, and a fresh run. */
  function setKind(kind) {
    const p = PANELS[kind];
    if (!p || kind === S.config.kind) return;
    S.setConfig({ kind, start: null });
    app.retuneRacers();
    if (S.config.racers.length === 1) S.setRacer(0, { batch_size: p.racerDefaults?.batch_size ?? null });
    app.syncControls();
    mount();
    app.session.startRun();
  }

  return { mount, setKind, panel: () => panel };
}
