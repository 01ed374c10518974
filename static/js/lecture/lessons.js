// Lessons: presets that walk the lecture. `/?lesson=<id>` opens the page in that lesson's state (its run, its
// view) with a bar holding its caption, the previous and next lessons and "edit & share": a teacher changes any
// setting (the address follows, as for every set-up), may rewrite the caption, and copies the new link. A link
// with settings besides `lesson` opens those settings under the lesson's caption (or the link's own, `lc`).

import * as S from "../state.js";
import * as toast from "../toast.js";
import { esc, formula } from "./common.js";
import { configOf, lectureViewOf, lessonList, queryOf } from "./lesson_config.js";

const OWN_KEYS = new Set(["lesson", "lc", "lv", "token"]); // parameters that are not a set-up
const PACE_KEYS = new Set(["speed"]); // kept from a bare lesson link: how fast it plays, not what


/** The lessons of one page (registry: the server's, with its lessons): {readLink, mount, shareLink, probes}. */
export function createLessons() {
  let list = [];
  let registry = {};
  let current = null; // the lesson shown, or null
  let caption = null; // a caption the teacher wrote (null: the lesson's own)
  let presetQuery = "";
  let bar = null;
  let onBarResize = null;
  let editTimer = null;

  /**
   * Read `?lesson=` before the page builds its run: a bare lesson link becomes the lesson's config.
   * Returns {view, hints} of the lecture view to open (null view: none).
   */
  function readLink(reg) {
    registry = reg;
    list = lessonList(reg);
    const q = new URLSearchParams(window.location.search);
    const lesson = list.find((l) => l.id === q.get("lesson")) || null;
    if (q.has("lesson") && !lesson) toast.error(`no lesson "${q.get("lesson")}": the lessons are ${list.map((l) => l.id).join(", ")}`);
    current = lesson;
    caption = q.get("lc");
    const bare = [...q.keys()].every((k) => OWN_KEYS.has(k) || PACE_KEYS.has(k));
    if (lesson && bare) {
      const speed = S.config.speed; // read from the link (or the default)
      Object.assign(S.config, configOf(lesson), { speed });
    } else if (lesson) {
      // Settings besides the lesson: the lesson's set-up with those changed (a link the page wrote has them all).
      Object.assign(S.config, S.fromQuery(overlay(queryOf(configOf(lesson)), q)));
    }
    S.addQueryExtra((out) => {
      if (!current) return;
      out.set("lesson", current.id);
      if (caption !== null && caption !== current.caption) out.set("lc", caption);
    });
    return { view: q.get("lv") || (lesson && bare ? lectureViewOf(lesson) : null), hints: lesson?.view || {}, fresh: lesson && bare };
  }

  const racerKey = (k) => ["r", "opt", "lr", "batch"].includes(k) || k.startsWith("o.");

  /** Query `base` with the parameters of `link` in place of its own (the racers as a whole: any racer setting
   * in the link replaces the base's racers). */
  function overlay(base, link) {
    const out = new URLSearchParams(base);
    if ([...link.keys()].some(racerKey)) for (const k of [...out.keys()]) if (racerKey(k)) out.delete(k);
    for (const k of new Set(link.keys())) {
      if (OWN_KEYS.has(k)) continue;
      out.delete(k);
      for (const v of link.getAll(k)) out.append(k, v);
    }
    return out.toString();
  }

  /** The preset's query (with the registry's defaults filled in as the page does), to tell an edited set-up. */
  function presetOf(lesson) {
    const c = configOf(lesson);
    c.racers = c.racers.map((r) => {
      const out = { name: r.name };
      for (const s of registry.optimizers?.[r.name]?.settings || []) {
        if (s.name === "lr" || s.name === "batch_size") out[s.name] = s.default;
      }
      return { ...out, ...r };
    });
    return strip(queryOf(c));
  }

  function strip(query) {
    const q = new URLSearchParams(query);
    for (const k of OWN_KEYS) q.delete(k);
    q.delete("speed");
    return q.toString();
  }

  /** Build the lesson bar in `el` (shown while a lesson is open) and the Lessons menu of `menuButton`. */
  function mount(el, menuButton, hooks = {}) {
    bar = el;
    onBarResize = hooks.onResize;
    mountMenu(menuButton);
    if (!current) {
      el.hidden = true;
      return;
    }
    presetQuery = presetOf(current);
    render();
    S.on("config", () => markEdited());
    new ResizeObserver(() => onBarResize?.()).observe(el);
  }

  function indexOf(lesson) {
    return list.findIndex((l) => l.id === lesson.id);
  }

  function render() {
    const k = indexOf(current);
    const prev = list[k - 1];
    const next = list[k + 1];
    bar.hidden = false;
    bar.innerHTML = `
      <div class="lesson-nav">
        <span class="lesson-count">Lesson ${k + 1} / ${list.length}</span>
        <a class="icon-btn lesson-step${prev ? "" : " off"}" ${prev ? `href="/?lesson=${esc(prev.id)}"` : ""} title="${esc(prev ? `previous: ${prev.title}` : "")}"
          data-testid="lesson-prev" aria-label="previous lesson">‹</a>
        <select class="small-select lesson-pick" data-testid="lesson-pick" aria-label="lesson">
          ${list.map((l, i) => `<option value="${esc(l.id)}"${i === k ? " selected" : ""}>${i + 1}. ${esc(l.title)}</option>`).join("")}
        </select>
        <a class="icon-btn lesson-step${next ? "" : " off"}" ${next ? `href="/?lesson=${esc(next.id)}"` : ""} title="${esc(next ? `next: ${next.title}` : "")}"
          data-testid="lesson-next" aria-label="next lesson">›</a>
      </div>
      <p class="lesson-caption" data-testid="lesson-caption"><b class="lesson-title">${esc(current.title)}</b><span
        class="lesson-edited" hidden>edited</span> <span data-l="caption"></span></p>
      <div class="lesson-tools">
        <button type="button" class="btn btn-small" data-l="share" data-testid="lesson-share">Edit &amp; share</button>
        <button type="button" class="icon-btn" data-l="close" title="close the lesson (keep this set-up)" aria-label="close the lesson">×</button>
      </div>
      <div class="lesson-share" data-l="panel" hidden>
        <label class="field"><span class="field-label">Caption <span class="hint-inline">what to look at; saved in the link</span></span>
          <textarea rows="3" data-l="text" data-testid="lesson-caption-edit"></textarea></label>
        <p class="hint">Change any setting on the page (learning rate, racers, data, network…): the link follows.</p>
        <div class="lesson-link"><input type="text" readonly data-l="link" data-testid="lesson-link" aria-label="link to this lesson">
          <button type="button" class="btn btn-primary btn-small" data-l="copy">Copy link</button>
          <button type="button" class="link-button" data-l="reset">back to the preset</button></div>
      </div>`;
    showCaption();
    bar.querySelector(".lesson-pick").addEventListener("change", (ev) => { window.location.href = `/?lesson=${encodeURIComponent(ev.target.value)}`; });
    bar.querySelector('[data-l="close"]').addEventListener("click", closeLesson);
    const panel = bar.querySelector('[data-l="panel"]');
    bar.querySelector('[data-l="share"]').addEventListener("click", () => {
      panel.hidden = !panel.hidden;
      if (!panel.hidden) {
        bar.querySelector('[data-l="text"]').value = caption ?? current.caption;
        showLink();
      }
    });
    bar.querySelector('[data-l="text"]').addEventListener("input", (ev) => {
      caption = ev.target.value.trim() === current.caption ? null : ev.target.value;
      showCaption();
      S.touchUrl();
      setTimeout(showLink, 200);
      markEdited();
    });
    bar.querySelector('[data-l="copy"]').addEventListener("click", copyLink);
    bar.querySelector('[data-l="reset"]').addEventListener("click", () => { window.location.href = `/?lesson=${encodeURIComponent(current.id)}`; });
    markEdited();
  }

  /** The caption with the lecture's subscripts (a_j, g_β, …) set as such. */
  function showCaption() {
    bar.querySelector('[data-l="caption"]').innerHTML = formula(caption ?? current.caption);
  }

  /** The link of the set-up on screen, with the lesson and its caption (written now, not after the URL's delay). */
  function shareLink() {
    return `${window.location.origin}${window.location.pathname}?${S.toQuery()}`;
  }

  function showLink() {
    const input = bar?.querySelector('[data-l="link"]');
    if (input) input.value = shareLink();
  }

  async function copyLink() {
    const url = shareLink();
    showLink();
    try {
      await navigator.clipboard.writeText(url);
      toast.info("link to this lesson copied");
    } catch {
      const input = bar.querySelector('[data-l="link"]');
      input.focus();
      input.select();
    }
  }

  function markEdited() {
    if (!current || !bar) return;
    clearTimeout(editTimer);
    editTimer = setTimeout(() => {
      const edited = caption !== null || strip(S.toQuery()) !== presetQuery;
      const badge = bar.querySelector(".lesson-edited");
      if (badge) badge.hidden = !edited;
      if (!bar.querySelector('[data-l="panel"]').hidden) showLink();
    }, 200);
  }

  function closeLesson() {
    current = null;
    caption = null;
    bar.hidden = true;
    S.touchUrl();
    onBarResize?.();
  }

  function mountMenu(button) {
    if (!button) return;
    const menu = document.createElement("div");
    menu.className = "lesson-menu";
    menu.hidden = true;
    menu.dataset.testid = "lesson-menu";
    const short = (c) => (c.length > 120 ? `${c.slice(0, 118).replace(/\s+\S*$/, "")} …` : c);
    menu.innerHTML = `<p class="lesson-menu-head">The lecture, as presets: each opens the page in that state</p><ol>${list.map((l) =>
      `<li><a href="/?lesson=${esc(l.id)}" data-testid="lesson-link-${esc(l.id)}"${l.id === current?.id ? ' aria-current="page"' : ""}>
        <b>${esc(l.title)}</b><span>${formula(short(l.caption))}</span></a></li>`).join("")}</ol>`;
    button.after(menu);
    button.addEventListener("click", (ev) => {
      ev.stopPropagation();
      menu.hidden = !menu.hidden;
    });
    document.addEventListener("click", (ev) => { if (!menu.contains(ev.target)) menu.hidden = true; });
    document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") menu.hidden = true; });
  }

  /** Read-only numbers for the browser tests. */
  const probes = {
    current: () => current?.id ?? null,
    caption: () => (current ? caption ?? current.caption : null),
    ids: () => list.map((l) => l.id),
    edited: () => !!bar && !!current && !bar.querySelector(".lesson-edited")?.hidden,
    link: () => shareLink(),
  };

  return { readLink, mount, shareLink, probes };
}
