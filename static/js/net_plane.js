// The plane a network's decision regions and hidden neurons are drawn over, for data with more than two
// features: a slice through two chosen features (the others held at their means) or the first two principal
// components (engine/planes.py). The choice goes to the server as a websocket `subscribe` (session.js listens
// for the "descent-plane" event) and as query parameters of GET /predict and /hidden; the text under the
// chart says which plane it is, in the server's words.
//
// createPlaneChoice(field, select, text, onChange) → {reset, choice, say}.

import { esc } from "./lecture/common.js";

const MAX_PAIRED = 8; // slices offered between the first 8 features (28 pairs); beyond, PCA

/** Say how the inputs were standardised (the means and deviations of the training set), or hide the line. */
function standardized(problem) {
  const el = document.getElementById("net-standardize");
  if (!el) return;
  const s = problem.standardize;
  el.hidden = !s;
  if (!s) return;
  const names = problem.input_names || [];
  const g = (v) => String(Number(Number(v).toPrecision(3)));
  el.textContent = "inputs standardised, (x − mean) / sd over the training set: "
    + s.mean.map((m, k) => `${names[k] || `x${k + 1}`} ${g(m)} ± ${g(s.std[k])}`).join(", ");
  el.title = el.textContent;
}

/** The plane picker in `field` (holding `select`), the sentence in `text`; onChange() after a new pick. */
export function createPlaneChoice(field, select, text, onChange) {
  let id = null;
  let many = false; // more than two features: there is a choice to make
  let current = { plane: "slice", x_feature: 0, y_feature: 1 };

  function announce() {
    document.dispatchEvent(new CustomEvent("descent-plane", { detail: { id, plane: { ...current } } }));
  }

  select.addEventListener("change", () => {
    const v = select.value;
    if (v === "pca") current = { plane: "pca" };
    else {
      const [i, j] = v.split(",").map(Number);
      current = { plane: "slice", x_feature: i, y_feature: j };
    }
    announce();
    onChange();
  });

  return {
    /** A new run: the features it has, and the default plane (a slice through the first two). */
    reset(problem, runId) {
      id = runId;
      const cols = problem.columns || [];
      many = (problem.raw_features ?? problem.inputs) > 2;
      field.hidden = !many;
      current = { plane: "slice", x_feature: 0, y_feature: 1 };
      if (many) {
        const n = Math.min(cols.length, MAX_PAIRED);
        const opts = [];
        for (let i = 0; i < n; i++) {
          for (let j = i + 1; j < n; j++) {
            opts.push(`<option value="${i},${j}">slice: ${esc(cols[i])} × ${esc(cols[j])}</option>`);
          }
        }
        opts.push('<option value="pca">principal components (PC1 × PC2)</option>');
        select.innerHTML = opts.join("");
        select.value = "0,1";
        announce();
      }
      text.hidden = true;
      standardized(problem);
    },
    /** The query parameters of the plane picked ({} for two features or fewer: the server's plane). */
    choice: () => (many ? { ...current } : {}),
    /** Say which plane a grid covers (the server's sentence), when there is a choice. */
    say(plane) {
      if (!plane || !many) {
        text.hidden = true;
        return;
      }
      text.hidden = false;
      text.textContent = `Drawn over ${plane.text}.`;
      const sub = document.getElementById("net-hidden-sub");
      if (sub) sub.textContent = `output over ${plane.axes.join(" × ")}${plane.mode === "pca" ? "" : " (a slice)"}`;
    },
  };
}
