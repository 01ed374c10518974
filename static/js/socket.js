// The page's one door to the server: the run's websocket stream, and the REST helpers (api.js) it owns.
//
// The stream reconnects with exponential backoff when it drops; the server's hello message then
// resyncs the page (state + the whole history). A run that no longer exists is reported as "gone".

import * as api from "./api.js";

export { ApiError } from "./api.js";

const PING_MS = 20000; // keep idle connections (and proxies) awake
const MAX_BACKOFF_MS = 8000;
const MAX_QUEUE = 50; // messages kept while (re)connecting

let ws = null;
let runId = null;
let retries = 0;
let retryTimer = null;
let pingTimer = null;
let queue = [];
let handlers = {};
let everOpened = false;

/** Set the handlers: hello, frame, status, reset, error (server messages) and open, close, gone. */
export function setHandlers(h) {
  handlers = h;
}

/** Stream run `id` (closing any previous stream). */
export function connect(id) {
  disconnect();
  runId = id;
  retries = 0;
  everOpened = false;
  open();
}

/** Close the stream on purpose (no reconnect). */
export function disconnect() {
  clearTimeout(retryTimer);
  clearInterval(pingTimer);
  queue = [];
  if (ws) {
    const old = ws;
    ws = null;
    old.onopen = old.onmessage = old.onclose = old.onerror = null;
    if (old.readyState <= WebSocket.OPEN) old.close(1000, "page switched runs");
  }
}

/** Send a message now, or as soon as the stream is open. */
export function send(msg) {
  if (ws && ws.readyState === WebSocket.OPEN) {
    ws.send(JSON.stringify(msg));
    return;
  }
  // While (re)connecting: a newer set/play/pause supersedes an older one of the same type.
  queue = queue.filter((m) => m.type !== msg.type || m.type === "step");
  queue.push(msg);
  if (queue.length > MAX_QUEUE) queue.shift();
}

/** Whether the stream is open. */
export function isOpen() {
  return !!ws && ws.readyState === WebSocket.OPEN;
}

function open() {
  const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
  const t = api.token();
  const auth = t ? `?token=${encodeURIComponent(t)}` : "";
  const sock = new WebSocket(`${proto}//${window.location.host}/api/runs/${runId}/stream${auth}`);
  ws = sock;
  sock.onopen = () => {
    if (sock !== ws) return;
    const reconnected = everOpened;
    everOpened = true;
    retries = 0;
    const pending = queue;
    queue = [];
    for (const m of pending) sock.send(JSON.stringify(m));
    clearInterval(pingTimer);
    pingTimer = setInterval(() => send({ type: "ping" }), PING_MS);
    handlers.open?.({ reconnected });
  };
  sock.onmessage = (ev) => {
    if (sock !== ws) return;
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      handlers.error?.({ type: "error", message: "the server sent a message that is not JSON" });
      return;
    }
    const fn = handlers[msg.type];
    if (fn) fn(msg);
  };
  sock.onerror = () => {
    // A close event always follows; reconnecting is handled there.
  };
  sock.onclose = (ev) => {
    if (sock !== ws) return;
    ws = null;
    clearInterval(pingTimer);
    handlers.close?.({ code: ev.code, reason: ev.reason });
    if (ev.code === 1008 || ev.code === 4404) handlers.gone?.(runId);
    else scheduleReconnect();
  };
}

function scheduleReconnect() {
  const delay = Math.min(MAX_BACKOFF_MS, 300 * 2 ** retries) * (0.75 + 0.5 * Math.random());
  retries += 1;
  const id = runId;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(async () => {
    if (id !== runId) return;
    try {
      await api.getRun(id); // is the run still held by the server?
    } catch (err) {
      if (id !== runId) return;
      if (err instanceof api.ApiError && (err.status === 404 || err.status === 410)) {
        handlers.gone?.(id, err); // 410: behind a proxy, the server process holding the run stopped
        return;
      }
      scheduleReconnect(); // the server is down: keep trying
      return;
    }
    if (id === runId && !ws) open();
  }, delay);
}

// ----- REST (through api.js) ----------------------------------------------------------------------

export const rememberToken = (value) => api.rememberToken(value);
export const hasToken = () => !!api.token();

export const createRun = (spec) => api.createRun(spec);
export const deleteRun = (id) => api.deleteRun(id).catch(() => null); // best effort: runs also expire
/** Delete a run while the page unloads (keepalive lets the request outlive the page). */
export const deleteRunOnExit = (id) => api.deleteRun(id, { keepalive: true }).catch(() => null);
export const fetchData = (id) => api.getData(id);
export const historyUrl = (id, format) => api.historyUrl(id, format);
export const fetchNetwork = (id) => api.getNetwork(id);
export const fetchPredict = (id, n) => api.getPredict(id, n);
export const predictPoints = (id, points) => api.postPredict(id, points);
export const fetchHidden = (id, n) => api.getHidden(id, n);
// The lecture's views (lecture/*.js).
export const fetchBackprop = (id, params) => api.getBackprop(id, params);
export const fetchLossCompare = (id, params) => api.getLossCompare(id, params);
export const fetchSlice = (id, params) => api.getSlice(id, params);
export const fetchLine = (id, params) => api.getLine(id, params);
export const fetchExplain = (id, params) => api.getExplain(id, params);
export const fetchLessons = () => api.getLessons();

/** The landscape of the parameter plot over `box` (or the server's default box). */
export async function fetchLandscape(id, box, { gridN = 100, fieldN = 17, flowPerSide = 4 } = {}) {
  const surface = await api.getSurface(id, gridN, box);
  const b = box || surface.box;
  const [field, flow] = await Promise.all([
    api.getField(id, fieldN, b).catch(() => null),
    api.getFlow(id, flowPerSide, b).catch(() => null),
  ]);
  return { surface, field, flow, box: b };
}

// Saved runs, export and import (saved.js, export.js, replay.js).
export const saveRun = (id, name) => api.saveRun(id, name);
export const listSaved = () => api.listSaved();
export const getSaved = (sid) => api.getSaved(sid);
export const openSaved = (sid) => api.openSaved(sid);
export const deleteSaved = (sid) => api.deleteSaved(sid);
export const fetchRunConfig = (id) => api.getRunConfig(id);
export const importRun = (doc) => api.importRun(doc);
export const exportText = (id) => api.exportText(id);
export const historyText = (id, format) => api.historyText(id, format);
