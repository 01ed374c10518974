// The network's inputs for data with two features, as in TensorFlow Playground: x1, x2, x1², x2², x1·x2,
// sin x1, sin x2 (the registry's `input_features`), each a checkbox; at least one stays on. The choice is the
// data spec's `features` (engine/netdata.py): it changes the input layer, the counts and the diagram.
//
// createFeaturePicker(el, onChange) → {render(draft, dataset)}; onChange(features or undefined for x1, x2).

import { esc } from "./network_layers.js";

const DEFAULT = ["x1", "x2"];
const ORDER = ["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"]; // Playground's, whatever the JSON's

/** The picker in `el`; onChange(list) after a click (undefined when the choice is the default x1, x2). */
export function createFeaturePicker(el, onChange) {
  let names = {};
  el.addEventListener("change", () => {
    const on = ORDER.filter((k) => k in names).filter((k) => el.querySelector(`[data-feature="${k}"]`)?.checked);
    if (!on.length) return render.last && render(render.last.draft, render.last.ds); // keep one
    onChange(on.length === 2 && on[0] === "x1" && on[1] === "x2" ? undefined : on);
  });

  /** Show the picker for a generated set of two features (hidden for others and for an upload). */
  function render(draft, ds, table) {
    render.last = { draft, ds };
    names = table || names;
    const show = !!ds && ds.inputs === 2 && !draft.csv && Object.keys(names).length > 0;
    el.hidden = !show;
    if (!show) return;
    if (!el.childElementCount) {
      el.innerHTML = '<span class="field-label">inputs</span>' + ORDER.filter((k) => k in names).map((k) => [k, names[k]]).map(([k, title]) =>
        `<label class="net-feature"><input type="checkbox" data-feature="${esc(k)}" data-testid="net-feature-${esc(k)}">
          ${esc(title.replace("{a}", "x₁").replace("{b}", "x₂"))}</label>`).join("");
    }
    const on = new Set(draft.data.features || DEFAULT);
    for (const box of el.querySelectorAll("[data-feature]")) box.checked = on.has(box.dataset.feature);
  }

  return { render };
}
