// The page's keyboard shortcuts: one table (SHORTCUTS) that both the key handler and the list shown by `?`
// (or the topbar's Keys button) read, so the list can never promise a key the page does not have.
//
// Focus: while a text field, a number box or a menu has the focus, its keys are its own (no shortcut fires);
// on a slider its arrows move it, but Space still plays or pauses; anywhere else (a button, a checkbox, the
// page) every shortcut works, and Space does not also press the focused button.

/** [{keys, shift?, label, what, act(intents, app)}]: `keys` are KeyboardEvent.key values; shift: true/false
 * must match the Shift key, absent: either. */
export const SHORTCUTS = [
  { keys: [" "], label: "Space", what: "play / pause", act: (i) => i.togglePlay() },
  { keys: ["s", "ArrowRight"], shift: false, label: "s or →", what: "one step", act: (i) => i.step(1) },
  { keys: ["s", "ArrowRight"], shift: true, label: "Shift + s or →", what: "ten steps", act: (i) => i.step(10) },
  { keys: ["r"], label: "r", what: "reset to θ⁽⁰⁾", act: (i) => i.reset() },
  { keys: ["n"], label: "n", what: "new data (a new data seed)", act: (i) => i.newData?.() },
  { keys: ["p"], label: "p", what: "presenter mode on / off", act: (i, app) => app.presenter?.toggle() },
  { keys: ["Escape"], label: "Esc", what: "leave presenter mode, close this list", act: (i, app) => {
    app.presenter?.leave();
    app.shortcuts?.close();
  } },
  { keys: ["?"], label: "?", what: "this list of shortcuts", act: (i, app) => app.shortcuts?.toggle() },
];

const TEXT_TYPES = new Set(["text", "number", "search", "email", "url", "tel", "password", "date", "time"]);

/** Whether the element takes typed keys itself (then no shortcut fires). */
export function takesKeys(el) {
  if (!el) return false;
  if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
  return el.tagName === "INPUT" && TEXT_TYPES.has(el.type || "text");
}

/** The shortcut of a key event, or null. */
export function shortcutOf(ev) {
  const key = ev.key.length === 1 ? ev.key.toLowerCase() : ev.key; // a letter with Shift (or Caps Lock) too
  return SHORTCUTS.find((s) => s.keys.some((k) => (k.length === 1 ? k.toLowerCase() : k) === key)
    && (s.shift === undefined || s.shift === ev.shiftKey)) ?? null;
}

/** The keydown handler of the page: `app` holds {intents, presenter, shortcuts}. */
export function keyHandler(app) {
  return (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    const target = ev.target instanceof Element ? ev.target : null;
    if (takesKeys(target)) return;
    const s = shortcutOf(ev);
    if (!s) return;
    // A slider keeps the focus after a drag: its arrows (and Home, End, Page keys) still move it.
    if (target?.tagName === "INPUT" && target.type === "range" && ev.key !== " ") return;
    const listOpen = app.shortcuts?.isOpen();
    if (listOpen && !s.keys.includes("Escape") && !s.keys.includes("?")) return; // the list is in front
    if (s.keys.includes("Escape") && !app.presenter?.on() && !listOpen) return;
    ev.preventDefault(); // Space must not also press a focused button or tick a focused box
    s.act(app.intents, app);
  };
}

/** The list of shortcuts in `dialog` (a <dialog>), built from SHORTCUTS: {open, close, toggle, isOpen}. */
export function createShortcutList(dialog) {
  const rows = SHORTCUTS.map((s) => `<tr><th scope="row"><kbd>${s.label}</kbd></th><td>${s.what}</td></tr>`).join("");
  dialog.innerHTML = `<h2>Keyboard shortcuts</h2><table class="keys-table" data-testid="shortcut-table">${rows}</table>`
    + '<p class="hint">They work anywhere on the page except while typing in a box; on a slider, Space still plays.</p>'
    + '<form method="dialog"><button type="submit" class="btn" data-testid="shortcuts-close">Close</button></form>';
  const isOpen = () => dialog.open;
  const open = () => { if (!dialog.open) dialog.showModal(); };
  const close = () => { if (dialog.open) dialog.close(); };
  dialog.addEventListener("click", (ev) => { if (ev.target === dialog) close(); }); // a click beside it
  return { open, close, isOpen, toggle: () => (isOpen() ? close() : open()) };
}
