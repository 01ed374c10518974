// The network cards' words that follow the problem: titles, subtitles and footers (classes or a fitted curve,
// one input or a plane), and the slide's counting beside the diagram. Moved out of network_view.js as is.

/** The network cards' titles and footers for problem `p` (classes, regression, one input). */
export function setCaptions(p) {
  const text = (id, t) => { document.getElementById(id).textContent = t; };
  const regression = p.task === "regression";
  text("net-decision-title", regression ? "Fitted curve" : "Decision regions");
  text("net-hidden-sub", p.inputs === 1 ? "output along x" : "output over the input plane");
  text("net-readout-label", regression ? "test J" : "test acc");
  if (p.inputs === 1) {
    text("net-decision-sub", "ŷ(x) over the data");
    text("net-decision-foot", "● training points · ○ test points · the curve moves as the network trains");
  } else if (p.head === "softmax" || p.outputs > 1) {
    text("net-decision-sub", "most likely class, stronger where surer");
    text("net-decision-foot", "● training points · ○ test points · colour: the label, and the class picked");
  } else {
    text("net-decision-sub", "P(class 1), and the line P = ½");
    text("net-decision-foot", "● training points · ○ test points · orange: class 0 · blue: class 1");
  }
}

/** The slide's sums beside the diagram: "4 + 2 = 6 neurons · (3 × 4) + (4 × 2) = 20 weights · 20 + 4 + 2 = 26". */
export function counting(layers) {
  const el = document.getElementById("net-counting");
  if (!el || !layers || layers.length < 2) return;
  const units = layers.slice(1);
  const neurons = units.reduce((a, b) => a + b, 0);
  const weights = layers.slice(1).reduce((a, n, l) => a + layers[l] * n, 0);
  const edges = layers.slice(1).map((n, l) => `(${layers[l]} × ${n})`).join(" + ");
  el.innerHTML = `<span data-sum="neurons">${units.join(" + ")} = ${neurons} neurons</span> · `
    + `<span data-sum="weights">${edges} = ${weights} weights</span> · `
    + `<span data-sum="params">${weights} + ${units.join(" + ")} = ${weights + neurons} parameters</span>`;
}
