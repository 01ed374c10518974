// Files a person keeps: the run as JSON (to import and replay later), its history as CSV or JSON, and any
// chart as PNG or SVG through Plotly's own image export (Plotly.toImage / Plotly.downloadImage). Files are
// made in the page and handed to the browser as Blob URLs (the page's CSP allows blob: and data: images).
//
// Every chart card gets a small export button in its header: cards present at start, and cards added later
// (the lecture's) the first time the pointer or the keyboard reaches them.

import * as S from "./state.js";
import * as socket from "./socket.js";
import * as toast from "./toast.js";
import { withView } from "./view_doc.js";

const PNG_SCALE = 2; // PNGs at twice the on-screen size: sharp on slides and in print
export const ICON = '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M8 2v8m0 0L4.8 6.8M8 10l3.2-3.2M2.5 11v2.5h11V11" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"/></svg>';

/** Hand `blob` to the browser as a download named `name`. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const slug = (text) => String(text).toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-")
  .replace(/^-+|-+$/g, "").slice(0, 48) || "chart";

/** The stem of a file name for the current run: descent-<kind>-t<t>. */
export function fileStem(what = "") {
  const kind = (S.config.kind || "run").replaceAll("_", "-");
  return `descent-${kind}${what ? `-${what}` : ""}-t${S.run.state?.t ?? 0}`;
}

function needRun() {
  if (!S.run.id) throw new Error("no run yet");
  return S.run.id;
}

/** Download the run as JSON: its set-up, live changes, state and history (import it to replay it). */
export async function runJson() {
  const text = withView(await socket.exportText(needRun())); // the view toggles too: an import restores them
  download(new Blob([text], { type: "application/json" }), `${fileStem()}.json`);
}

/** Download the run's history ("csv" or "json"). */
export async function history(format) {
  const text = await socket.historyText(needRun(), format);
  const type = format === "csv" ? "text/csv" : "application/json";
  download(new Blob([text], { type }), `${fileStem("history")}.${format}`);
}

// ----- charts ---------------------------------------------------------------------------------------

/** A card's chart title (its h3 without the grey subtitle). */
function titleOf(card) {
  const h = card.querySelector(".card-head h3");
  if (!h) return "chart";
  const copy = h.cloneNode(true);
  for (const sub of copy.querySelectorAll(".sub")) sub.remove();
  return copy.textContent.trim() || "chart";
}

/** The Plotly graphs of a card's plot area: the area itself, or layers inside it (back to front). */
const graphsOf = (plot) => [plot, ...plot.querySelectorAll(".js-plotly-plot")]
  .filter((gd) => gd.classList.contains("js-plotly-plot") && gd._fullLayout);
const canvasesOf = (plot) => [...plot.querySelectorAll("canvas")].filter((c) => c.width > 2 && c.offsetWidth > 0);

/** What a card can export: {svg, png} (a chart drawn on canvases has no vector form). */
export function formatsOf(card) {
  const plot = card.querySelector(".plot");
  if (!plot || plot.offsetWidth === 0) return { png: false, svg: false };
  if (graphsOf(plot).length) return { png: true, svg: true };
  return { png: canvasesOf(plot).length > 0, svg: false };
}

/** Export the chart of `card` as "png" or "svg". */
export async function exportChart(card, format) {
  const plot = card.querySelector(".plot");
  const graphs = plot ? graphsOf(plot) : [];
  const width = Math.max(200, Math.round(plot?.clientWidth || 0));
  const height = Math.max(150, Math.round(plot?.clientHeight || 0));
  const filename = fileStem(slug(titleOf(card)));
  const opts = { format, width, height, scale: format === "png" ? PNG_SCALE : 1, setBackground: "opaque" };
  if (graphs.length === 1) {
    await Plotly.downloadImage(graphs[0], { ...opts, filename });
  } else if (graphs.length > 1) {
    // Layered plots (the contour's static back and live front): each through Plotly, stacked in order.
    const images = [];
    for (const [i, gd] of graphs.entries()) {
      images.push(await Plotly.toImage(gd, { ...opts, setBackground: i === 0 ? "opaque" : "transparent" }));
    }
    const blob = format === "svg" ? stackSvgs(images, width, height) : await stackPngs(images, width, height);
    download(blob, `${filename}.${format}`);
  } else if (format === "png") {
    download(await canvasPng(plot), `${filename}.png`);
  } else {
    throw new Error("this chart is drawn on a canvas: PNG only");
  }
}

