// Small notices in the corner: server errors, refused settings, "link copied".

const SHOW_MS = { error: 6000, info: 2500 };
const MAX = 4;

/** Show `text` for a few seconds; kind is "error" or "info". Repeats within a second are dropped.
 * With `action` ({label, act}): a button that runs act(), and the notice stays until it is used or dismissed. */
export function show(text, kind = "error", action = null) {
  const box = document.getElementById("toasts");
  if (!box) return;
  const now = Date.now();
  const last = box.lastElementChild;
  if (last && last.dataset.text === text && now - Number(last.dataset.at) < 1000) return;
  const el = document.createElement("div");
  el.className = `toast toast-${kind}`;
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  el.dataset.testid = `toast-${kind}`;
  el.textContent = text;
  el.dataset.text = text;
  el.dataset.at = String(now);
  const close = document.createElement("button");
  close.type = "button";
  close.className = "toast-close";
  close.setAttribute("aria-label", "Dismiss");
  close.textContent = "×";
  close.addEventListener("click", () => el.remove());
  el.append(close);
  box.append(el);
  while (box.children.length > MAX) box.firstElementChild.remove();
  if (action) {
    const btn = document.createElement("button");
    btn.type = "button";
    btn.className = "btn btn-small toast-action";
    btn.dataset.testid = "toast-action";
    btn.textContent = action.label;
    btn.addEventListener("click", () => {
      el.remove();
      action.act();
    });
    el.append(" ", btn);
    return;
  }
  setTimeout(() => el.classList.add("leaving"), SHOW_MS[kind] || 4000);
  setTimeout(() => el.remove(), (SHOW_MS[kind] || 4000) + 400);
}

export const error = (text) => show(text, "error");
export const info = (text) => show(text, "info");

/** Run `work` with `btn` disabled (it may be null); an error it throws becomes an error notice. */
export async function whileBusy(btn, work) {
  if (btn) btn.disabled = true;
  try {
    await work();
  } catch (err) {
    error(err.message || String(err));
  } finally {
    if (btn?.isConnected) btn.disabled = false;
  }
}
