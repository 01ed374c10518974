// The charts of a network run (render.js shows them when the problem's panel asks for view "network"):
// the diagram, the weight matrices, the decision regions, the hidden neurons and the loss / accuracy.
//
// Frames carry the weights (when they changed) and the decision grid and hidden units (less often); each chart
// redraws from the newest of them at its own pace (the diagram at most ~15 times a second), so a fast run
// never queues work. What the frames have not brought yet (a new run, a reset, a server that sends no
// grid) is asked for over REST. A click on an edge of the diagram edits that weight, on a neuron shows its
// output big (net_edit.js, neuron_zoom.js).

import * as S from "./state.js";
import * as socket from "./socket.js";
import * as toast from "./toast.js";
import { createDiagram } from "./charts/network_diagram.js";
import { createWeights } from "./charts/weights.js";
import { createDecision } from "./charts/decision.js";
import { createHidden } from "./charts/hidden.js";
import { createMetrics } from "./charts/metrics.js";
import { fmt } from "./format.js";
import { createPlaneChoice } from "./net_plane.js";
import { createWeightEditor } from "./net_edit.js";
import { createNeuronZoom } from "./neuron_zoom.js";
import { counting, setCaptions } from "./net_captions.js";

const GRID_N = 60; // decision grid asked for over REST
const HIDDEN_FLOATS = 100000; // hidden-unit grids asked for over REST: n × n per unit, within this budget
const STALE_MS = 1200; // no grid over the websocket for this long while t moves: ask over REST

function emptySamples() {
  return { t: [], train_loss: [], test_loss: [], train_accuracy: [], test_accuracy: [] };
}

/** Run `fn` at most every max(minMs, factor × its last duration) ms, always with the newest data. */
function latest(fn, { minMs = 0, factor = 2 } = {}) {
  let next = 0;
  let timer = null;
  const run = () => {
    timer = null;
    const t0 = performance.now();
    fn();
    next = t0 + Math.max(minMs, factor * (performance.now() - t0));
  };
  return {
    poke() {
      if (timer !== null) return;
      timer = setTimeout(() => requestAnimationFrame(run), Math.max(0, next - performance.now()));
    },
  };
}

const isNetwork = () => S.run.state?.problem?.kind === "network";

function shapeOf(p, data) {
  let xRange = null;
  if (p.inputs === 1 && p.input_box) xRange = [p.input_box[0][0], p.input_box[1][0]];
  else if (p.inputs === 1 && data?.train) {
    const xs = data.train.X.map((r) => r[0]);
    xRange = [Math.min(...xs), Math.max(...xs)];
  }
  // Inputs named by their columns (CSV, Iris) or features (x1², sin x1); the generic x1, x2, … stay subscripted.
  const generic = (p.input_names || []).every((n, i) => n === `x${i + 1}` || (n === "x" && p.inputs === 1));
  return { sizes: p.layers, activations: p.activation || [], head: p.head, inputs: p.inputs, xRange,
    names: generic ? null : p.input_names };
}

/** Points per side of each hidden unit's grid: 32, fewer for wide networks (8 × 64 units: 13). */
function hiddenN(p) {
  const units = p.layers.slice(1, -1).reduce((a, b) => a + b, 0) || 1;
  return Math.max(8, Math.min(32, Math.floor(Math.sqrt(HIDDEN_FLOATS / units))));
}

function readout(state) {
  const el = document.querySelector('[data-readout="test_accuracy"]');
  const r0 = state?.racers?.[0];
  if (!el || !r0) return;
  let text = "–";
  if (state.problem?.task === "regression") {
    text = fmt(r0.test_loss ?? r0.train_loss, 4);
  } else {
    const a = r0.test_accuracy ?? r0.train_accuracy;
    if (a !== null && a !== undefined) text = `${fmt(100 * a, 3)} %`;
  }
  if (el.textContent !== text) el.textContent = text;
}

