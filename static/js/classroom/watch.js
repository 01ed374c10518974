// Watch links. A teacher's page: Share → Watch live copies the link, shows how many watch and ends the broadcast.
// A watcher's page (/watch/<token>): "watching <name>", how many watch, controls locked, and a Fork button
// that turns the page into the watcher's own run in the watched run's exact state.

import * as S from "../state.js";
import * as socket from "../socket.js";
import * as toast from "../toast.js";
import { pageConfig } from "../replay.js";
import { bar, el, lockControls, watchingText } from "./bar.js";

let broadcastRun = null; // the run this page broadcasts (a teacher's page)

// ----- the teacher's page ---------------------------------------------------------------------------------

/** Add Share → Watch live to the top bar; the broadcast bar follows the run's `watchers` messages. */
export function initOwner() {
  const nav = document.querySelector(".topbar-links");
  const button = el("button", { type: "button", class: "link-button", id: "watch-live", "data-testid": "watch-live",
    title: "Share → Watch live: a link that shows this run live, without control", onclick: startBroadcast },
  "Share → Watch live");
  nav.prepend(button);
  socket.listen("watchers", (m) => {
    if (!broadcastRun || S.run.id !== broadcastRun || socket.isGuest(S.run.id)) return;
    if (!m.live) hideOwnerBar();
    else ownerCount(m.count);
  });
  S.on("run", (id) => { if (broadcastRun && id !== broadcastRun) hideOwnerBar(); });
}

async function startBroadcast() {
  if (!S.run.id) return;
  const name = `${S.config.kind.replace("_", " ")} · ${S.run.state?.race ? "race" : S.run.state?.racers?.[0]?.optimizer?.name || "race"}`;
  let info;
  try {
    info = await socket.startWatch(S.run.id, name);
  } catch (err) {
    toast.error(`watch link: ${err.message}`);
    return;
  }
  broadcastRun = S.run.id;
  const link = `${window.location.origin}/watch/${info.token}`;
  const b = bar("owner-bar");
  b.replaceChildren(
    el("span", { class: "live-dot", "aria-hidden": "true" }),
    el("span", { text: "Broadcasting " }), el("b", { text: name }),
    el("input", { class: "link-box", readonly: true, value: link, "data-testid": "watch-link", size: 40,
      onfocus: (e) => e.target.select() }),
    el("span", { class: "watch-count", "data-testid": "watch-count", text: watchingText(info.watchers) }),
    el("button", { type: "button", class: "btn", "data-testid": "end-broadcast", text: "End broadcast",
      onclick: endBroadcast }));
  b.hidden = false;
  try {
    await navigator.clipboard.writeText(link);
    toast.info("watch link copied");
  } catch {
    toast.info("the watch link is in the bar under the top bar");
  }
}

function ownerCount(n) {
  const c = document.querySelector('[data-testid="watch-count"]');
  if (c) c.textContent = watchingText(n);
}

async function endBroadcast() {
  const id = broadcastRun;
  hideOwnerBar();
  try {
    await socket.endWatch(id);
    toast.info("broadcast ended");
  } catch (err) {
    toast.error(err.message);
  }
}

function hideOwnerBar() {
  broadcastRun = null;
  const b = document.querySelector('[data-testid="owner-bar"]');
  if (b) b.hidden = true;
}

// ----- the watcher's page -----------------------------------------------------------------------------------

/** Watch the broadcast `token` on this page. */
export async function watch(token, hooks) {
  lockControls(true);
  document.body.classList.add("guest");
  const b = bar("watch-bar");
  const title = el("span", { "data-testid": "watching", text: "opening the watch link…" });
  const count = el("span", { class: "watch-count", "data-testid": "watch-count" });
  const fork = el("button", { type: "button", class: "btn btn-primary", "data-testid": "fork", text: "Fork",
    title: "A run of your own from this run's current state, to play with", onclick: () => forkIt(token, hooks) });
  b.replaceChildren(el("span", { class: "live-dot", "aria-hidden": "true" }), title, count, fork);
  const id = `watch:${token}`;
  let info;
  try {
    info = await socket.getWatched(token);
    const cfg = await socket.getRunConfig(id);
    await hooks.session.adoptRun(async () => {
      hooks.adoptConfig(pageConfig(cfg.config, info.state));
      return { ...info.state, id };
    });
  } catch (err) {
    title.textContent = `this watch link does not work: ${err.message}`;
    fork.hidden = true;
    return;
  }
  title.textContent = `watching ${info.name}`;
  count.textContent = watchingText(info.watchers);
  socket.listen("watchers", (m) => {
    if (S.run.id === id && m.live) count.textContent = watchingText(m.count);
  });
  socket.listen("closing", (m) => {
    if (S.run.id !== id) return;
    hooks.session.close(); // no reconnecting to an ended broadcast
    title.textContent = `${m.reason}: what you see stays on the page`;
    count.textContent = "";
    b.querySelector('[data-testid="fork"]').hidden = true;
    b.classList.add("ended");
  });
}

async function forkIt(token, hooks) {
  let st;
  try {
    st = await socket.forkWatched(token);
  } catch (err) {
    toast.error(`fork: ${err.message}`);
    return;
  }
  hooks.session.close();
  lockControls(false);
  document.body.classList.remove("guest");
  document.querySelector('[data-testid="watch-bar"]').hidden = true;
  window.history.replaceState(null, "", `/${window.location.search}`);
  const cfg = await socket.getRunConfig(st.id);
  await hooks.session.adoptRun(async () => {
    hooks.adoptConfig(pageConfig(cfg.config, st));
    return st;
  });
  toast.info(`forked at t = ${st.t}: this run is yours`);
}
