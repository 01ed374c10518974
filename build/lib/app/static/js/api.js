// The REST calls of the page. Only socket.js imports this module (and passes these on as they are): it is the
// page's one door to the server.

/** An error from the server, carrying its status and the message that names the bad field. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function messageOf(body, status) {
  if (!body) return `HTTP ${status}`;
  if (typeof body.detail === "string") return body.detail;
  if (Array.isArray(body.detail)) {
    // FastAPI validation errors: [{loc: [...], msg}, ...]
    return body.detail.map((d) => {
      const field = (d.loc || []).filter((p) => p !== "body").join(".");
      return !field || String(d.msg).startsWith(field) ? d.msg : `${field}: ${d.msg}`;
    }).join("; ");
  }
  if (body.message) return body.message;
  return `HTTP ${status}`;
}

const TOKEN_KEY = "descent-api-token";

/** The API token of a server started with one (given once as ?token=…, kept for the tab's session). */
export function token() {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** Keep the token for this tab (the page then drops it from the address bar, so links never carry it). */
export function rememberToken(value) {
  try {
    window.sessionStorage.setItem(TOKEN_KEY, value);
  } catch {
    /* storage is off: the token lasts for this page only */
  }
}

async function request(method, path, body, extra = {}) {
  const init = { method, headers: { Accept: "application/json" }, ...extra };
  const t = token();
  if (t) init.headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) throw new ApiError(res.status, messageOf(json, res.status));
  return json;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Where a run's routes live: its own id, or a guest's token ("watch:…" a watch link, "attempt:…" a challenge
 * attempt), which reaches the same read-only views and stream without the run id (app/classroom/views.py). */
export function base(id) {
  const s = String(id);
  if (s.startsWith("watch:")) return `/api/watch/${encodeURIComponent(s.slice(6))}`;
  if (s.startsWith("attempt:")) return `/api/attempts/${encodeURIComponent(s.slice(8))}`;
  return `/api/runs/${s}`;
}

/** A guest's pseudo-id (the page does not own that run: it never deletes it). */
export const isGuest = (id) => /^(watch|attempt):/.test(String(id));

export const createRun = (spec) => request("POST", "/api/runs", spec);
export const getRun = (id) => request("GET", `${base(id)}`);
/** Delete a run, best effort (runs also expire): never throws. */
export const deleteRun = (id) => (isGuest(id) ? Promise.resolve(null)
  : request("DELETE", `${base(id)}`).catch(() => null));
/** Delete a run while the page unloads (keepalive lets the request outlive the page). */
export const deleteRunOnExit = (id) => (isGuest(id) ? Promise.resolve(null) : request("DELETE", `${base(id)}`, undefined, { keepalive: true }))
  .catch(() => null);
export const getData = (id) => request("GET", `${base(id)}/data`);
export const getSurface = (id, n, box) => request("GET", `${base(id)}/surface${query({ n, ...box })}`);
export const getField = (id, n, box) => request("GET", `${base(id)}/field${query({ n, ...box })}`);
export const getFlow = (id, perSide, box) =>
  request("GET", `${base(id)}/flow${query({ per_side: perSide, ...box })}`);
// Networks: the weights, the model's output over the input plane (or at given points), the hidden units.
export const getNetwork = (id) => request("GET", `${base(id)}/network`);
// `plane`: {plane: "slice" | "pca", x_feature, y_feature} for data with more than two features.
export const getPredict = (id, n, plane = {}) => request("GET", `${base(id)}/predict${query({ n, ...plane })}`);
export const postPredict = (id, points) => request("POST", `${base(id)}/predict`, { points });
export const getHidden = (id, n, plane = {}) => request("GET", `${base(id)}/hidden${query({ n, ...plane })}`);
// The lecture (issue 5): backprop table, cross-entropy vs quadratic, loss-landscape slices, one update explained.
export const getBackprop = (id, params) => request("GET", `${base(id)}/backprop${query(params)}`);
/** Run `id`'s network, or the small default network when id is null. */
export const getLossCompare = (id, params) =>
  request("GET", `${id ? `${base(id)}` : "/api"}/loss-compare${query(params)}`);
export const getSlice = (id, params) => request("GET", `${base(id)}/slice${query(params)}`);
export const getLine = (id, params) => request("GET", `${base(id)}/line${query(params)}`);
export const getExplain = (id, params) => request("GET", `${base(id)}/explain${query(params)}`);
export const getLessons = () => request("GET", "/api/lessons");
/** The landscape of the parameter plot over `box` (or the server's default box): surface, field and flow. */
export async function getLandscape(id, box, { gridN = 100, fieldN = 17, flowPerSide = 4 } = {}) {
  const surface = await getSurface(id, gridN, box);
  const b = box || surface.box;
  const [field, flow] = await Promise.all([
    getField(id, fieldN, b).catch(() => null),
    getFlow(id, flowPerSide, b).catch(() => null),
  ]);
  return { surface, field, flow, box: b };
}
export const historyUrl = (id, format = "csv") =>
  `${base(id)}/history${query({ format, token: token() || undefined })}`;

// ----- saved runs, export and import (saved.js, export.js, replay.js) ---------------------------------------

/** The body of an answer as text (CSV, or JSON kept byte for byte for a download). */
async function requestText(path) {
  const headers = {};
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  const res = await fetch(path, { headers });
  const text = await res.text();
  if (!res.ok) {
    let json = null;
    try { json = JSON.parse(text); } catch { json = null; }
    throw new ApiError(res.status, messageOf(json, res.status));
  }
  return text;
}

export const saveRun = (id, name) => request("POST", `${base(id)}/save`, { name });
export const listSaved = () => request("GET", "/api/saved");
export const getSaved = (sid) => request("GET", `/api/saved/${encodeURIComponent(sid)}`);
export const openSaved = (sid) => request("POST", `/api/saved/${encodeURIComponent(sid)}/open`);
export const deleteSaved = (sid) => request("DELETE", `/api/saved/${encodeURIComponent(sid)}`);
export const getRunConfig = (id) => request("GET", `${base(id)}/config`);
export const importRun = (doc) => request("POST", "/api/runs/import", doc);
export const exportText = (id) => requestText(`${base(id)}/export`);
export const historyText = (id, format = "csv") => requestText(`${base(id)}/history${query({ format })}`);

// ----- the classroom: watch links, forks, challenges (classroom/*.js) -------------------------------------
const enc = encodeURIComponent;
export const startWatch = (id, name) => request("POST", `/api/runs/${id}/watch`, { name });
export const endWatch = (id) => request("DELETE", `/api/runs/${id}/watch`);
export const getWatched = (token) => request("GET", `/api/watch/${enc(token)}`);
export const forkWatched = (token) => request("POST", `/api/watch/${enc(token)}/fork`);
export const createChallenge = (id, spec) => request("POST", `/api/runs/${id}/challenge`, spec);
export const getChallenge = (cid) => request("GET", `/api/challenges/${enc(cid)}`);
export const startAttempt = (cid, name, settings) =>
  request("POST", `/api/challenges/${enc(cid)}/attempts`, { name, settings });
export const getBoard = (cid) => request("GET", `/api/challenges/${enc(cid)}/board`);
export const getPaths = (cid, key, ids) =>
  request("GET", `/api/challenges/${enc(cid)}/paths${query({ key, ids: ids.join(",") })}`);