/** The network charts in their page elements, following state.js: {reset, diagram, probes}. */
export function createNetworkView() {
  const byId = (id) => document.getElementById(id);
  const diagram = createDiagram(byId("plot-net-diagram"), { onPick });
  const editor = createWeightEditor(document.querySelector(".card-net-diagram"));
  const zoom = createNeuronZoom(document.querySelector(".card-net-hidden"));
  const weights = createWeights(byId("plot-net-weights"));
  const decision = createDecision(byId("plot-net-decision"));
  const hidden = createHidden(byId("plot-net-hidden"));
  const plane = createPlaneChoice(byId("net-plane-field"), byId("net-plane"), byId("net-plane-text"),
    () => refresh(S.run.id));
  const log = byId("net-log-loss");
  const metrics = createMetrics(byId("plot-net-metrics"), { logLoss: log.checked });
  log.addEventListener("change", () => metrics.setLog(log.checked));
  let generation = -1;
  let shapeKey = "";
  let samples = emptySamples();
  let fresh = emptySamples(); // samples not drawn yet
  let lastT = -1;
  const seen = { layers: 0, grid: 0, hidden: 0 }; // when each last arrived (performance.now())
  let fetching = false;

  const jobs = {
    diagram: latest(() => diagram.update(S.run.net.layers), { minMs: 66, factor: 2 }),
    // Restyling Plotly heatmaps is the costliest update here: a few times a second at most.
    weights: latest(() => S.run.net.layers && weights.update(S.run.net.layers), { minMs: 400, factor: 4 }),
    decision: latest(() => decision.update(S.run.net.grid), { minMs: 150, factor: 3 }),
    hidden: latest(() => {
      const p = S.run.state?.problem;
      if (p?.inputs === 1) hidden.updateCurves(S.run.net.layers);
      else hidden.update(S.run.net.hidden);
    }, { minMs: 150, factor: 3 }),
    // Plotly redraws every point of a line it extends: a few times a second is plenty.
    metrics: latest(() => {
      const s = fresh;
      fresh = emptySamples();
      metrics.update(s);
    }, { minMs: 250, factor: 3 }),
  };

  S.on("net", onNet);
  S.on("state", onState);
  S.on("data", (d) => { if (isNetwork() && d && d.train) decision.setData(d); });

  /** Redraw from what is known (a new run, a hello or a reset), and ask the server for the rest. */
  function reset(run) {
    const p = run.state?.problem;
    if (!p || p.kind !== "network") return;
    const newRun = run.generation !== generation;
    generation = run.generation;
    const key = `${run.generation}|${JSON.stringify([p.layers, p.activation, p.head])}`;
    if (key !== shapeKey) {
      shapeKey = key;
      const shape = shapeOf(p, run.data);
      diagram.reset(shape, run.net.layers);
      weights.reset(p.layers, run.net.layers, run.generation);
      hidden.reset(shape);
      setCaptions(p);
    }
    if (newRun) {
      plane.reset(p, run.id);
      counting(p.layers);
      samples = emptySamples();
      decision.reset(p, run.data, run.net.grid, run.generation);
      if (!run.data) loadData(run.id);
    }
    // Keep the samples up to the run's t (a reset goes back to t = 0), then add the state's own.
    const t = run.state.t ?? 0;
    const keep = samples.t.findIndex((x) => x > t);
    if (keep >= 0) for (const k of Object.keys(samples)) samples[k].length = keep;
    lastT = -1;
    fresh = emptySamples();
    addSample(run.state);
    fresh = emptySamples();
    metrics.reset(samples, p.task, run.generation);
    readout(run.state);
    refresh(run.id);
  }

  function addSample(state) {
    const r0 = state?.racers?.[0]; // the figures are racer 0's
    if (!r0 || r0.train_loss === undefined || state.t === lastT) return false;
    if (samples.t.length && state.t < samples.t[samples.t.length - 1]) return false;
    lastT = state.t;
    for (const target of [samples, fresh]) {
      target.t.push(state.t);
      target.train_loss.push(r0.train_loss);
      target.test_loss.push(r0.test_loss);
      target.train_accuracy.push(r0.train_accuracy);
      target.test_accuracy.push(r0.test_accuracy);
    }
    return true;
  }

  function onState(state, prev, full) {
    if (full || !isNetwork()) return;
    if (addSample(state)) jobs.metrics.poke();
    readout(state);
    const now = performance.now();
    const moved = prev && prev.t !== state.t;
    // Frames that bring no weights or grid (or stopped bringing them): ask over REST, now and then.
    if (moved && (now - seen.layers > STALE_MS || now - seen.grid > STALE_MS)) refresh(S.run.id);
    // A run that stopped: make sure the charts show its final weights.
    if (prev && prev.status === "running" && state.status !== "running") setTimeout(() => refresh(S.run.id), 150);
  }

  function onNet(changed) {
    if (!isNetwork()) return;
    const now = performance.now();
    for (const k of changed) seen[k] = now;
    if (changed.includes("layers")) {
      jobs.diagram.poke();
      jobs.weights.poke();
      if (S.run.state?.problem?.inputs === 1) jobs.hidden.poke();
    }
    if (changed.includes("grid")) {
      jobs.decision.poke();
      plane.say(S.run.net.grid?.plane);
    }
    if (changed.includes("hidden")) jobs.hidden.poke();
  }

  async function loadData(id) {
    try {
      const d = await socket.getData(id);
      if (S.run.id === id) S.setData(d);
    } catch (err) {
      if (S.run.id === id) toast.error(`data: ${err.message}`);
    }
  }


  /** Weights, grid and hidden units of the run as it is now, over REST. */
  async function refresh(id) {
    if (fetching || !id) return;
    fetching = true;
    const p = S.run.state?.problem;
    try {
      const [net, grid, units] = await Promise.all([
        socket.getNetwork(id).catch(() => null),
        socket.getPredict(id, GRID_N, plane.choice()).catch(() => null),
        p && (p.raw_features ?? p.inputs) >= 2 && p.layers.length > 2
          ? socket.getHidden(id, hiddenN(p), plane.choice()).catch(() => null) : null,
      ]);
      if (S.run.id !== id) return;
      S.setNet({ network: net, grid, hidden: units });
    } finally {
      fetching = false;
    }
  }

  /** A click on the diagram: an edge's weight to type in, or a neuron to see big. */
  function onPick(h, at) {
    if (!h) {
      editor.close(); // a click beside every edge and neuron
      return;
    }
    if (h.type === "node") {
      editor.close();
      if (!zoom.open(h.l, h.i)) toast.info(h.l === 0 ? "an input is the plane itself: click a hidden or output neuron"
        : "its output is drawn over a plane of two inputs or more: this network has one");
      return;
    }
    if (!S.run.net.layers) return;
    const plot = byId("plot-net-diagram");
    editor.open(h, S.run.net.layers, { x: at.x + plot.offsetLeft, y: at.y + plot.offsetTop });
  }

  /** Read-only numbers for the browser tests. */
  const probes = {
    edge: diagram.probes.edge,
    edgeCount: diagram.probes.edgeCount,
    edgePoint: diagram.probes.edgePoint,
    nodePoint: diagram.probes.nodePoint,
    editing: () => editor.isOpen(),
    zoomUnit: zoom.probes.unit,
    zoomPaints: zoom.probes.paints,
    zoomSize: zoom.probes.size,
    diagramDraws: diagram.probes.drawCount,
    tip: diagram.probes.tipShown,
    weightUpdates: weights.probes.updateCount,
    weightZ: weights.probes.zShown,
    decision: decision.probes.fingerprint,
    decisionUpdates: decision.probes.updateCount,
    thumbs: hidden.probes.thumbCount,
    hiddenUpdates: hidden.probes.updateCount,
    samples: metrics.probes.sampleCount,
    accuracy: () => S.run.state?.racers?.[0]?.test_accuracy ?? null,
    trainAccuracy: () => S.run.state?.racers?.[0]?.train_accuracy ?? null,
    problem: () => structuredClone(S.run.state?.problem ?? null),
  };

  return { reset, diagram, probes };
}
