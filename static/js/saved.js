// The Runs drawer: save the run with a name, the two links (settings from t = 0, and a replay link that
// reproduces the run's numbers), exports and import, and the saved runs (saved_list.js). It slides over the
// charts from the right and leaves the page usable; the top bar's "Runs" toggles it, Escape closes it.

import * as S from "./state.js";
import * as socket from "./socket.js";
import * as toast from "./toast.js";
import { MAX_LINK_CHARS, checkDoc } from "./replay.js";
import * as exporter from "./export.js";
import { createSavedList } from "./saved_list.js";
import { fmt } from "./format.js";
import { racerLabel } from "./racers.js";
import { PANELS } from "./panels/index.js";
import { restoreView } from "./view_doc.js";

const MAX_NAME = 100; // the server takes 1-100 characters
const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
const kindLabel = (kind) => PANELS[kind]?.label || String(kind || "run").replaceAll("_", " ");

/** Build the drawer; `button` (the top bar's "Runs") opens and closes it; `replay`: the page's replays
 * (replay.js: reopen, import, links). {open, close}. */
export function createSaved(button, replay) {
  const $ = (sel) => root.querySelector(sel);
  const busy = toast.whileBusy;
  const toggle = button;
  const root = document.createElement("aside");
  let nowKey = "";
  root.className = "drawer";
  root.id = "runs-drawer";
  root.hidden = true;
  root.setAttribute("role", "dialog");
  root.setAttribute("aria-labelledby", "runs-title");
  root.dataset.testid = "runs-drawer";
  root.innerHTML = `
    <header class="drawer-head">
      <h2 id="runs-title">Runs</h2>
      <span class="drawer-sub">save · share · export</span>
      <button type="button" class="icon-btn drawer-close" data-act="close" aria-label="Close" title="Close (Esc)">×</button>
    </header>
    <div class="drawer-body">
      <section class="drawer-section" aria-labelledby="runs-h-now">
        <h3 id="runs-h-now">This run</h3>
        <div class="run-now" data-testid="run-now"></div>
        <form class="save-form" data-testid="save-form" novalidate>
          <input type="text" name="name" maxlength="${MAX_NAME}" placeholder="A name for this run" autocomplete="off"
            spellcheck="false" aria-label="Name of the saved run" data-testid="save-name">
          <button type="submit" class="btn btn-primary btn-small" data-testid="save-run">Save</button>
        </form>
        <p class="hint">Saved on the server with its settings and live changes; reopening replays it to the same numbers.</p>
      </section>

      <section class="drawer-section" aria-labelledby="runs-h-share">
        <h3 id="runs-h-share">Share</h3>
        <div class="share-buttons">
          <button type="button" class="btn btn-small" data-act="copy-settings" data-testid="copy-settings"
            title="Opens the same set-up (problem, data, network, optimisers, seed) from t = 0">Copy settings link</button>
          <button type="button" class="btn btn-small" data-act="copy-replay" data-testid="copy-replay"
            title="Opens this run replayed to its current step, live changes included: the same numbers">Copy replay link</button>
        </div>
        <div class="share-out" data-share hidden>
          <input type="text" readonly class="share-url" data-testid="share-url" aria-label="The link">
          <p class="hint" data-share-note></p>
        </div>
      </section>

      <section class="drawer-section" aria-labelledby="runs-h-files">
        <h3 id="runs-h-files">Export and import</h3>
        <div class="file-grid">
          <button type="button" class="file-tile" data-act="export-json" data-testid="export-json">
            <b>Run JSON</b><span>set-up, changes, history; import to replay</span></button>
          <button type="button" class="file-tile" data-act="history-csv" data-testid="history-csv">
            <b>History CSV</b><span>every step, for a spreadsheet</span></button>
          <button type="button" class="file-tile" data-act="history-json" data-testid="history-json">
            <b>History JSON</b><span>every step record</span></button>
          <label class="file-tile file-import" data-testid="import-label">
            <input type="file" accept=".json,application/json" data-testid="import-file" hidden>
            <b>Import run JSON…</b><span>replay an exported run</span></label>
        </div>
        <p class="hint">Charts: the <span class="inline-icon" aria-hidden="true">${exporter.ICON}</span> button on each chart saves it as PNG or SVG.</p>
      </section>

      <section class="drawer-section saved-section" aria-labelledby="runs-h-saved">
        <h3 id="runs-h-saved">Saved runs <span class="count" data-testid="saved-count"></span>
          <button type="button" class="link-button" data-act="refresh" title="Load the list again">refresh</button></h3>
        <ul class="saved-list" data-testid="saved-list" aria-live="polite"></ul>
        <p class="saved-empty hint" data-testid="saved-empty" hidden>No saved runs yet. Name this run above and save it:
          it stays on the server, also after a restart.</p>
      </section>
    </div>`;
  document.body.append(root);

  toggle.addEventListener("click", () => (root.hidden ? open() : close()));
  root.addEventListener("click", onClick);
  $(".save-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    save();
  });
  $('input[type="file"]').addEventListener("change", onImport);
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && !root.hidden && !document.querySelector(".export-menu:not([hidden])")) close();
  });
  S.on("state", () => { if (!root.hidden) showNow(); });
  const savedList = createSavedList($(".saved-section"), {
    open: (sid) => replay.openSaved(sid),
    opened: (st, rec) => {
      toast.info(`opened “${rec?.name ?? "saved run"}” at t = ${st.t}`);
      close();
    },
    label: kindLabel,
  });

  /** Open the drawer (and load the saved runs). */
  function open() {
    root.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    toggle.classList.add("active");
    showNow();
    const input = $('input[name="name"]');
    if (!input.value) input.value = suggestedName();
    input.focus();
    input.select();
    savedList.refresh();
  }

  /** Close the drawer. */
  function close() {
    if (root.hidden) return;
    root.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    toggle.classList.remove("active");
    toggle.focus();
  }

  function racersText(st) {
    const racers = st?.racers?.length ? st.racers : st ? [st] : [];
    const names = racers.map((r) => r.optimizer?.label || racerLabel(r.optimizer || { name: "gd" }));
    if (names.length <= 2) return names.join(" vs ");
    return `${names.length} racers`;
  }

  function suggestedName() {
    const st = S.run.state;
    const r = S.config.racers[0];
    const lr = S.config.racers.length === 1 && r.lr !== undefined ? ` γ=${fmt(r.lr)}` : "";
    return `${kindLabel(S.config.kind)} · ${racersText(st)}${lr} · t=${st?.t ?? 0}`.slice(0, MAX_NAME);
  }

  function showNow() {
    const st = S.run.state;
    const el = $(".run-now");
    if (!st) {
      el.textContent = "no run yet";
      nowKey = "";
      return;
    }
    const loss = st.race ? Math.min(...(st.racers || []).map((r) => r.loss).filter(Number.isFinite)) : st.racers?.[0]?.loss;
    const key = `${st.status}|${st.t}|${loss}|${racersText(st)}|${S.config.kind}`;
    if (key === nowKey) return; // a playing run sends ~30 states a second
    nowKey = key;
    el.innerHTML = `<span class="badge" data-status="${esc(st.status)}">${esc(st.status)}</span>
      <span>${esc(kindLabel(S.config.kind))} · ${esc(racersText(st))}</span>
      <span class="mono">t = ${esc(st.t ?? 0)} · J = ${esc(fmt(loss, 4))}</span>`;
  }

  // ----- actions -----------------------------------------------------------------------------------------

  function onClick(ev) {
    const b = ev.target.closest("[data-act]");
    if (!b || b.closest(".saved-section")) return; // the saved runs handle their own (saved_list.js)
    const act = b.dataset.act;
    const actions = {
      close,
      "copy-settings": () => busy(b, copySettings),
      "copy-replay": () => busy(b, copyReplay),
      "export-json": () => busy(b, exporter.runJson),
      "history-csv": () => busy(b, () => exporter.history("csv")),
      "history-json": () => busy(b, () => exporter.history("json")),
    };
    actions[act]?.();
  }

  async function save() {
    const input = $('input[name="name"]');
    const name = input.value.trim() || suggestedName();
    const btn = $('[data-testid="save-run"]');
    await busy(btn, async () => {
      if (!S.run.id) throw new Error("no run yet");
      const rec = await socket.saveRun(S.run.id, name.slice(0, MAX_NAME));
      toast.info(`saved “${rec.name}” at t = ${rec.t}`);
      input.value = "";
      await savedList.refresh(rec.id);
    });
  }

  function showLink(url, note) {
    const box = $("[data-share]");
    box.hidden = false;
    const input = box.querySelector("input");
    input.value = url;
    box.querySelector("[data-share-note]").textContent = note;
    input.focus();
    input.select();
  }

  async function copy(url, what) {
    try {
      await navigator.clipboard.writeText(url);
      toast.info(`${what} copied`);
      return true;
    } catch {
      toast.info(`${what} selected below: press Ctrl+C (⌘C) to copy it`);
      return false;
    }
  }

  async function copySettings() {
    S.writeUrlNow();
    const url = window.location.href;
    const csv = S.linkIsComplete() ? "" : " The uploaded CSV is too long for a link: export the run JSON to share it.";
    showLink(url, `Opens this set-up from t = 0.${csv}`);
    await copy(url, "settings link");
  }

  async function copyReplay() {
    const link = await replay.replayLink();
    if (link.tooLong) {
      showLink("", `This run is too big for a link (${link.tooLong.toLocaleString("en")} characters, at most `
        + `${MAX_LINK_CHARS.toLocaleString("en")}): export the run JSON and share the file instead.`);
      $("[data-share] input").value = "";
      toast.error("too big for a replay link: use Export → Run JSON");
      return;
    }
    const t = S.run.state?.t ?? 0;
    showLink(link.url, `Replays this run to t = ${t}, live changes included (${link.url.length.toLocaleString("en")} characters).`);
    await copy(link.url, "replay link");
  }

  async function onImport(ev) {
    const file = ev.target.files && ev.target.files[0];
    ev.target.value = ""; // the same file can be chosen again
    if (!file) return;
    const label = $('[data-testid="import-label"]');
    label.classList.add("busy");
    try {
      if (file.size > MAX_IMPORT_BYTES) throw new Error(`${file.name} is larger than 64 MB`);
      let doc;
      try {
        doc = JSON.parse(await file.text());
      } catch {
        throw new Error(`${file.name} is not JSON`);
      }
      const why = checkDoc(doc);
      if (why) throw new Error(`${file.name}: ${why}`);
      // What the server replays from; the state and history in the file come back from the replay itself.
      const { format, version, config, events, clock } = doc;
      const st = await replay.importDoc({ format, version, config, events: events || [], clock: clock || 0 });
      if (st) {
        restoreView(doc); // the view toggles it was exported with (view_doc.js)
        toast.info(`imported ${file.name}: replayed to t = ${st.t}`);
        close();
      }
    } catch (err) {
      toast.error(`import: ${err.message || err}`);
    } finally {
      label.classList.remove("busy");
    }
  }

  return { open, close };
}
