// The page's default set-up: state.js starts from it, and url.js reads a link on top of it.

export const DEFAULTS = Object.freeze({
  kind: "linear_regression",
  data: { n: 100, slope: 3, intercept: 2, noise: 0.5, x_min: 0, x_max: 1, seed: 0 },
  csv: null, // uploaded CSV text (header x,y); replaces the generated data when set
  racers: [{ name: "gd", lr: 0.1, batch_size: null }],
  stop: { grad_norm: 1e-6, delta_loss: null, max_steps: 10000 },
  start: null, // [θ1, θ2]; null: the problem's default start
  seed: 0,
  speed: 50, // steps per second while playing
  view: { arrows: true, flow: false, logJ: true, logGrad: true, surface3d: true, stepArrows: true,
    byExamples: false }, // byExamples: the curves against the training examples seen instead of t
});

export const MAX_CSV_IN_URL = 4000; // longer uploads are not put in links (the link says so)
