// The Lecture area: the quantities the lecture writes on its slides, computed live from the run on screen.
//
//   backprop.js         the backpropagation table of one example, hover a row to find it in the network diagram
//   loss_compare.js     cross-entropy vs quadratic cost over two weights, two descent paths racing (3-D)
//   guess_vs_gd.js      random guessing vs gradient descent: two tables and best J against evaluations of J
//   landscape_slice.js  a network's loss over a 2-D slice through its weights, and along the line from the start
//   explain.js          one update, step by step, in numbers, words and arrows
//   lessons.js          the lesson bar: presets that walk the lecture, shareable as links
//
// A view is {id, title, mode, mount(el, hooks), open(), close(), onRun(), onState(state, prev), probes}. Only the
// open view hears about the run. "split" views keep one card of the playground beside them (the network diagram
// or the parameter plot), "full" views take the whole chart area. The open view is in the link (`lv`).

import * as S from "../state.js";
import * as render from "../render.js";
import * as backprop from "./backprop.js";
import * as lossCompare from "./loss_compare.js";
import * as guessVsGd from "./guess_vs_gd.js";
import * as landscapeSlice from "./landscape_slice.js";
import * as explain from "./explain.js";
import * as lessons from "./lessons.js";
import { esc } from "./common.js";

const VIEWS = [backprop, lossCompare, guessVsGd, landscapeSlice, explain];
const BY_ID = new Map(VIEWS.map((v) => [v.id, v]));
const NETWORK_ONLY = new Set(["backprop", "landscape"]);

let area = null;
let layout = null;
let hooks = {};
let active = null;
let mounted = new Set();
let link = { view: null, hints: {} };

/** Read a lesson link or `lv` into the config; call after state.readUrl() and before the first run. */
export function readLink(registry) {
  link = lessons.readLink(registry);
  S.addQueryExtra((q) => { if (active) q.set("lv", active.id); });
}

/**
 * Build the area, the lesson bar and the topbar buttons; open the view the link names.
 * hooks: step(n), pause(), startRace(racers).
 */
export function init(h) {
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
  S.on("state", (state, prev) => { if (active && state) active.onState(state, prev); });
  S.on("run", () => {
    for (const id of mounted) BY_ID.get(id).onRun();
    markTabs();
  });
  S.on("state", markTabs);
  if (link.view && BY_ID.has(link.view)) {
    if (link.hints.example !== undefined) backprop.setExample(link.hints.example);
    if (link.view === "compare") lossCompare.setParams(link.hints);
    open(link.view);
  }
}

/** The view the Lecture button opens: the table for a network, one step at a time otherwise. */
function defaultView() {
  return S.run.state?.problem?.kind === "network" ? "backprop" : "explain";
}

/** Open view `id` (mounting it the first time). */
export function open(id) {
  const view = BY_ID.get(id);
  if (!view || !area) return;
  if (active && active !== view) active.close();
  const el = area.querySelector(`.lecture-view[data-view-id="${id}"]`);
  if (!mounted.has(id)) {
    view.mount(el, hooks);
    mounted.add(id);
  }
  active = view;
  area.hidden = false;
  for (const v of area.querySelectorAll(".lecture-view")) v.hidden = v.dataset.viewId !== id;
  for (const b of area.querySelectorAll(".lecture-tab")) b.setAttribute("aria-selected", String(b.dataset.viewId === id));
  render.rest3d(true); // the 3-D surface is under the lecture: no WebGL redraws until the area closes
  layout.dataset.lecture = id;
  layout.dataset.lectureMode = view.mode;
  document.getElementById("lecture-toggle")?.classList.add("on");
  S.touchUrl();
  relayout();
  view.open();
}

/** Close the area: the playground's charts take their place again. */
export function close() {
  if (!active) return;
  active.close();
  active = null;
  area.hidden = true;
  delete layout.dataset.lecture;
  delete layout.dataset.lectureMode;
  render.rest3d(false);
  document.getElementById("lecture-toggle")?.classList.remove("on");
  S.touchUrl();
  relayout();
}

function relayout() {
  // Charts drawn at another size (or while hidden) take their new one.
  requestAnimationFrame(() => window.dispatchEvent(new Event("resize")));
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

/** Read-only numbers for the browser tests. */
export const probes = {
  open: () => active?.id ?? null,
  runParams: () => (S.run.state?.racers?.[0]?.params ? [...S.run.state.racers[0].params] : null), // θ of the run now (a single run)
  backprop: backprop.probes,
  compare: lossCompare.probes,
  guess: guessVsGd.probes,
  landscape: landscapeSlice.probes,
  explain: explain.probes,
  lessons: lessons.probes,
};
