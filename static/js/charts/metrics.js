// Train and test loss (top) and accuracy (below; not for regression) against t, as the run's state gives
// them (once a frame: a sample every few steps while it plays). Log loss is optional. The loss of every
// single step is in the history (CSV) and on the classic curves; drawing it here would make Plotly redraw
// tens of thousands of points a few times a second.

/* global Plotly */

import { PLOT_CONFIG, axis, baseLayout, extend } from "./theme.js";
import { LINEAR, logAxis, ticksKey } from "./log_ticks.js";

const MAX_POINTS = 20000;
const TRAIN = "#1b2a41";
const TEST = "#e8590c";
// Trace order: train loss, test loss, train accuracy, test accuracy.

// A log loss axis gets ticks of one format (log_ticks.js); the mode is their key, so it relayouts when they change.
function lossTicks(log, range) {
  if (!log) return { mode: "linear", axis: LINEAR };
  return { mode: `log|${ticksKey(range[0], range[1])}`, axis: logAxis(range[0], range[1]) };
}

const accuracy = (part) => ({
  yaxis: "y2", showlegend: false, hovertemplate: `t = %{x}<br>${part} accuracy = %{y:.1%}<extra></extra>`,
});

function track(range, values) {
  for (const v of values) {
    if (v > 0 && Number.isFinite(v)) {
      if (v < range[0]) range[0] = v;
      if (v > range[1]) range[1] = v;
    }
  }
}

/** The train / test chart in `el` (log loss or not): {reset, update, setLog, probes}. */
export function createMetrics(el, { logLoss = true } = {}) {
  const gd = el;
  let log = logLoss;
  let classify = true;
  let points = 0;
  const range = [Infinity, -Infinity]; // of the losses drawn (for the log axis's ticks)
  let tickMode = "";
  Plotly.newPlot(gd, [], layout(0), PLOT_CONFIG);

  function layout(uirevision) {
    const ticks = lossTicks(log, range);
    tickMode = ticks.mode;
    // Fixed margins: with automargin every new tick label would cost Plotly extra redraws.
    const lossAxis = axis("loss", { ...ticks.axis, automargin: false });
    const lay = baseLayout({
      uirevision,
      margin: { l: 58, r: 12, t: 24, b: 38 },
      xaxis: axis("t (iteration)", { rangemode: "tozero", anchor: classify ? "y2" : "y", automargin: false }),
      yaxis: { ...lossAxis, domain: classify ? [0.47, 1] : [0, 1] },
      showlegend: true,
      legend: { orientation: "h", x: 0, y: 1.0, xanchor: "left", yanchor: "bottom", font: { size: 10 },
        bgcolor: "rgba(255,255,255,0)" },
    });
    if (classify) {
      lay.yaxis2 = axis("accuracy", { domain: [0, 0.4], range: [0, 1.04], tickformat: ".0%", dtick: 0.25,
        automargin: false });
    }
    return lay;
  }


  /** Redraw from the samples of the train/test figures. */
  function reset(samples, task, uirevision) {
    classify = task !== "regression";
    const line = (x, y, name, colour, extra = {}) => ({
      type: "scatter", mode: "lines", x, y, name, line: { color: colour, width: 1.6, ...(extra.line || {}) },
      hovertemplate: `t = %{x}<br>${name} = %{y:.4g}<extra></extra>`, ...extra.rest,
    });
    const data = [
      line(samples.t.slice(), samples.train_loss.slice(), "train loss", TRAIN),
      line(samples.t.slice(), samples.test_loss.slice(), "test loss", TEST),
    ];
    if (classify) {
      data.push(
        line(samples.t.slice(), samples.train_accuracy.slice(), "train accuracy", TRAIN, { rest: accuracy("train") }),
        line(samples.t.slice(), samples.test_accuracy.slice(), "test accuracy", TEST, { rest: accuracy("test") }),
      );
    }
    points = samples.t.length;
    range[0] = Infinity;
    range[1] = -Infinity;
    track(range, samples.train_loss);
    track(range, samples.test_loss);
    Plotly.react(gd, data, layout(uirevision), PLOT_CONFIG);
  }

  /** Append new samples. */
  function update(samples) {
    if (!gd.data || !gd.data.length) return;
    const xs = [];
    const ys = [];
    const idx = [];
    if (samples && samples.t.length) {
      const keys = ["train_loss", "test_loss", ...(classify ? ["train_accuracy", "test_accuracy"] : [])];
      keys.forEach((k, i) => {
        xs.push(samples.t);
        ys.push(samples[k]);
        idx.push(i);
      });
      points += samples.t.length;
      track(range, samples.train_loss);
      track(range, samples.test_loss);
    }
    extend(gd, { x: xs, y: ys }, idx, MAX_POINTS);
    retick();
  }

  /** Switch the loss axis between log and linear. */
  function setLog(on) {
    log = on;
    tickMode = "";
    retick();
  }

  function retick() {
    const ticks = lossTicks(log, range);
    if (!gd.layout || ticks.mode === tickMode) return;
    tickMode = ticks.mode;
    const update = { "yaxis.autorange": true };
    for (const [k, v] of Object.entries(ticks.axis)) update[`yaxis.${k}`] = v;
    Plotly.relayout(gd, update);
  }

  /** Samples drawn (test hook). */
  return { reset, update, setLog, probes: { sampleCount: () => points } };
}
