"""Cross-entropy against quadratic cost over two weights: the lecture's Figure 5 (Glorot & Bengio, 2010).

For a network with a hidden layer, one weight W1 of the first layer and one W2 of the output layer vary over
an n × n grid while every other weight is held; both costs are computed from one forward pass per grid point
(all points batched), through the network's own head:
  cross-entropy  J = −mean[y* log y + (1 − y*) log(1 − y)]   (sigmoid head; −mean Σ_k y*_k log y_k for softmax)
  quadratic      J = mean ½ Σ_k (y_k − y*_k)²
Gradient descent on each surface from the same start, moving only W1 and W2 with the same γ, shows the quadratic
cost stalling where the output saturates: there ∂y/∂b = y(1 − y) ≈ 0 multiplies its gradient, while the
cross-entropy's g_b = y − y* stays large.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.losses import LOSSES, objective, objective_value
from engine.network import GRID_CHUNK, NetworkProblem
from engine.network_build import build_network
from engine.settings import SettingsError

MAX_N = 101  # grid points per side
MAX_STEPS = 2000  # gradient-descent steps per path
START_OFFSET = 0.75  # default start: this share of the span below the current values, where outputs saturate
DEFAULT_SPEC: dict[str, Any] = {  # the small network of the figure when no run supplies one
    "kind": "network", "layers": [2, 2, 1], "activation": "sigmoid", "head": "sigmoid", "loss": "bce",
    "data": {"name": "linear", "n": 40, "noise": 0.0, "seed": 0, "test_ratio": 0.0}, "seed": 0,
}


def default_problem() -> NetworkProblem:
    """The figure's default: [2, 2, 1], sigmoid hidden units and output, 40 linearly separable points."""
    return build_network(dict(DEFAULT_SPEC))


def _weight(problem: NetworkProblem, layer: int, index: int, field: str) -> dict[str, Any]:
    """Where weight `index` (row-major over W (inputs, outputs)) of Dense layer `layer` (1-based) sits in θ."""
    dense = problem.mlp.dense[layer - 1]
    count = dense.n_in * dense.n_out
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
        raise SettingsError(field, f"layer {layer} has {count} weights, numbered 0 to {count - 1}")
    i, j = divmod(index, dense.n_out)
    p = problem.mlp.slices[layer - 1].start + index
    return {"layer": layer, "from": i, "to": j, "index": index, "param": p, "name": problem.param_names[p]}


