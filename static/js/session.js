// The run's life: create it from the config, stream it, load its data and landscape, follow the
// server's messages, and play / pause it. A new run replaces the old one (which is deleted).
//
// Whether the run plays is the server's word only: S.playing() reads the status it last sent.

import * as S from "./state.js";
import * as socket from "./socket.js";
import * as toast from "./toast.js";
import { createThroughput } from "./throughput.js";
import { grownBox, startOutsideBox } from "./landscape_box.js";

const TERMINAL = ["converged", "diverged", "stopped"];
const MAX_EXPANSIONS = 8; // landscape refetches per run when the path leaves the box

/** The session of one page: `render` draws, `status` shows what it is doing.
 * {startRun, adoptRun, play, pause, send, terminal, onLeaveBox, isOpen, close, throughput}. */
export function createSession(render, status) {
  let reconnected = false;
  let creating = 0; // sequence number of run creations: late answers of older ones are dropped
  let expansions = 0;
  let boxTimer = null;
  let landSeq = 0; // landscape requests: only the newest one's answer is drawn
  let landLoading = false;
  let home = null; // the run's first landscape, over its own box: a reset after a divergence draws it again
  const throughput = createThroughput();
  const stream = socket.createStream(handlers());
  // The plane a network's grids are drawn over (network_view.js picks it): subscribed now, and again after a
  // reconnection, for the run it was picked for.
  let plane = null; // {id, plane: {plane, x_feature, y_feature}}
  // A weight typed in on the network diagram (net_edit.js): a live set_weight on the run it was typed for.
  document.addEventListener("descent-weight", (ev) => {
    if (ev.detail.id === S.run.id) stream.send({ type: "set_weight", ...ev.detail.edit });
  });
  document.addEventListener("descent-plane", (ev) => {
    plane = ev.detail;
    if (plane.id === S.run.id) stream.send({ type: "subscribe", ...plane.plane });
  });

  /** The run has finished (converged, diverged or stopped). */
  const terminal = () => TERMINAL.includes(S.run.state?.status);

  /** Create a run for the current config, stream it, and drop the old one (played on if it was playing). */
  async function startRun() {
    const seq = ++creating;
    const old = S.run.id;
    const resume = S.playing();
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
  async function adoptRun(load) {
    const seq = ++creating;
    const old = S.run.id;
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
    home = null;
    reconnected = false;
    stream.connect(st.id);
    if (old) socket.deleteRun(old);
    if (resume) play();
    render.redrawAll();
    if (!render.classic()) return; // the network charts load what they need (network_view.js)
    const id = st.id;
    if (st.problem?.kind !== "surface") { // a test surface has no data points
      socket.getData(id)
        .then((d) => { if (S.run.id === id) S.setData(d); })
        .catch((err) => { if (S.run.id === id) toast.error(`data: ${err.message}`); });
    }
    loadLandscape(id, null);
  }

  /** Play at the config's speed (from θ⁽⁰⁾ again when the run has finished). */
  function play() {
    if (terminal()) stream.send({ type: "reset" });
    stream.send({ type: "play", speed: S.config.speed });
  }

  /** Pause. */
  function pause() {
    stream.send({ type: "pause" });
  }

  async function loadLandscape(id, box) {
    const seq = ++landSeq;
    landLoading = true;
    try {
      const land = await socket.getLandscape(id, box);
      if (S.run.id === id && seq === landSeq) {
        if (!box) home = land;
        S.setLandscape(land);
      }
    } catch (err) {
      if (S.run.id === id && seq === landSeq) toast.error(`landscape: ${err.message}`);
    } finally {
      if (seq === landSeq) landLoading = false;
    }
  }

  /** The path left the landscape: refetch a bigger one holding it (debounced, bounded growth); `racers`: the
   * racers to hold (default all; the contour leaves out a diverging racer it clips). */
  function onLeaveBox(racers = null) {
    clearTimeout(boxTimer);
    boxTimer = setTimeout(() => {
      boxTimer = null;
      const b = S.run.landscape?.box;
      if (!b || expansions >= MAX_EXPANSIONS || !S.run.id) return;
      expansions += 1;
      const held = racers ? racers.map((k) => S.run.history[k]).filter(Boolean) : S.run.history;
      loadLandscape(S.run.id, grownBox(b, held));
    }, 300);
  }

  function handlers() {
    return {
      hello(msg) {
        const wasPlaying = S.playing();
        throughput.reset();
        S.resync(msg.state, msg.steps || []);
        if (plane && plane.id === S.run.id) stream.send({ type: "subscribe", ...plane.plane });
        S.setNet(msg);
        render.redrawAll();
        // After a drop the server paused the run: go on playing if it was playing.
        if (reconnected && wasPlaying && !terminal() && msg.state?.status !== "running") play();
      },
      frame(msg) {
        S.addSteps(msg.steps || []);
        S.setNet(msg); // a network run's weights, and now and then its decision grid and hidden units
        if (msg.state) S.setState(msg.state);
        throughput.onFrame(msg.state?.t);
        render.schedule();
      },
      status(msg) {
        S.setStatus(msg);
        throughput.update();
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
        if (plane && plane.id === S.run.id) stream.send({ type: "subscribe", ...plane.plane });
        S.setNet(msg);
        // A run that grew the landscape (a divergence) starts again in the run's own box, as does a start outside.
        clearTimeout(boxTimer);
        boxTimer = null;
        // The run's own landscape at once (asking the server again would race the path, diverging again already).
        const again = expansions > 0 || startOutsideBox(S.run.landscape?.box, msg.state);
        expansions = 0;
        if (again && home && !startOutsideBox(home.box, msg.state)) {
          landSeq += 1; // an answer still on its way is not drawn over it
          landLoading = false;
          S.run.landscape = home; // drawn by redrawAll below (S.setLandscape would draw the 3-D view twice)
        } else if (again) {
          loadLandscape(S.run.id, null);
        }
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
      gone(id, err) {
        if (id !== S.run.id) return;
        if (err?.status === 410) { // its server process stopped: say why, and offer to start it again (saved runs: the drawer)
          status.show("error", err.message);
          toast.show(err.message, "error", { label: "Start it again", act: startRun });
          return;
        }
        toast.info("the run expired on the server: starting it again");
        startRun();
      },
    };
  }

  return {
    startRun, adoptRun, play, pause, terminal, onLeaveBox, throughput,
    landscapeLoading: () => landLoading || boxTimer !== null,
    send: (msg) => stream.send(msg),
    isOpen: () => stream.isOpen(),
    close: () => stream.disconnect(),
  };
}
