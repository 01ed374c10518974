// The REST calls of the page. Only socket.js imports this module: it is the page's one door to the server.

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

export const createRun = (spec) => request("POST", "/api/runs", spec);
export const getRun = (id) => request("GET", `/api/runs/${id}`);
export const deleteRun = (id, extra) => request("DELETE", `/api/runs/${id}`, undefined, extra);
export const getData = (id) => request("GET", `/api/runs/${id}/data`);
export const getSurface = (id, n, box) => request("GET", `/api/runs/${id}/surface${query({ n, ...box })}`);
export const getField = (id, n, box) => request("GET", `/api/runs/${id}/field${query({ n, ...box })}`);
export const getFlow = (id, perSide, box) =>
  request("GET", `/api/runs/${id}/flow${query({ per_side: perSide, ...box })}`);
export const historyUrl = (id, format = "csv") =>
  `/api/runs/${id}/history${query({ format, token: token() || undefined })}`;
