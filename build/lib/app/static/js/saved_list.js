// The saved runs in the Runs drawer (saved.js): name, status, kind, t and when, newest first; open one (a
// new live run replayed to the saved step) or delete it (after a "sure?"). The list has no status: each
// line's comes from its saved record, read once (saved runs never change).

import * as socket from "./socket.js";
import * as toast from "./toast.js";
import { fmt } from "./format.js";

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
const TRASH = '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.6 8.5h5.8l.6-8.5M7 7v4M9 7v4" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round" stroke-linejoin="round"/></svg>';

/** Take over `section` (the drawer's saved-runs part). hooks: open(sid) → state, opened(state, record),
 * label(kind) → words. */
export function createSavedList(section, h) { // → {refresh(fresh)}
  const summaries = new Map(); // saved run id -> its summary ({status, loss, message})
  const $ = (sel) => root.querySelector(sel);
  const busy = toast.whileBusy;
  const root = section;
  const hooks = h;
  let list = [];
  let confirming = null; // the saved run whose delete asks "sure?"
  root.addEventListener("click", onClick);

  function onClick(ev) {
    const b = ev.target.closest("[data-act]");
    if (!b) return;
    const sid = b.closest("[data-sid]")?.dataset.sid;
    const actions = {
      refresh: () => busy(b, () => refresh()),
      open: () => busy(b, () => openSaved(sid)),
      delete: () => {
        confirming = sid;
        render();
        root.querySelector(`[data-sid="${CSS.escape(sid)}"] [data-act="yes"]`)?.focus();
      },
      no: () => {
        confirming = null;
        render();
      },
      yes: () => busy(b, () => remove(sid)),
    };
    actions[b.dataset.act]?.();
  }

  async function openSaved(sid) {
    const rec = list.find((r) => r.id === sid);
    const st = await hooks.open(sid);
    if (st) hooks.opened(st, rec);
  }

  async function remove(sid) {
    const rec = list.find((r) => r.id === sid);
    await socket.deleteSaved(sid);
    confirming = null;
    list = list.filter((r) => r.id !== sid);
    render();
    toast.info(`deleted “${rec?.name ?? "saved run"}”`);
  }

  /** Load the saved runs (and mark `fresh`, a run just saved). */
  async function refresh(fresh = null) {
    try {
      const got = await socket.listSaved();
      list = Array.isArray(got) ? got : got?.runs || [];
    } catch (err) {
      list = [];
      render(`saved runs: ${err.message}`);
      return;
    }
    list.sort((a, b) => String(b.created).localeCompare(String(a.created)));
    render(null, fresh);
    loadSummaries();
  }

  /** Each line's status, read from its saved record (once), shown as it comes. */
  async function loadSummaries() {
    const missing = list.filter((rec) => !rec.summary && !summaries.has(rec.id)).slice(0, 50);
    await Promise.all(missing.map(async (rec) => {
      try {
        summaries.set(rec.id, (await socket.getSaved(rec.id)).summary || null);
      } catch {
        return; // deleted meanwhile, or the server is busy: the line simply shows no status
      }
      const li = root.querySelector(`[data-sid="${CSS.escape(rec.id)}"]`);
      if (li) fillSummary(li, rec);
    }));
  }

  function fillSummary(li, rec) {
    const sum = summaryOf(rec);
    const badge = li.querySelector('[data-slot="status"]');
    badge.hidden = !sum.status;
    badge.dataset.status = sum.status || "";
    badge.textContent = sum.status || "";
    const loss = li.querySelector('[data-slot="loss"]');
    loss.hidden = !sum.text;
    loss.textContent = sum.text;
    if (sum.message) li.title = sum.message;
  }

  function ago(iso) {
    const when = new Date(iso);
    if (Number.isNaN(when.getTime())) return "";
    const s = (Date.now() - when.getTime()) / 1000;
    if (s < 60) return "just now";
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
    if (s < 7 * 86400) return `${Math.floor(s / 86400)} d ago`;
    return when.toLocaleDateString();
  }

  /** {status, text} of a saved run's summary (a string, or {status, message, loss, ...}). */
  function summaryOf(rec) {
    const sum = rec.summary || summaries.get(rec.id);
    if (!sum) return { status: null, text: "", message: "" };
    if (typeof sum === "string") return { status: null, text: sum, message: sum };
    const loss = Number.isFinite(sum.loss) ? `J = ${fmt(sum.loss, 4)}` : "";
    return { status: sum.status || null, text: loss, message: sum.message || "" };
  }

  function render(error = null, fresh = null) {
    const ul = $(".saved-list");
    $('[data-testid="saved-count"]').textContent = list.length ? String(list.length) : "";
    $(".saved-empty").hidden = !!list.length || !!error;
    if (error) {
      ul.innerHTML = `<li class="saved-error">${esc(error)}</li>`;
      return;
    }
    ul.innerHTML = list.map((rec) => {
      const sum = summaryOf(rec);
      const created = rec.created ? new Date(rec.created) : null;
      const sure = confirming === rec.id;
      const actions = sure
        ? `<span class="sure">Delete for good?</span>
           <button type="button" class="btn btn-small btn-danger" data-act="yes" data-testid="saved-delete-yes">Delete</button>
           <button type="button" class="btn btn-small" data-act="no">Keep</button>`
        : `<button type="button" class="btn btn-small" data-act="open" data-testid="saved-open">Open</button>
           <button type="button" class="icon-btn saved-delete" data-act="delete" data-testid="saved-delete"
             aria-label="Delete ${esc(rec.name)}" title="Delete">${TRASH}</button>`;
      return `<li class="saved-item${rec.id === fresh ? " fresh" : ""}${sure ? " confirming" : ""}" data-sid="${esc(rec.id)}"
          data-testid="saved-item"${sum.message ? ` title="${esc(sum.message)}"` : ""}>
        <div class="saved-top">
          <b class="saved-name" title="${esc(rec.name)}">${esc(rec.name)}</b>
          <span class="badge" data-slot="status" data-status="${esc(sum.status || "")}"${sum.status ? "" : " hidden"}>${esc(sum.status || "")}</span>
        </div>
        <div class="saved-meta">
          <span>${esc(hooks.label(rec.kind))}</span><span class="mono">t = ${esc(rec.t ?? "?")}</span>
          <span class="mono" data-slot="loss"${sum.text ? "" : " hidden"}>${esc(sum.text)}</span>
          <time datetime="${esc(rec.created || "")}" title="${esc(created ? created.toLocaleString() : "")}">${esc(ago(rec.created))}</time>
        </div>
        <div class="saved-actions">${actions}</div>
      </li>`;
    }).join("");
  }

  return { refresh };
}