function svgText(dataUrl) {
  const comma = dataUrl.indexOf(",");
  const head = dataUrl.slice(0, comma);
  const body = dataUrl.slice(comma + 1);
  return head.endsWith(";base64") ? new TextDecoder().decode(Uint8Array.from(atob(body), (c) => c.charCodeAt(0)))
    : decodeURIComponent(body);
}

function stackSvgs(images, width, height) {
  const ns = "http://www.w3.org/2000/svg";
  const doc = document.implementation.createDocument(ns, "svg", null);
  const root = doc.documentElement;
  root.setAttribute("width", String(width));
  root.setAttribute("height", String(height));
  root.setAttribute("viewBox", `0 0 ${width} ${height}`);
  for (const url of images) {
    const layer = new DOMParser().parseFromString(svgText(url), "image/svg+xml").documentElement;
    root.append(doc.importNode(layer, true));
  }
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(doc)}`;
  return new Blob([text], { type: "image/svg+xml" });
}

function loadImage(src) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error("an image layer did not load"));
    img.src = src;
  });
}

const toBlob = (canvas) => new Promise((resolve, reject) => {
  canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the browser made no PNG"))), "image/png");
});

async function stackPngs(images, width, height) {
  const canvas = document.createElement("canvas");
  canvas.width = width * PNG_SCALE;
  canvas.height = height * PNG_SCALE;
  const ctx = canvas.getContext("2d");
  for (const src of images) ctx.drawImage(await loadImage(src), 0, 0, canvas.width, canvas.height);
  return toBlob(canvas);
}

/** A chart drawn on canvases (the network diagram, the hidden neurons): its canvases and labels as laid out. */
async function canvasPng(plot) {
  const box = plot.getBoundingClientRect();
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(box.width * PNG_SCALE);
  canvas.height = Math.round(box.height * PNG_SCALE);
  const ctx = canvas.getContext("2d");
  ctx.scale(PNG_SCALE, PNG_SCALE);
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, box.width, box.height);
  for (const c of canvasesOf(plot)) {
    const r = c.getBoundingClientRect();
    ctx.drawImage(c, r.left - box.left, r.top - box.top, r.width, r.height);
  }
  // Text labels (not tooltips): leaf elements with text, in their own font and colour.
  for (const el of plot.querySelectorAll("*")) {
    if (el.children.length || !el.textContent.trim() || el.closest(".net-tip, .hover-readout")) continue;
    const r = el.getBoundingClientRect();
    if (!r.width) continue;
    const cs = getComputedStyle(el);
    ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    ctx.fillStyle = cs.color;
    ctx.textBaseline = "top";
    ctx.fillText(el.textContent.trim(), r.left - box.left, r.top - box.top + 1, box.width);
  }
  return toBlob(canvas);
}

// ----- the per-card export menu ---------------------------------------------------------------------------

/** Export buttons on every chart card now, and on cards that appear later when first reached. */
export function init() {
  let menu = null;
  let menuCard = null;
  for (const card of document.querySelectorAll(".card")) addButton(card);
  const lazy = (ev) => {
    const card = ev.target.closest?.(".card");
    if (card && !card.dataset.export) addButton(card);
  };
  document.addEventListener("pointerover", lazy, { passive: true });
  document.addEventListener("focusin", lazy);

  /** Give a chart card its export button (done for every card at start and lazily for later ones). */
  function addButton(card) {
    if (card.dataset.export || !card.querySelector(".plot")) return;
    card.dataset.export = "1";
    let head = card.querySelector(".card-head");
    if (!head) return;
    let tools = head.querySelector(".card-tools");
    if (!tools) {
      tools = document.createElement("div");
      tools.className = "card-tools";
      head.append(tools);
    }
    const btn = document.createElement("button");
    btn.type = "button";
    btn.className = "icon-btn export-btn";
    btn.innerHTML = ICON;
    btn.title = `Export “${titleOf(card)}” as an image`;
    btn.setAttribute("aria-label", `Export ${titleOf(card)} as PNG or SVG`);
    btn.setAttribute("aria-haspopup", "menu");
    btn.setAttribute("aria-expanded", "false");
    btn.dataset.testid = `export-${card.querySelector(".plot").id || slug(titleOf(card))}`;
    btn.addEventListener("click", (ev) => {
      ev.stopPropagation();
      if (menuCard === card) closeMenu();
      else openMenu(card, btn);
    });
    tools.append(btn);
  }

  function buildMenu() {
    menu = document.createElement("div");
    menu.className = "export-menu";
    menu.setAttribute("role", "menu");
    menu.dataset.testid = "export-menu";
    menu.hidden = true;
    menu.innerHTML = `
      <div class="export-menu-head" data-menu="title"></div>
      <button type="button" role="menuitem" data-format="png" data-testid="export-png">
        <span class="fmt">PNG</span><span class="what">image, ${PNG_SCALE}× <small data-menu="size"></small></span></button>
      <button type="button" role="menuitem" data-format="svg" data-testid="export-svg">
        <span class="fmt">SVG</span><span class="what" data-menu="svg-what">vector, for print and slides</span></button>`;
    menu.addEventListener("click", async (ev) => {
      const b = ev.target.closest("[data-format]");
      if (!b || b.disabled || !menuCard) return;
      const card = menuCard;
      closeMenu();
      try {
        await exportChart(card, b.dataset.format);
      } catch (err) {
        toast.error(`export: ${err.message || err}`);
      }
    });
    document.body.append(menu);
    document.addEventListener("click", (ev) => { if (menuCard && !menu.contains(ev.target)) closeMenu(); });
    document.addEventListener("keydown", (ev) => { if (ev.key === "Escape" && menuCard) closeMenu(true); });
    window.addEventListener("resize", () => closeMenu());
  }

  function openMenu(card, btn) {
    if (!menu) buildMenu();
    closeMenu();
    menuCard = card;
    btn.setAttribute("aria-expanded", "true");
    const can = formatsOf(card);
    const plot = card.querySelector(".plot");
    menu.querySelector('[data-menu="title"]').textContent = titleOf(card);
    menu.querySelector('[data-menu="size"]').textContent = plot
      ? `${Math.round(plot.clientWidth) * PNG_SCALE} × ${Math.round(plot.clientHeight) * PNG_SCALE}` : "";
    menu.querySelector('[data-format="png"]').disabled = !can.png;
    menu.querySelector('[data-format="svg"]').disabled = !can.svg;
    menu.querySelector('[data-menu="svg-what"]').textContent = can.svg ? "vector, for print and slides"
      : can.png ? "not for this chart (drawn on a canvas)" : "nothing drawn yet";
    menu.hidden = false;
    const r = btn.getBoundingClientRect();
    const w = menu.offsetWidth;
    menu.style.left = `${Math.max(8, Math.min(window.innerWidth - w - 8, r.right - w))}px`;
    menu.style.top = `${r.bottom + 4}px`;
    (menu.querySelector("[data-format]:not(:disabled)") || menu).focus();
  }

  function closeMenu(refocus = false) {
    if (!menu || !menuCard) return;
    const btn = menuCard.querySelector(".export-btn");
    btn?.setAttribute("aria-expanded", "false");
    if (refocus) btn?.focus();
    menu.hidden = true;
    menuCard = null;
  }
}
