// The next update drawn as arrows in the plane of the first two parameters: θₜ, the plain step −γ∇J(θₜ), what the
// optimiser's own state adds to it (momentum μ·b, Adam's per-coordinate scaling: Δθ − (−γ∇J), drawn tip to tail),
// the update Δθ it takes, and θₜ₊₁; for random search the guess θ̃. Equal scales on both axes: directions read true.

import { fmt } from "../format.js";
import { esc, paramName } from "./common.js";

const W = 250;
const H = 210;
const PAD = 26;

const C = { step: "#e8590c", grad: "#212529", state: "#9c36b5", guess: "#7048e8", point: "#1b2a41" };

function arrow(p, q, colour, { width = 2, dash = "", head = true, title = "" } = {}) {
  const len = Math.hypot(q[0] - p[0], q[1] - p[1]);
  if (len < 0.5) return "";
  const id = `ex-head-${colour.slice(1)}`;
  return `<line x1="${p[0].toFixed(1)}" y1="${p[1].toFixed(1)}" x2="${q[0].toFixed(1)}" y2="${q[1].toFixed(1)}"
    stroke="${colour}" stroke-width="${width}" ${dash ? `stroke-dasharray="${dash}"` : ""}
    ${head ? `marker-end="url(#${id})"` : ""} stroke-linecap="round"><title>${esc(title)}</title></line>`;
}

function markerDefs() {
  return `<defs>${[...new Set(Object.values(C))].map((c) => `<marker id="ex-head-${c.slice(1)}" viewBox="0 0 10 10" refX="9"
    refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`)
    .join("")}</defs>`;
}

/** The state entries worth an arrow: those the optimiser uses (plain descent's zero momentum buffer is not). */
export function liveArrows(d) {
  return (d.state_arrows || []).filter((k) => (d.state_after?.[k]?.norm ?? 0) > 0 || (d.state_before?.[k]?.norm ?? 0) > 0);
}

/** SVG markup of explanation `d` (GET /api/runs/{id}/explain), or "" when there is nothing to draw. */
export function arrowsSvg(d) {
  if (!d.theta || !d.theta_next || d.theta.values.length < 2) return "";
  const two = (v) => (v ? [v.values[0], v.values[1]] : null);
  const th = two(d.theta);
  const next = two(d.theta_next);
  const grad = d.lr_grad ? [th[0] - d.lr_grad.values[0], th[1] - d.lr_grad.values[1]] : null;
  const key = liveArrows(d)[0];
  const st = key && grad ? next : null; // from the tip of −γ∇J to θₜ₊₁: what the state adds
  const guess = two(d.guess);
  const pts = [th, next, grad, st, guess].filter(Boolean);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  let span = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  if (!(span > 0)) span = Math.max(1e-6, Math.abs(th[0]) * 1e-3, Math.abs(th[1]) * 1e-3);
  const k = Math.min((W - 2 * PAD) / span, (H - 2 * PAD) / span);
  const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
  const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
  const at = (p) => [W / 2 + (p[0] - cx) * k, H / 2 - (p[1] - cy) * k]; // θ₂ up
  const names = d.param_names.slice(0, 2).map(paramName);
  const parts = [markerDefs()];
  parts.push(`<rect x="0.5" y="0.5" width="${W - 1}" height="${H - 1}" rx="6" fill="#fcfcfd" stroke="#e9ecef"/>`);
  if (guess) {
    parts.push(arrow(at(th), at(guess), C.guess, { width: 1.4, dash: "4 3", head: false, title: "the guess θ̃" }));
    const g = at(guess);
    parts.push(`<circle cx="${g[0]}" cy="${g[1]}" r="4.5" fill="${C.guess}"><title>guess θ̃, J = ${fmt(d.guess_loss, 4)}</title></circle>`);
    parts.push(`<text x="${g[0] + 7}" y="${g[1] - 6}" class="ex-lbl" fill="${C.guess}">θ̃</text>`);
  }
  if (st) parts.push(arrow(at(grad), at(st), C.state, { width: 1.8, dash: "2 3", title: "what the optimiser's state adds" }));
  parts.push(arrow(at(th), at(next), C.step, { width: 3.2, title: "Δθ = θₜ₊₁ − θₜ" }));
  if (grad) parts.push(arrow(at(th), at(grad), C.grad, { width: 1.3, title: "−γ∇J(θₜ)" })); // on top: plain descent's Δθ
  const a = at(th);
  const b = at(next);
  parts.push(`<circle cx="${a[0]}" cy="${a[1]}" r="5" fill="#ffffff" stroke="${C.point}" stroke-width="2"/>`);
  parts.push(`<text x="${a[0] - 8}" y="${a[1] + 16}" class="ex-lbl" text-anchor="end">θₜ</text>`);
  parts.push(`<circle cx="${b[0]}" cy="${b[1]}" r="4" fill="${C.step}"/>`);
  parts.push(`<text x="${b[0] + 7}" y="${b[1] - 7}" class="ex-lbl">θₜ₊₁</text>`);
  parts.push(`<text x="${W - 8}" y="${H - 8}" class="ex-axis" text-anchor="end">${names[0]} →</text>`);
  parts.push(`<text x="10" y="16" class="ex-axis">↑ ${names[1]}</text>`);
  const legend = [
    `<span><i class="ln" style="background:${C.step}"></i>Δθ</span>`,
    grad ? `<span><i class="ln" style="background:${C.grad}"></i>−γ∇J</span>` : "",
    st ? `<span><i class="ln dotted" style="border-color:${C.state}"></i>${key === "momentum_buffer" ? "momentum's share" : "the state's share"}</span>` : "",
    guess ? `<span><i class="ln" style="background:${C.guess}"></i>guess</span>` : "",
  ].join("");
  const note = d.dim > 2 ? `<span class="muted">the first two of ${d.dim} weights</span>` : "";
  return `<figure class="ex-arrows" data-testid="explain-arrows"><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}"
    role="img" aria-label="the update as arrows">${parts.join("")}</svg><figcaption>${legend}${note}</figcaption></figure>`;
}