def _positive(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0


def costs(problem: NetworkProblem, thetas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cross-entropy and quadratic cost at each row of thetas (K, d), from one batched forward pass per chunk."""
    ce, quad = LOSSES["bce" if problem.head.name == "sigmoid" else "ce"], LOSSES["quadratic"]
    K = thetas.shape[0]
    out_ce, out_q = np.empty(K), np.empty(K)
    step = max(1, GRID_CHUNK // (problem.X.shape[0] * max(problem.mlp.sizes)))
    for s in range(0, K, step):
        z = problem.mlp.forward_many(thetas[s : s + step], problem.X, head=False)  # (k, n, outputs)
        out_ce[s : s + step] = objective_value(ce, problem.head, z, problem.T)
        out_q[s : s + step] = objective_value(quad, problem.head, z, problem.T)
    return out_ce, out_q


def descend(problem: NetworkProblem, theta: np.ndarray, params: list[int], loss: str, lr: float, steps: int
            ) -> np.ndarray:
    """Gradient descent on the coordinates `params` of θ only, with the named loss: rows [w…, J], steps + 1 of them.

    A path ends early if it leaves the finite numbers.
    """
    mlp = problem.mlp.clone()  # its own buffers: the run's network is never disturbed
    loss_fn, head = LOSSES[loss], problem.head
    Xc = np.ascontiguousarray(problem.X.T)
    th, grad = np.array(theta, dtype=np.float64), np.empty(problem.dim)
    mlp.bind(th, grad)
    out = np.empty((steps + 1, len(params) + 1))
    for k in range(steps + 1):
        J, g = objective(loss_fn, head, mlp.logits(Xc).T, problem.T)
        out[k, :-1], out[k, -1] = th[params], J
        if k == steps or not math.isfinite(J):
            return out[: k + 1]
        mlp.backward(g.T, input_grad=False)
        th[params] -= lr * grad[params]  # in place: the bound layers see the move
    return out


def loss_compare(problem: NetworkProblem | None = None, theta: np.ndarray | None = None, w1: int = 0, w2: int = 0,
                 n: int = 41, span: float = 8.0, steps: int = 200, lr: float = 1.0,
                 start: list[float] | None = None) -> dict[str, Any]:
    """Both costs over an n × n grid of (W1, W2) ± span around θ's values, and a descent path on each (JSON).

    `problem`/`theta`: the run's network and current weights (default: `default_problem()` at its start).
    `w1`, `w2`: which weight of the first and of the output layer (row-major index into W). `start`: where both
    paths begin, [W1, W2]; by default the box's lower-left region, θ's values − 0.75·span, far enough out for the
    output to saturate (pass `centre` to start from the run's own weights). ce[j][i] and quadratic[j][i] are the
    costs at (w1[i], w2[j]).
    """
    if problem is None:
        problem = default_problem()
    theta = problem.default_start() if theta is None else np.asarray(theta, dtype=np.float64)
    if theta.shape != (problem.dim,) or not np.all(np.isfinite(theta)):
        raise SettingsError("theta", f"must be {problem.dim} finite numbers")
    if problem.head.name not in ("sigmoid", "softmax"):
        raise SettingsError("problem.head", "cross-entropy needs probabilities: use a sigmoid or softmax head")
    L = len(problem.mlp.dense)
    if L < 2:
        raise SettingsError("problem.layers", "W1 and W2 sit in different layers: the network needs a hidden layer")
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= MAX_N:
        raise SettingsError("n", f"grid size must be a whole number from 2 to {MAX_N}")
    if not _positive(span):
        raise SettingsError("span", "must be a positive number")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS:
        raise SettingsError("steps", f"must be a whole number from 0 to {MAX_STEPS}")
    if not _positive(lr):
        raise SettingsError("lr", "must be a positive number")
    a, b = _weight(problem, 1, w1, "w1"), _weight(problem, L, w2, "w2")
    p = [a["param"], b["param"]]
    centre = theta[p]
    axes = [centre[k] + span * np.linspace(-1.0, 1.0, n) for k in range(2)]
    if n % 2:  # the centre itself on the grid, exactly
        axes[0][n // 2], axes[1][n // 2] = centre
    G1, G2 = np.meshgrid(axes[0], axes[1])  # [j, i] = (w1[i], w2[j])
    thetas = np.repeat(theta[None], n * n, axis=0)
    thetas[:, p[0]], thetas[:, p[1]] = G1.ravel(), G2.ravel()
    with np.errstate(all="ignore"):
        ce, quad = costs(problem, thetas)
        first = theta.copy()
        if start is None:
            first[p] = centre - START_OFFSET * span
        else:
            try:
                s0 = np.asarray(start, dtype=np.float64)
            except (TypeError, ValueError):
                s0 = np.empty(0)
            if s0.shape != (2,) or not np.all(np.isfinite(s0)):
                raise SettingsError("start", "must be two finite numbers [W1, W2]")
            first[p] = s0
        ce_name = "bce" if problem.head.name == "sigmoid" else "ce"
        paths = {"ce": descend(problem, first, p, ce_name, lr, steps),
                 "quadratic": descend(problem, first, p, "quadratic", lr, steps)}

    def grid(Z: np.ndarray) -> list[list[float | None]]:
        return [[v if math.isfinite(v) else None for v in row] for row in Z.reshape(n, n).tolist()]

    return {
        "w1": axes[0].tolist(),
        "w2": axes[1].tolist(),
        "ce": grid(ce),
        "quadratic": grid(quad),
        "paths": {k: [[v if math.isfinite(v) else None for v in row] for row in P.tolist()] for k, P in paths.items()},
        "indices": {"w1": a, "w2": b},
        "start": first[p].tolist(),
        "centre": centre.tolist(),
        "lr": lr,
        "steps": steps,
        "losses": {"ce": ce_name, "quadratic": "quadratic"},
        "head": problem.head.name,
        "layers": list(problem.mlp.sizes),
    }
