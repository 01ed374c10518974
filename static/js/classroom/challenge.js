// Class challenges. The teacher's page: a dialog makes one from the run on screen (goal, limit, what students may
// change) and opens its board with overlays. A student's page (/challenge/<id>): type a name, choose the allowed
// settings, start an attempt (a run of one's own, played from the banner), and see the board.

import * as S from "../state.js";
import * as socket from "../socket.js";
import * as toast from "../toast.js";
import { pageConfig } from "../replay.js";
import { bar, el, lockControls } from "./bar.js";
import * as board from "./board.js";

const SKIP = new Set(["name", "label", "schedule", "low", "high"]);

// ----- the teacher's dialog ------------------------------------------------------------------------------------

/** Add "Challenge…" to the top bar. */
export function initTeacher() {
  const open = el("button", { type: "button", class: "link-button", "data-testid": "challenge-open",
    title: "A class challenge from this run: a goal, a limit, the settings students may change", onclick: dialog },
  "Challenge…");
  document.querySelector(".topbar-links").prepend(open);
}

function dialog() {
  const opt = S.run.state?.racers?.[0]?.optimizer;
  if (!opt || S.run.state?.race) {
    toast.error("a challenge is made from a run of one optimizer (not a race)");
    return;
  }
  const settings = Object.keys(opt).filter((k) => !SKIP.has(k));
  const loss = S.run.state.racers[0].loss;
  const f = {
    title: el("input", { name: "title", value: "Class challenge", maxlength: 100, "data-testid": "ch-title" }),
    kind: el("select", { name: "kind", "data-testid": "ch-kind" },
      el("option", { value: "fewest_steps", text: "reach J ≤ target in the fewest steps" }),
      el("option", { value: "largest_lr", text: "converge with the largest learning rate" }),
      el("option", { value: "best_accuracy", text: "best test accuracy after the limit" })),
    target: el("input", { name: "target", type: "number", step: "any", "data-testid": "ch-target",
      value: Number((S.run.state.problem?.minimum_loss ?? loss * 0.5) * 1.05).toPrecision(3) }),
    limit: el("input", { name: "limit", type: "number", min: 1, value: 2000, "data-testid": "ch-limit" }),
  };
  const boxes = settings.map((k) => el("label", { class: "toggle" },
    el("input", { type: "checkbox", value: k, checked: k === "lr" || k === "batch_size", "data-testid": `ch-allow-${k}` }),
    el("span", { text: k })));
  const out = el("p", { class: "hint", "data-testid": "ch-result" });
  const dlg = el("dialog", { class: "challenge-dialog", "data-testid": "challenge-dialog" },
    el("h3", { text: "A class challenge from this run" }),
    el("label", { class: "field" }, el("span", { class: "field-label", text: "Title" }), f.title),
    el("label", { class: "field" }, el("span", { class: "field-label", text: "Goal" }), f.kind),
    el("label", { class: "field" }, el("span", { class: "field-label", text: "Target J" }), f.target),
    el("label", { class: "field" }, el("span", { class: "field-label", text: "Limit (steps)" }), f.limit),
    el("div", { class: "field" }, el("span", { class: "field-label", text: "Students may change" }), ...boxes),
    out,
    el("div", { class: "button-row" },
      el("button", { type: "button", class: "btn btn-primary", "data-testid": "ch-create", text: "Create",
        onclick: () => create(f, boxes, out) }),
      el("button", { type: "button", class: "btn", text: "Close", onclick: () => dlg.close() })));
  document.body.append(dlg);
  dlg.addEventListener("close", () => dlg.remove());
  dlg.showModal();
}

async function create(f, boxes, out) {
  const goal = { kind: f.kind.value };
  if (goal.kind === "fewest_steps") goal.target = Number(f.target.value);
  const spec = { title: f.title.value, goal, limit: Number(f.limit.value),
    allowed: boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value) };
  try {
    const c = await socket.createChallenge(S.run.id, spec);
    const link = `${window.location.origin}/challenge/${c.id}`;
    out.replaceChildren(el("span", { text: "Students join at " }),
      el("input", { class: "link-box", readonly: true, value: link, size: 40, "data-testid": "ch-link" }));
    board.show(c.id, c.key);
  } catch (err) {
    out.textContent = err.message;
  }
}

// ----- the student's page ---------------------------------------------------------------------------------------

/** The student's page of challenge `cid`. */
export async function join(cid, hooks) {
  lockControls(true);
  document.body.classList.add("guest");
  const b = bar("student-bar");
  let c;
  try {
    c = await socket.getChallenge(cid);
  } catch (err) {
    b.replaceChildren(el("span", { text: `this challenge link does not work: ${err.message}` }));
    return;
  }
  board.show(cid);
  form(b, c, hooks);
}

function form(b, c, hooks) {
  const name = el("input", { name: "name", maxlength: 40, placeholder: "your name", "data-testid": "student-name" });
  const inputs = c.allowed.map((k) => el("input", { name: k, type: "number", step: "any", "data-testid": `student-${k}`,
    value: c.settings[k] ?? "", placeholder: c.settings[k] === null ? "full batch" : "", size: 8 }));
  const go = el("button", { type: "button", class: "btn btn-primary", "data-testid": "student-start", text: "Start",
    onclick: () => start(b, c, name.value, inputs, hooks) });
  b.replaceChildren(el("b", { text: c.title }), el("span", { text: ` — ${c.goal_text}. ` }), name,
    ...c.allowed.flatMap((k, i) => [el("label", { text: ` ${k} ` }), inputs[i]]), go);
}

async function start(b, c, name, inputs, hooks) {
  const settings = {};
  inputs.forEach((i) => { settings[i.name] = i.value === "" ? null : Number(i.value); });
  let a;
  try {
    a = await socket.startAttempt(c.id, name, settings);
  } catch (err) {
    toast.error(err.message);
    return;
  }
  const id = `attempt:${a.id}`;
  const cfg = await socket.getRunConfig(id);
  await hooks.session.adoptRun(async () => {
    hooks.adoptConfig(pageConfig(cfg.config, a.state));
    return { ...a.state, id };
  });
  const chosen = Object.entries(a.settings).map(([k, v]) => `${k} = ${v ?? "full"}`).join(", ");
  b.replaceChildren(el("b", { "data-testid": "student-attempt", text: `${a.name}: ${chosen}` }),
    el("span", { text: ` — ${a.goal_text} ` }),
    el("button", { type: "button", class: "btn btn-primary", "data-testid": "student-play", text: "Play",
      onclick: () => hooks.session.play() }),
    el("button", { type: "button", class: "btn", text: "Pause", onclick: () => hooks.session.pause() }),
    el("button", { type: "button", class: "btn", text: "Another attempt", onclick: () => form(b, c, hooks) }));
}
