// Clicks on the network diagram, as in TensorFlow Playground: an edge opens a small box to type that weight
// (or bias) in, sent live as a websocket `set_weight` (the server checks it, logs it for replays, and the new
// weights come back in the next frame); a neuron opens its output big (neuron_zoom.js).
//
// The message goes through the session's stream (session.js listens for the "descent-weight" event), since
// only socket.js talks to the server.

import * as S from "./state.js";
import { checked } from "./checks.js";
import { plain } from "./format.js";
import { sub } from "./charts/network_theme.js";
import { valueOf } from "./charts/network_pick.js";

export const WEIGHT_MAX = 1e4; // engine/edits.py: the largest |weight| the server takes (PATCH /network's schema)

/** The weight an edge item names, as the server's set_weight wants it: {layer, i (null: the bias), j}. */
export function edgeTarget(h) {
  return { layer: h.l, i: h.type === "bias-edge" ? null : h.i, j: h.j };
}

/** A hidden `tag` element of class and test id `name` holding `html`, appended to `card` (a box over a card). */
export function overCard(card, tag, name, html) {
  const el = document.createElement(tag);
  el.className = name;
  el.hidden = true;
  el.dataset.testid = name;
  el.innerHTML = html;
  card.append(el);
  return el;
}

/** The box in `card` (the diagram's card); {open(item, layers, at), close, isOpen}. */
export function createWeightEditor(card) {
  const form = overCard(card, "form", "weight-edit", '<label><span class="weight-name"></span> = <input type="text" inputmode="decimal" class="num" '
    + 'data-testid="weight-input" spellcheck="false"></label><button type="submit" class="btn btn-small" '
    + 'data-testid="weight-set">Set</button><button type="button" class="link-button" data-close aria-label="Close">×</button>');
  const input = form.querySelector("input");
  const name = form.querySelector(".weight-name");
  let target = null;

  function close() {
    form.hidden = true;
    target = null;
  }

  function open(h, layers, at) {
    target = edgeTarget(h);
    const label = target.i === null ? `b${sub(h.l + 1)}[${h.j}]` : `W${sub(h.l + 1)}[${h.i}, ${h.j}]`;
    name.textContent = label;
    input.setAttribute("aria-label", `the weight ${label}`);
    input.value = plain(valueOf(layers, h) ?? 0, 4);
    form.style.left = `${Math.max(4, Math.min(at.x, card.clientWidth - 230))}px`;
    form.style.top = `${Math.max(30, Math.min(at.y + 30, card.clientHeight - 44))}px`;
    form.hidden = false;
    input.focus();
    input.select();
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!target) return;
    const value = checked(input, { name: name.textContent, min: -WEIGHT_MAX, max: WEIGHT_MAX });
    if (value === undefined) return;
    document.dispatchEvent(new CustomEvent("descent-weight", { detail: { id: S.run.id, edit: { ...target, value } } }));
    close();
  });
  form.querySelector("[data-close]").addEventListener("click", close);
  form.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") close();
  });

  return { open, close, isOpen: () => !form.hidden };
}
