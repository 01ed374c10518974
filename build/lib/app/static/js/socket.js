// The page's one door to the server: the run's websocket stream (createStream), and the REST calls of
// api.js, passed on as they are (no module but this one imports api.js).
//
// The stream reconnects with exponential backoff when it drops; the server's hello message then
// resyncs the page (state + the whole history). A run that no longer exists is reported as "gone".

import * as api from "./api.js";

export * from "./api.js";

const PING_MS = 20000; // keep idle connections (and proxies) awake
const MAX_BACKOFF_MS = 8000;
const MAX_QUEUE = 50; // messages kept while (re)connecting
const listeners = new Map(); // message type -> functions called after the stream's handler (classroom/*.js)

/** Also call `fn` with every server message of this type, on any stream (watchers, closing). */
export function listen(type, fn) {
  if (!listeners.has(type)) listeners.set(type, []);
  listeners.get(type).push(fn);
}

/** The stream of one page; handlers: hello, frame, status, reset, racers, error, pong (server messages) and
 * open({reconnected}), close({code, reason}), gone(id). {connect, disconnect, send, isOpen}. */
export function createStream(handlers) {
  let ws = null;
  let runId = null;
  let retries = 0;
  let retryTimer = null;
  let pingTimer = null;
  let queue = [];
  let everOpened = false;

  /** Stream run `id` (closing any previous stream). */
  function connect(id) {
    disconnect();
    runId = id;
    retries = 0;
    everOpened = false;
    open();
  }

  /** Close the stream on purpose (no reconnect). */
  function disconnect() {
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
  function send(msg) {
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
  function isOpen() {
    return !!ws && ws.readyState === WebSocket.OPEN;
  }

  function open() {
    const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
    const t = api.token();
    const auth = t ? `?token=${encodeURIComponent(t)}` : "";
    const sock = new WebSocket(`${proto}//${window.location.host}${api.base(runId)}/stream${auth}`);
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
      for (const f of listeners.get(msg.type) || []) f(msg);
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

  return { connect, disconnect, send, isOpen };
}
