// One settings panel per problem kind (issue 3 adds "network", issue 4 "surface").
//
// A panel is {kind, title, label (in the kind switch), create(el, hooks) → {sync, showState?}} and may add: `view` (the chart set it
// shows, render.js; "classic" when absent), `codec` (its set-up in runs and links, state.js) and
// `racerDefaults` (optimiser settings applied when a person switches to it), `showState(state)` (what the
// run says about the problem) and `suggestedLrs(config, state)` ({gd, ada}: learning rates that suit it,
// for the racer sets and new racers of race.js).

import { registerKind } from "../state.js";
import * as linearRegression from "./linear_regression.js";
import * as network from "./network.js";
import * as surface from "./surface.js";

export const PANELS = {
  [linearRegression.kind]: linearRegression,
  [network.kind]: network,
  [surface.kind]: surface,

};

for (const panel of Object.values(PANELS)) if (panel.codec) registerKind(panel.kind, panel.codec);
