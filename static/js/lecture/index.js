// The Lecture area: the quantities the lecture writes on its slides, computed live from the run on screen.
//
//   backprop.js         the backpropagation table of one example, hover a row to find it in the network diagram
//   loss_compare.js     cross-entropy vs quadratic cost over two weights, two descent paths racing (3-D)
//   guess_vs_gd.js      random guessing vs gradient descent: two tables and best J against evaluations of J
//   landscape_slice.js  a network's loss over a 2-D slice through its weights, and along the line from the start
//   explain.js          one update, step by step, in numbers, words and arrows
//   lessons.js          the lesson bar: presets that walk the lecture, shareable as links
//
// A view module is {id, title, mode, create(el, hooks) → {open(), close(), onRun(), onState(state, prev), probes}}: a
// view is created the first time it is opened. Only the
// open view hears about the run. "split" views keep one card of the playground beside them (the network diagram
// or the parameter plot), "full" views take the whole chart area. The open view is in the link (`lv`).

import * as S from "../state.js";
import * as backprop from "./backprop.js";
import * as lossCompare from "./loss_compare.js";
import * as guessVsGd from "./guess_vs_gd.js";
import * as landscapeSlice from "./landscape_slice.js";
import * as explain from "./explain.js";
import { createLessons } from "./lessons.js";
import { esc } from "./common.js";

const VIEWS = [backprop, lossCompare, guessVsGd, landscapeSlice, explain];
const BY_ID = new Map(VIEWS.map((v) => [v.id, v]));
const NETWORK_ONLY = new Set(["backprop", "landscape"]);
// A view's probes before it was first opened: every number null.
const NONE = new Proxy({}, { get: () => () => null });

function relayout() {
  // Charts drawn at another size (or while hidden) take their new one.
  requestAnimationFrame(() => window.dispatchEvent(new Event("resize")));
}

/** The Lecture area of one page: {readLink(registry), init(hooks), open(id), close(), probes}. */
export function createLecture() {
  const lessons = createLessons();
  const views = new Map(); // id -> the view created in its panel
  let area = null;
  let layout = null;
  let hooks = {};
  let active = null; // {id, mode, view} of the view shown
  let link = { view: null, hints: {} };

  /** Read a lesson link or `lv` into the config; call after state.readUrl() and before the first run. */
  function readLink(registry) {
    link = lessons.readLink(registry);
    S.addQueryExtra((q) => { if (active) q.set("lv", active.id); });
  }

  /**
   * Build the area, the lesson bar and the topbar buttons; open the view the link names.
   * hooks: step(n), pause(), startRace(racers), diagram() (the network diagram), rest3d(on) (the 3-D view rests).
   */
  function init(h) {
    hooks = h;
    area = document.getElementById("lecture");
    layout = document.querySelector(".layout");
    area.innerHTML = `
      <header class="lecture-head">
        <nav class="lecture-tabs" role="tablist" aria-label="Lecture views">
          ${VIEWS.map((v) => `<button type="button" role="tab" class="lecture-tab" data-view-id="${v.id}"
            data-testid="lecture-tab-${v.id}" aria-selected="false">${esc(v.title)}</button>`).join("")}
        </nav>
        <button type="button" class="icon-btn lecture-close" data-testid="lecture-close" title="close the lecture views"
          aria-label="close the lecture views">×</button>
      </header>
      ${VIEWS.map((v) => `<div class="lecture-view" data-view-id="${v.id}" data-testid="lecture-${v.id}" role="tabpanel" hidden></div>`).join("")}`;
    area.querySelector(".lecture-tabs").addEventListener("click", (ev) => {
      const b = ev.target.closest("[data-view-id]");
      if (b) open(b.dataset.viewId);
    });
    area.querySelector(".lecture-close").addEventListener("click", close);
    const toggle = document.getElementById("lecture-toggle");
    toggle?.addEventListener("click", () => (active ? close() : open(defaultView())));
    lessons.mount(document.getElementById("lesson-bar"), document.getElementById("lessons-button"), { onResize: barResized });
    barResized();
    S.on("state", (state, prev) => { if (active && state) active.view.onState(state, prev); });
    S.on("run", () => {
      for (const v of views.values()) v.onRun();
      markTabs();
    });
    S.on("state", markTabs);
    if (link.view && BY_ID.has(link.view)) open(link.view);
  }

  /** The view the Lecture button opens: the table for a network, one step at a time otherwise. */
  function defaultView() {
    return S.run.state?.problem?.kind === "network" ? "backprop" : "explain";
  }

  /** The view `id`, created the first time (with the link's hints: a backprop example, the comparison's set-up). */
  function viewOf(id) {
    if (!views.has(id)) {
      const el = area.querySelector(`.lecture-view[data-view-id="${id}"]`);
      const v = BY_ID.get(id).create(el, hooks);
      if (id === "backprop" && link.hints.example !== undefined) v.setExample(link.hints.example);
      if (id === "compare" && link.view === "compare") v.setParams(link.hints);
      views.set(id, v);
    }
    return views.get(id);
  }

  /** Open view `id` (creating it the first time). */
  function open(id) {
    const mod = BY_ID.get(id);
    if (!mod || !area) return;
    if (active && active.id !== id) active.view.close();
    active = { id, mode: mod.mode, view: viewOf(id) };
    area.hidden = false;
    for (const v of area.querySelectorAll(".lecture-view")) v.hidden = v.dataset.viewId !== id;
    for (const b of area.querySelectorAll(".lecture-tab")) b.setAttribute("aria-selected", String(b.dataset.viewId === id));
    hooks.rest3d?.(true); // the 3-D surface is under the lecture: no WebGL redraws until the area closes
    layout.dataset.lecture = id;
    layout.dataset.lectureMode = mod.mode;
    document.getElementById("lecture-toggle")?.classList.add("on");
    S.touchUrl();
    relayout();
    active.view.open();
  }

  /** Close the area: the playground's charts take their place again. */
  function close() {
    if (!active) return;
    active.view.close();
    active = null;
    area.hidden = true;
    delete layout.dataset.lecture;
    delete layout.dataset.lectureMode;
    hooks.rest3d?.(false);
    document.getElementById("lecture-toggle")?.classList.remove("on");
    S.touchUrl();
    relayout();
  }

  function barResized() {
    const bar = document.getElementById("lesson-bar");
    const h = bar && !bar.hidden ? bar.getBoundingClientRect().height : 0;
    document.body.style.setProperty("--lessonbar", `${Math.round(h)}px`);
    relayout();
  }

  function markTabs() {
    if (!area) return;
    const net = S.run.state?.problem?.kind === "network";
    for (const b of area.querySelectorAll(".lecture-tab")) {
      const off = NETWORK_ONLY.has(b.dataset.viewId) && !net;
      b.classList.toggle("needs-network", off);
      b.title = off ? "needs a network run" : "";
    }
  }

  const probe = (id) => views.get(id)?.probes ?? NONE;
  /** Read-only numbers for the browser tests. */
  const probes = {
    open: () => active?.id ?? null,
    runParams: () => (S.run.state?.racers?.[0]?.params ? [...S.run.state.racers[0].params] : null), // θ of the run now (a single run)
    get backprop() { return probe("backprop"); },
    get compare() { return probe("compare"); },
    get guess() { return probe("guess"); },
    get landscape() { return probe("landscape"); },
    get explain() { return probe("explain"); },
    lessons: lessons.probes,
  };

  return { readLink, init, open, close, probes };
}
