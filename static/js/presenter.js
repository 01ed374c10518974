// Presenter mode, for a projector: the controls hidden, the charts as large as the screen allows, large type.
// On with the topbar's Present button, the p key or ?present=1 in the address (kept there while it is on,
// so a copied link opens presenting); off with Esc, p or the button. The charts are told to take their new size.

import * as S from "./state.js";

const PARAM = "present";
const ICON = '<svg viewBox="0 0 16 16" width="15" height="15" aria-hidden="true"><path d="M2 5.5V2h3.5M10.5 2H14v3.5'
  + 'M14 10.5V14h-3.5M5.5 14H2v-3.5" fill="none" stroke="currentColor" stroke-width="1.7" stroke-linecap="round"/></svg>';
// Read when the module loads: main.js rewrites the address from the config before it creates the presenter.
const AT_BOOT = new URLSearchParams(window.location.search).get(PARAM) === "1";

/** Presenter mode on `document.body` (class "presenting"); `button` toggles it. {on, enter, leave, toggle}. */
export function createPresenter(button) {
  let on = AT_BOOT;
  S.addQueryExtra((q) => { if (on) q.set(PARAM, "1"); });

  function show() {
    document.body.classList.toggle("presenting", on);
    if (button) {
      button.setAttribute("aria-pressed", String(on));
      button.classList.toggle("icon-link", !on);
      if (on) button.textContent = "Leave presenter mode";
      else button.innerHTML = ICON; // the topbar has no room for a word
      button.title = on ? "Back to the full page (Esc or p)" : "Presenter mode for a projector: large charts, no controls (p)";
    }
    // Plotly charts and canvases size themselves on a resize event (render.js does the same for its cards).
    window.dispatchEvent(new Event("resize"));
  }

  function set(value) {
    if (on === value) return;
    on = value;
    show();
    S.touchUrl();
  }

  button?.addEventListener("click", () => set(!on));
  if (on) {
    show();
    S.touchUrl();
  }
  return { on: () => on, enter: () => set(true), leave: () => set(false), toggle: () => set(!on) };
}
