// Momentum β beside γ: a slider and a number box for the optimisers that have a momentum (SGD's and RMSProp's
// `momentum`) or a first-moment decay (Adam's β₁, the first of `betas`). A change is a live `set`, like γ:
// the next step uses it, from the racer's current θ and momentum buffer (intents.setBeta).

import { plain } from "./format.js";
import { checked, mark } from "./checks.js";

const $ = (id) => document.getElementById(id);
const STEPS = 1000; // the slider's positions: β = position / STEPS, 0 to 0.999

/** Which setting carries β for optimiser `name`: {key: "momentum" | "betas", max, name, hint}, or null. */
export function betaOf(registry, name) {
  const settings = registry.optimizers?.[name]?.settings || [];
  const s = settings.find((x) => x.name === "momentum") || settings.find((x) => x.name === "betas");
  if (!s) return null;
  const max = Math.min(s.high ?? 0.999, (STEPS - 1) / STEPS);
  if (s.name === "betas") {
    return { key: "betas", max, name: "β₁", hint: "first-moment decay: m ← β₁m + (1 − β₁)∇J" };
  }
  return { key: "momentum", max, name: "Momentum β", hint: "v ← βv + ∇J,  θ ← θ − γv" };
}

/** β of racer spec r (the registry's default when it sets none). */
export function betaValue(registry, r) {
  const b = betaOf(registry, r.name);
  if (!b) return null;
  const given = r[b.key];
  const dflt = registry.optimizers[r.name].settings.find((x) => x.name === b.key)?.default;
  const v = given ?? dflt;
  return b.key === "betas" ? v?.[0] ?? 0.9 : v ?? 0;
}

/** Wire the β field; intents.setBeta(v). {sync(config)}. */
export function createBeta(registry, intents) {
  const slider = $("beta-slider");
  const input = $("beta-input");
  let spec = null; // betaOf the racer shown

  slider.addEventListener("input", () => {
    const v = Math.min(spec?.max ?? 0.999, Number(slider.value) / STEPS);
    input.value = plain(v, 3);
    mark(input, null);
    intents.setBeta(v);
  });
  input.addEventListener("change", () => {
    const v = checked(input, { name: spec?.name || "β", min: 0, max: spec?.max ?? 0.999 });
    if (v === undefined) return;
    slider.value = String(Math.round(v * STEPS));
    intents.setBeta(v);
  });

  /** Show β of racer 0 (hidden for optimisers without one, and in a race: each card has its own). */
  function sync(config) {
    const r = config.racers[0];
    spec = config.racers.length === 1 ? betaOf(registry, r.name) : null;
    $("beta-field").hidden = !spec;
    if (!spec) return;
    $("beta-name").textContent = spec.name;
    $("beta-hint").textContent = spec.hint;
    slider.setAttribute("aria-label", `${spec.name} (0 to ${spec.max})`);
    input.setAttribute("aria-label", spec.name);
    const v = betaValue(registry, r);
    if (document.activeElement !== slider) slider.value = String(Math.round(v * STEPS));
    if (document.activeElement !== input && !input.classList.contains("invalid")) input.value = plain(v, 3);
  }

  return { sync };
}
