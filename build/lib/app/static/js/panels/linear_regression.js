// The settings panel of the linear-regression problem: generated data y = θ1 + θ2·x + noise, or a CSV
// upload (header x,y) read in the browser and sent as text. Any change here starts a fresh run.
//
// Every problem kind has a panel with the same shape: {kind, title, create(el, hooks) → {sync(config)}}.

import { checked, mark } from "../checks.js";

export const kind = "linear_regression";
export const label = "regression line"; // in the problem-kind switch
export const title = "Data";

const FIELDS = [
  { key: "n", label: "N points", int: true, min: 2, title: "number of examples (x⁽ⁱ⁾, y⁽ⁱ⁾)" },
  { key: "noise", label: "noise σ", min: 0, max: 1e6, title: "standard deviation of the Gaussian noise on y" },
  { key: "intercept", label: "true θ₁", min: -1e6, max: 1e6, title: "intercept of the line the data is drawn from" },
  { key: "slope", label: "true θ₂", min: -1e6, max: 1e6, title: "slope of the line the data is drawn from" },
  { key: "x_min", label: "x from", min: -1e6, max: 1e6, title: "x is drawn uniformly from [x from, x to]" },
  { key: "x_max", label: "x to", min: -1e6, max: 1e6, title: "x is drawn uniformly from [x from, x to]" },
  { key: "seed", label: "data seed", int: true, min: 0, max: 2 ** 32 - 1, title: "same seed, same points" },
];


/** The panel inside `el`, {sync, ...} (see the end); hooks: onData(dataChanges), onCsv(text), onClearCsv(), onError(msg);
 * limits: the server's (max_points). */
export function create(el, h, limits = {}) {
  const root = el;
  const hooks = h;
  let maxPoints = 100000;
  let fileName = null;
  let shown = {}; // the data settings in force
  if (limits.max_points) maxPoints = limits.max_points;
  el.innerHTML = `
    <p class="hint model">y = θ₁ + θ₂·x + noise, &nbsp;J(θ) = 1/N Σ (y⁽ⁱ⁾ − θᵀx⁽ⁱ⁾)²</p>
    <div class="grid-2 data-fields">
      ${FIELDS.map((f) => `
        <label class="field" title="${f.title}">
          <span class="field-label">${f.label}</span>
          <input type="text" inputmode="decimal" class="num" data-data="${f.key}" spellcheck="false"
                 data-testid="data-${f.key}">
        </label>`).join("")}
    </div>
    <div class="csv-row">
      <label class="btn btn-small file-button">
        <input type="file" accept=".csv,text/csv,text/plain" data-testid="csv-file" hidden>
        Upload CSV…
      </label>
      <span class="csv-status hint" data-csv-status>columns x,y with a header</span>
      <button type="button" class="link-button" data-csv-clear hidden>use generated</button>
    </div>`;
  for (const input of el.querySelectorAll("[data-data]")) {
    input.addEventListener("change", () => onField(input));
  }
  el.querySelector('input[type="file"]').addEventListener("change", onFile);
  el.querySelector("[data-csv-clear]").addEventListener("click", () => {
    fileName = null;
    hooks.onClearCsv?.();
  });


  function onField(input) {
    const f = FIELDS.find((x) => x.key === input.dataset.data);
    const max = f.key === "n" ? maxPoints : f.max;
    const v = checked(input, { name: f.label, int: f.int, min: f.min, max });
    if (v === undefined) return;
    // x from < x to, said at the field just typed (the run is not touched until both fit).
    const data = { ...shown, [f.key]: v };
    if (f.key === "x_min" || f.key === "x_max") {
      const other = root.querySelector(`[data-data="${f.key === "x_min" ? "x_max" : "x_min"}"]`);
      mark(other, null);
      if (!(data.x_min < data.x_max)) {
        mark(input, `"x from" must be less than "x to" (${data.x_min} ≥ ${data.x_max})`);
        return;
      }
    }
    hooks.onData?.({ [f.key]: v });
  }

  async function onFile(ev) {
    const file = ev.target.files && ev.target.files[0];
    ev.target.value = ""; // choosing the same file again fires change again
    if (!file) return;
    if (file.size > 8 * 1024 * 1024) {
      hooks.onError?.(`${file.name} is larger than 8 MB`);
      return;
    }
    const text = await file.text();
    const header = text.split(/\r?\n/, 1)[0].replace(/^\uFEFF/, "").trim().toLowerCase().replace(/\s/g, "");
    if (header !== "x,y") {
      hooks.onError?.(`${file.name}: the first line must be the header x,y (got "${header.slice(0, 40)}")`);
      return;
    }
    fileName = file.name;
    hooks.onCsv?.(text);
  }

  /** Show the config's values. */
  function sync(config) {
    shown = { ...config.data };
    const usingCsv = config.csv !== null;
    for (const input of root.querySelectorAll("[data-data]")) {
      if (document.activeElement !== input) input.value = String(config.data[input.dataset.data]);
      input.disabled = usingCsv;
      mark(input, null);
    }
    const status = root.querySelector("[data-csv-status]");
    const rows = usingCsv ? config.csv.trim().split(/\r?\n/).length - 1 : 0;
    status.textContent = usingCsv ? `${fileName || "uploaded CSV"} · ${rows} points` : "columns x,y with a header";
    status.classList.toggle("active", usingCsv);
    root.querySelector("[data-csv-clear]").hidden = !usingCsv;
  }

  return { sync };
}
