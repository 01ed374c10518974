// The run's life: create it from the config, stream it, load its data and landscape, follow the
// server's messages, and play / pause it. A new run replaces the old one (which is deleted).

import * as S from "./state.js";
import * as socket from "./socket.js";
import * as status from "./status.js";
import * as toast from "./toast.js";
import * as render from "./render.js";
import * as throughput from "./throughput.js";

const TERMINAL = ["converged", "diverged", "stopped"];
const MAX_EXPANSIONS = 8; // landscape refetches per run when the path leaves the box

let reconnected = false;
let creating = 0; // sequence number of run creations: late answers of older ones are dropped
let expansions = 0;
let boxTimer = null;

/** The run has finished (converged, diverged or stopped). */
export const terminal = () => TERMINAL.includes(S.run.state?.status);

/** Create a run for the current config, stream it, and drop the old one. */
export async function startRun() {
  const seq = ++creating;
  const old = S.run.id;
  const resume = S.run.wantPlaying;
  S.run.wantPlaying = false;
  status.show("connecting", "starting a run…");
  let st;
  try {
    st = await socket.createRun(S.runSpec());
  } catch (err) {
    if (seq !== creating) return;
    status.show("error", err.message);
    toast.error(err.message);
    return;
  }
  if (seq !== creating) {
    socket.deleteRun(st.id);
    return;
  }
  attach(st, old, resume);
}

/** Show a run the server already holds (a saved run reopened, an imported one, a replay link): `load()` answers
 * its state after setting the page's config to match. Streamed like a new run (the hello brings its history);
 * the old run is dropped. Answers the state, or null when a newer run took its place; load's errors are thrown. */
export async function adoptRun(load) {
  const seq = ++creating;
  const old = S.run.id;
  S.run.wantPlaying = false;
  status.show("connecting", "opening the run…");
  let st;
  try {
    st = await load();
  } catch (err) {
    if (seq === creating && S.run.state) status.render(S.run.state);
    throw err;
  }
  if (seq !== creating) {
    if (st?.id) socket.deleteRun(st.id);
    return null;
  }
  attach(st, old, false);
  return st;
}

/** Stream run `st` in place of run `old`, draw it, and load its data and landscape. */
function attach(st, old, resume) {
  S.newRun(st.id);
  S.resync(st, []);
  expansions = 0;
  reconnected = false;
  socket.connect(st.id);
  if (old) socket.deleteRun(old);
  if (resume) play();
  render.redrawAll();
  if (!render.classic()) return; // the network charts load what they need (network_view.js)
  const id = st.id;
  if (st.problem?.kind !== "surface") { // a test surface has no data points
    socket.fetchData(id)
      .then((d) => { if (S.run.id === id) S.setData(d); })
      .catch((err) => { if (S.run.id === id) toast.error(`data: ${err.message}`); });
  }
  loadLandscape(id, null);
}

/** Play at the config's speed (from θ⁽⁰⁾ again when the run has finished). */
export function play() {
  if (terminal()) socket.send({ type: "reset" });
  socket.send({ type: "play", speed: S.config.speed });
  S.run.wantPlaying = true;
  render.schedule();
}

/** Pause. */
export function pause() {
  socket.send({ type: "pause" });
  S.run.wantPlaying = false;
  render.schedule();
}

async function loadLandscape(id, box) {
  try {
    const land = await socket.fetchLandscape(id, box);
    if (S.run.id === id) S.setLandscape(land);
  } catch (err) {
    if (S.run.id === id) toast.error(`landscape: ${err.message}`);
  }
}

function startOutsideBox(state) {
  const b = S.run.landscape?.box;
  const s = state?.start;
  if (!b || !s) return false;
  return s[0] < b.x_min || s[0] > b.x_max || s[1] < b.y_min || s[1] > b.y_max;
}

/** The path left the landscape: refetch a bigger one holding it (debounced, bounded growth). */
export function onLeaveBox() {
  clearTimeout(boxTimer);
  boxTimer = setTimeout(() => {
    const b = S.run.landscape?.box;
    if (!b || expansions >= MAX_EXPANSIONS || !S.run.id) return;
    let [x0, x1, y0, y1] = [b.x_min, b.x_max, b.y_min, b.y_max];
    for (const h of S.run.history) {
      for (let i = 0; i < h.t.length; i++) {
        const a = h.p1[i];
        const c = h.p2[i];
        if (!Number.isFinite(a) || !Number.isFinite(c)) continue;
        x0 = Math.min(x0, a); x1 = Math.max(x1, a); y0 = Math.min(y0, c); y1 = Math.max(y1, c);
      }
    }
    const sx = b.x_max - b.x_min;
    const sy = b.y_max - b.y_min;
    const mx = (x1 - x0) * 0.08;
    const my = (y1 - y0) * 0.08;
    // A diverging path runs off to huge θ: grow at most 4 box widths per side per refetch.
    const box = {
      x_min: Math.max(x0 - mx, b.x_min - 4 * sx), x_max: Math.min(x1 + mx, b.x_max + 4 * sx),
      y_min: Math.max(y0 - my, b.y_min - 4 * sy), y_max: Math.min(y1 + my, b.y_max + 4 * sy),
    };
    expansions += 1;
    loadLandscape(S.run.id, box);
  }, 300);
}

// ----- server messages ------------------------------------------------------------------------

socket.setHandlers({
  hello(msg) {
    throughput.reset();
    S.resync(msg.state, msg.steps || []);
    S.setNet(msg);
    render.redrawAll();
    // After a drop the server paused the run: go on playing if the person had pressed play.
    if (reconnected && S.run.wantPlaying && !terminal() && msg.state?.status !== "running") play();
  },
  frame(msg) {
    S.addSteps(msg.steps || []);
    S.setNet(msg); // a network run's weights, and now and then its decision grid and hidden units
    if (msg.state) S.setState(msg.state);
    throughput.onFrame(msg.state?.t);
    render.schedule();
  },
  status(msg) {
    const prev = S.run.state || {};
    // The status message carries each racer's status only: merge it into the full racer states.
    const racers = (prev.racers || []).map((r, k) => ({ ...r, ...((msg.racers || [])[k] || {}) }));
    S.setState({ ...prev, status: msg.status, message: msg.message, racers });
    throughput.update();
    if (msg.status === "running") S.run.wantPlaying = true;
    else if (msg.status === "paused" || TERMINAL.includes(msg.status)) S.run.wantPlaying = false;
    render.schedule();
  },
  racers(msg) {
    // A racer was added (its t = 0 step comes with the next frame) or removed (later ones move down).
    if (msg.action === "removed") S.dropRacer(msg.racer);
    S.setState(msg.state, true);
    render.redrawAll();
  },
  reset(msg) {
    throughput.reset();

    S.resync(msg.state, msg.steps || []);
    S.setNet(msg);
    if (startOutsideBox(msg.state)) loadLandscape(S.run.id, null);
    render.redrawAll();
  },
  error(msg) {
    toast.error(msg.message || "the server refused a message");
  },
  pong() {},
  open(info) {
    reconnected = info.reconnected;
    if (info.reconnected) toast.info("reconnected");
  },
  close() {
    status.show("offline", "connection lost, reconnecting…");
  },
  gone(id) {
    if (id !== S.run.id) return;
    toast.info("the run expired on the server: starting it again");
    startRun();
  },
});
