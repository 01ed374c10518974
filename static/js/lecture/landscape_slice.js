// A network's loss landscape: J over a 2-D slice through the current weights θ along two directions (random,
// filter-normalised as Li et al. 2018, or the top two principal directions of the weights' trajectory), with
// the trajectory projected onto the slice; and J along the straight line from the initial weights (α = 0) to the
// current ones (α = 1). Recomputed on the server about once a second while the run plays, and at once on a pause.

/* global Plotly */

import * as S from "../state.js";
import * as socket from "../socket.js";
import { fmt } from "../format.js";
import { COLORSCALE, PLOT_CONFIG, axis, baseLayout, colourTicks, colourTransform, racerColour } from "../charts/theme.js";
import { autoResize, esc, isNetwork, logTicks, refetcher } from "./common.js";

export const id = "landscape";
export const title = "Landscape";
export const mode = "full";

const TRUST = 0.2; // a path further off the plane than this share of its travel is not read from its projection

const DIRECTIONS = {
  filter: "filter-normalised (Li et al., 2018)",
  random: "random, scaled to ‖θ‖",
  pca: "PCA of the trajectory",
};

/** The view in `el` (hooks from lecture/index.js): {open, close, onRun, onState, probes}. */
export function create(el) {
  const root = el;
  let plotSlice = null;
  let plotLine = null;
  let directions = "filter";
  let seed = 0;
  let follow = true;
  let slice = null;
  let line = null;
  let lastT = null;
  let error = "";
  let fetches = 0;
  const load = refetcher(fetchBoth, { minMs: 1200 });
  el.innerHTML = `
    <div class="lec-toolbar">
      <label class="lec-field">directions <select class="small-select" data-ls="dirs" data-testid="slice-directions">
        ${Object.entries(DIRECTIONS).map(([k, v]) => `<option value="${k}">${esc(v)}</option>`).join("")}
      </select></label>
      <label class="lec-field" data-ls="seed-field">seed <input type="number" class="num small" min="0" step="1" value="0"
        data-ls="seed" aria-label="seed of the random directions"></label>
      <label class="toggle"><input type="checkbox" data-ls="follow" checked><span>follow the run</span></label>
      <button type="button" class="btn btn-small" data-ls="refresh">refresh</button>
      <span class="lec-readout" data-ls="readout"></span>
    </div>
    <div class="ls-grid" data-ls="grid">
      <figure class="ls-fig"><figcaption>J(θ + α·d₁ + β·d₂) through the current weights, the trajectory projected</figcaption>
        <div class="plot" data-testid="slice-plot"></div></figure>
      <figure class="ls-fig"><figcaption>J((1 − α)·θ⁽⁰⁾ + α·θₜ): the straight line from the initial weights</figcaption>
        <div class="plot" data-testid="line-plot"></div></figure>
    </div>
    <div class="lec-empty" data-ls="empty" hidden></div>`;
  [plotSlice, plotLine] = el.querySelectorAll(".ls-fig .plot");
  autoResize(plotSlice);
  autoResize(plotLine);
  el.querySelector('[data-ls="dirs"]').addEventListener("change", (ev) => {
    directions = ev.target.value;
    root.querySelector('[data-ls="seed-field"]').hidden = directions === "pca";
    load.poke(true);
  });
  el.querySelector('[data-ls="seed"]').addEventListener("change", (ev) => {
    seed = Math.max(0, Math.round(Number(ev.target.value) || 0));
    load.poke(true);
  });
  el.querySelector('[data-ls="follow"]').addEventListener("change", (ev) => {
    follow = ev.target.checked;
    if (follow) load.poke(true);
  });
  el.querySelector('[data-ls="refresh"]').addEventListener("click", () => load.poke(true));

  function open() {
    lastT = null;
    showEmpty();
    load.poke(true);
  }

  function close() {
    load.cancel();
  }

  function onRun() {
    slice = null;
    line = null;
  }

  function onState(state, prev) {
    if (!isNetwork(state)) return;
    const settled = state.status !== "running";
    if (settled && (state.t !== lastT || state.status !== prev?.status)) load.poke(true);
    else if (!settled && follow && state.t !== lastT) load.poke();
  }

  function showEmpty() {
    const ok = isNetwork(S.run.state) || !S.run.state;
    const empty = root.querySelector('[data-ls="empty"]');
    empty.hidden = ok && !error;
    root.querySelector('[data-ls="grid"]').hidden = !ok || (!!error && !slice);
    if (!ok) {
      empty.innerHTML = `A network's loss landscape needs a network run: pick <b>neural network</b> in Problem, or open
        the lesson <a href="/?lesson=mlp">A multi-layer network</a>.`;
    } else if (error) {
      empty.textContent = `The server did not give the slice: ${error}`;
    }
  }

  async function fetchBoth() {
    const runId = S.run.id;
    if (!runId || !isNetwork(S.run.state)) {
      showEmpty();
      return;
    }
    lastT = S.run.state.t;
    try {
      const [s, l] = await Promise.all([
        socket.getSlice(runId, { directions, n: 51, seed, racer: 0 }),
        socket.getLine(runId, { n: 101, racer: 0 }),
      ]);
      if (S.run.id !== runId) return;
      slice = s;
      line = l;
      error = "";
      fetches += 1;
    } catch (err) {
      if (S.run.id !== runId) return;
      error = err.message || String(err);
    }
    showEmpty();
    if (slice) draw();
  }

  function draw() {
    const tr = colourTransform(slice.loss.map((row) => row.map((v) => (v === null ? NaN : v))));
    const ticks = colourTicks(tr, fmt);
    const path = slice.trajectory;
    const colour = racerColour(0);
    const traces = [
      {
        type: "contour", x: slice.alpha, y: slice.beta, z: slice.loss.map((row) => row.map((v) => (v === null ? null : tr.f(v)))),
        customdata: slice.loss, colorscale: COLORSCALE, ncontours: 22, line: { width: 0.5, color: "rgba(0,0,0,0.18)" },
        contours: { coloring: "heatmap" },
        colorbar: { thickness: 10, len: 0.9, outlinewidth: 0, tickfont: { size: 9 }, title: { text: "J", side: "top" },
          ...ticks },
        hovertemplate: "α = %{x:.3g}, β = %{y:.3g}<br>J = %{customdata:.4g}<extra></extra>",
      },
    ];
    if (path && path.alpha.length) {
      traces.push({
        type: "scatter", mode: "lines+markers", x: path.alpha, y: path.beta, customdata: path.t.map((t, i) => [t, path.loss[i],
          path.off_plane[i]]), line: { color: colour, width: 2 }, marker: { size: 3, color: colour },
        hovertemplate: "t = %{customdata[0]}<br>J = %{customdata[1]:.4g}<br>off the plane by %{customdata[2]:.3g}<extra></extra>",
      });
      traces.push({
        type: "scatter", mode: "markers", x: [path.alpha[0]], y: [path.beta[0]],
        marker: { size: 10, color: "#ffffff", line: { color: "#212529", width: 2 } }, hovertemplate: "θ⁽⁰⁾<extra></extra>",
      });
    }
    traces.push({
      type: "scatter", mode: "markers", x: [0], y: [0], marker: { size: 13, symbol: "star", color: colour,
        line: { color: "#ffffff", width: 1 } }, hovertemplate: `θₜ (t = ${slice.t})<br>J = ${fmt(slice.centre_loss, 4)}<extra></extra>`,
    });
    const rev = `${S.run.generation}|${slice.directions}|${slice.seed}`;
    Plotly.react(plotSlice, traces, baseLayout({
      uirevision: rev,
      margin: { l: 48, r: 8, t: 6, b: 38 },
      // α and β on one scale: the plot area shrinks to a square (constrain "domain"), the ranges stay the grid's;
      // stretching the ranges instead left blank bands beside the slice inside the axes.
      xaxis: axis("α (along d₁)", { range: [slice.alpha[0], slice.alpha[slice.alpha.length - 1]], constrain: "domain" }),
      yaxis: axis("β (along d₂)", { range: [slice.beta[0], slice.beta[slice.beta.length - 1]], scaleanchor: "x",
        constrain: "domain" }),
    }), PLOT_CONFIG);
    if (line) {
      Plotly.react(plotLine, [
        { type: "scatter", mode: "lines", x: line.alpha, y: line.loss, line: { color: "#343a40", width: 2 },
          hovertemplate: "α = %{x:.3g}<br>J = %{y:.4g}<extra></extra>" },
        { type: "scatter", mode: "markers+text", x: [0, 1], y: [line.start_loss, line.end_loss], text: ["θ⁽⁰⁾", "θₜ"],
          textposition: "top center", marker: { size: [9, 12], color: ["#ffffff", colour], symbol: ["circle", "star"],
            line: { color: "#212529", width: [2, 1] } }, hovertemplate: "J = %{y:.4g}<extra></extra>" },
      ], baseLayout({
        uirevision: `${S.run.generation}`,
        margin: { l: 52, r: 10, t: 6, b: 38 },
        xaxis: axis("α: 0 = initial weights, 1 = current weights"),
        yaxis: axis("J (log scale)", { type: "log", ...logTicks(...extent(line.loss)) }),
        shapes: [0, 1].map((x) => ({ type: "line", x0: x, x1: x, yref: "paper", y0: 0, y1: 1,
          line: { color: "#adb5bd", width: 1, dash: "dot" } })),
      }), PLOT_CONFIG);
    }
    const ev = slice.explained_variance;
    const off = path && path.off_plane.length ? Math.max(...path.off_plane) : null;
    root.querySelector('[data-ls="readout"]').innerHTML = `t = ${slice.t} · J(θₜ) = <b>${fmt(slice.centre_loss, 4)}</b>
      · span ±${fmt(slice.span, 3)}${ev ? ` · variance explained ${ev.map((v) => `${fmt(100 * v, 3)}%`).join(" + ")}` : ""}
      ${line ? ` · ‖θₜ − θ⁽⁰⁾‖ = ${fmt(line.distance, 3)}` : ""}${trust(off, line?.distance)}`;
  }

  /** Whether the projected path can be read: how far the real path leaves the plane, against how far it went. */
  function trust(off, distance) {
    if (off === null) return "";
    const far = distance > 0 ? off / distance : null;
    const share = far === null ? "" : ` (${fmt(100 * far, 2)}% of ‖θₜ − θ⁽⁰⁾‖)`;
    if (far !== null && far <= TRUST) {
      return `<br><span class="ls-trust good" data-testid="slice-trust" data-trust="yes"
        data-off="${off}" data-distance="${distance ?? ""}">the path stays within
        ${fmt(off, 3)} of this plane${share}: its projection shows where descent went</span>`;
    }
    return `<br><span class="ls-trust bad" data-testid="slice-trust" data-trust="no"
      data-off="${off}" data-distance="${distance ?? ""}">⚠ the path leaves this plane by up
      to ${fmt(off, 3)}${share}: the projected path is not to be trusted — where it is drawn is not where θ was, and the
      J under it is the plane's, not the path's</span>`;
  }

  function extent(values) {
    const v = values.filter((x) => x > 0);
    return v.length ? [Math.min(...v), Math.max(...v)] : [NaN, NaN];
  }

  /** Read-only numbers for the browser tests. */
  const probes = {
    fetches: () => fetches,
    grid: () => (slice ? [slice.alpha.length, slice.beta.length] : null),
    centreLoss: () => slice?.centre_loss ?? null,
    directions: () => slice?.directions ?? null,
  };

  return { open, close, onRun, onState, probes };
}
