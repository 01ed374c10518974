"""The backpropagation inspector: one training example's forward and backward pass as the lecture's table.

The table is a list of stages read top-down like the lecture's (Loss, the head, the output Linear, then each
hidden activation and Linear, then the inputs), each with a Forward and a Backward cell: a formula and rows of
current numbers. Every row carries an `id` naming what it belongs to in a network diagram:
  {"kind": "node", "layer": ℓ, "unit": j}           ℓ = 0 (inputs) … L (outputs), units 0-based
  {"kind": "edge", "layer": ℓ, "from": i, "to": j}  the weight of Dense layer ℓ (1 … L) from unit i of layer ℓ−1
  {"kind": "bias", "layer": ℓ, "unit": j}           the bias of unit j of layer ℓ
  {"kind": "loss"}
Row quantities: loss, target, output (y), output_pre (b), post (z), pre (a), input (x); grad_output (g_y),
grad_output_pre (g_b), grad_weight, grad_bias (these two with param, param_name, weight, fd, rel_error), grad_post
(g_z), grad_pre (g_a), grad_input (g_x, with fd and rel_error).

Symbols (1-based indices, as the lecture writes them): inputs x_i; with one hidden layer the lecture's own
a_j = Σ_i α_ji x_i + b^(1)_j, z_j, b = Σ_j β_j z_j + β_0, y, J; deeper networks write the hidden layers
a^(ℓ)_j, z^(ℓ)_j, α^(ℓ)_ji, b^(ℓ)_j (the lecture's last slide); several outputs b_k, y_k, β_kj, β_k0.
A gradient is g_ before the symbol: g_y, g_b, g_β_j, g_z_j, g_a_j, g_α_ji, g_x_i.

Finite differences (engine/backprop_fd.py): J(θ ± h·e_k) for every parameter k, on the one example.
"""

from __future__ import annotations

import functools
import gc
import math
from typing import Any

import numpy as np

from engine.activations import ACTIVATIONS
from engine.backprop_fd import FD_STEP, fd_gradients, rel_error
from engine.network import NetworkProblem
from engine.settings import SettingsError

NOTE = (
    "Sign convention: the lecture's table writes J = y* log y + (1 − y*) log(1 − y), the log-likelihood, and "
    "g_y = y*/y + (1 − y*)/(y − 1), its derivative. Training minimises the negative of that, the binary "
    "cross-entropy J = −[y* log y + (1 − y*) log(1 − y)] of the lecture's loss slide, so this table's J and "
    "every g are those of the loss actually minimised: g_y = −[y*/y + (1 − y*)/(y − 1)], and each gradient is "
    "the negative of the lecture table's. g_b = g_y·y(1 − y) = y − y* is computed from the logit b directly "
    "(no division by a saturated y). Biases: b^(ℓ)_j and β_0 (the lecture's α_j0 and β_0, the weights on "
    "x_0 = z_0 = 1). The finite-difference column is the central difference (J(θ + h·e_k) − J(θ − h·e_k)) / 2h "
    "of this example's loss; its relative error is |g − fd| / max(|g|, |fd|, 1e-6)."
)

LOSS_FORMULAS = {  # (forward, backward) per loss, in the symbols of a single output (k indexes several)
    "bce": ("J = −[y* log y + (1 − y*) log(1 − y)]", "g_y = −[y*/y + (1 − y*)/(y − 1)]"),
    "quadratic": ("J = ½ Σ_k (y_k − y*_k)²", "g_y_k = y_k − y*_k"),
    "ce": ("J = −Σ_k y*_k log y_k", "g_y_k = −y*_k / y_k"),
}
HEAD_FORMULAS = {
    "sigmoid": ("y = 1 / (1 + exp(−b))", "g_b = g_y ∂y/∂b,  ∂y/∂b = y(1 − y)"),
    "softmax": ("y_k = exp(b_k) / Σ_l exp(b_l)", "g_b_l = Σ_k g_y_k y_k (δ_kl − y_l)"),
    "identity": ("y = b", "g_b = g_y"),
}
FUSED = {("sigmoid", "bce"): "g_b = y − y*", ("softmax", "ce"): "g_b_l = y_l − y*_l"}  # computed from b directly
ACT_FORMULAS = {  # z = f(a) and ∂z/∂a, in the names of the layer
    "sigmoid": ("1 / (1 + exp(−{a}))", "{z}(1 − {z})"),
    "tanh": ("tanh({a})", "1 − {z}²"),
    "relu": ("max(0, {a})", "[{a} > 0]"),
    "identity": ("{a}", "1"),
}


def _sub(*idx: int | str) -> str:
    """Subscript text: α_21 for single digits, α_10,1 once an index has two."""
    parts = [str(i) for i in idx]
    return "_" + ("," if any(len(p) > 1 for p in parts) else "").join(parts)


class _Names:
    """The symbols of one architecture: the lecture's for one hidden layer, layer superscripts for more."""

    def __init__(self, sizes: list[int]):
        self.L = len(sizes) - 1  # Dense layers; node layers are 0 … L
        self.hidden = self.L - 1
        self.multi = sizes[-1] > 1

    def _sup(self, l: int) -> str:
        return "" if self.hidden == 1 else f"^({l})"

    def pre(self, l: int, j: int | str) -> str:
        """Pre-activation of unit j of node layer l (1 … L)."""
        if l == self.L:
            return f"b{_sub(j)}" if self.multi else "b"
        return f"a{self._sup(l)}{_sub(j)}"

    def post(self, l: int, j: int | str) -> str:
        """Activation of unit j of node layer l (0 … L): x_i, z_j, y."""
        if l == 0:
            return f"x{_sub(j)}"
        if l == self.L:
            return f"y{_sub(j)}" if self.multi else "y"
        return f"z{self._sup(l)}{_sub(j)}"

    def weight(self, l: int, i: int | str, j: int | str) -> str:
        """The weight of Dense layer l from unit i (below) to unit j (above): α_ji, β_j or β_kj."""
        if l == self.L:
            return f"β{_sub(j, i)}" if self.multi else f"β{_sub(i)}"
        return f"α{self._sup(l)}{_sub(j, i)}"

    def weights(self, l: int, n_in: int, jj: list[str]) -> list[str]:
        """Every weight of Dense layer l, unit j above (jj[j]) then unit i below: `weight(l, i + 1, jj[j])`."""
        ii = [str(i + 1) for i in range(n_in)]
        if l == self.L and not self.multi:
            return [f"β_{i}" for _ in jj for i in ii]
        head = "β" if l == self.L else f"α{self._sup(l)}"
        return [f"{head}_{j}{',' if len(j) > 1 or len(i) > 1 else ''}{i}" for j in jj for i in ii]

    def bias(self, l: int, j: int | str) -> str:
        """The bias of unit j of node layer l: b^(ℓ)_j, β_0 or β_k0."""
        if l == self.L:
            return f"β{_sub(j, 0)}" if self.multi else "β_0"
        return f"b^({l}){_sub(j)}"


@functools.lru_cache(maxsize=32)
def _weight_rows(sizes: tuple[int, ...], l: int, start: int) -> tuple[list[str], list[int]]:
    """The gradient symbols (g_α…) and parameter indices of Dense layer l's weights, unit j above then unit i
    below: the same for every table of an architecture, so kept (the biggest has 30,000; read, never changed)."""
    n_in, n_out = sizes[l - 1], sizes[l]
    K, top = sizes[-1], l == len(sizes) - 1
    jj = [str(k + 1) if K > 1 else "" for k in range(K)] if top else [str(j + 1) for j in range(n_out)]
    symbols = ["g_" + s for s in _Names(list(sizes)).weights(l, n_in, jj)]
    return symbols, [start + i * n_out + j for j in range(n_out) for i in range(n_in)]


def _num(v: Any) -> float | None:
    """A JSON number: NaN and infinities become null."""
    f = float(v)
    return f if math.isfinite(f) else None


def _nums(a: np.ndarray) -> list[float | None]:
    """JSON numbers of a float array (NaN and infinities null), quickly when all are finite."""
    values = a.tolist()
    return values if np.isfinite(a).all() else [_num(v) for v in values]


def backprop_table(problem: NetworkProblem, theta: np.ndarray, example: int, fd: bool = True) -> dict[str, Any]:
    """Forward and backward pass of training example `example` at θ (d,), as the lecture's table (JSON types).

    The biggest table is some 100,000 new dicts and lists, none of them garbage: the cyclic collector is paused
    while they are built (its passes over them took about a fifth of the table's time), and resumed after."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _table(problem, theta, example, fd)
    finally:
        if paused:  # only the caller that paused it resumes it
            gc.enable()


def _table(problem: NetworkProblem, theta: np.ndarray, example: int, fd: bool) -> dict[str, Any]:
    theta = np.asarray(theta, dtype=np.float64)
    if theta.shape != (problem.dim,) or not np.all(np.isfinite(theta)):
        raise SettingsError("theta", f"must be {problem.dim} finite numbers")
    bp = problem.backprop(theta, [example])
    mlp = problem.mlp
    sizes = mlp.sizes
    L = len(sizes) - 1
    names = _Names(sizes)
    starts = [s.start for s in mlp.slices]
    with np.errstate(all="ignore"):
        fd_theta, fd_x = fd_gradients(problem, theta, example) if fd else (None, None)
    # Python floats up front: tens of thousands of rows are built from lists, not numpy scalars.
    g_theta = mlp.pack(bp.grads)
    cols = [_nums(g_theta), _nums(theta)]
    errs = None if fd_theta is None else rel_error(g_theta, fd_theta)
    if fd_theta is not None and errs is not None:
        cols += [_nums(fd_theta), _nums(errs)]
    x_errs = None if fd_x is None else rel_error(bp.grad_x[0], fd_x).tolist()

    def param_rows(quantity: str, symbols: list[str], ps: list[int], ids: list[dict[str, Any]]
                   ) -> list[dict[str, Any]]:
        pn, q = problem.param_names, quantity
        if len(cols) == 2:
            G, V = cols
            return [{"quantity": q, "symbol": s, "value": G[p], "id": i, "param": p, "param_name": pn[p],
                     "weight": V[p]} for s, p, i in zip(symbols, ps, ids, strict=True)]
        G, V, F, E = cols
        return [{"quantity": q, "symbol": s, "value": G[p], "id": i, "param": p, "param_name": pn[p],
                 "weight": V[p], "fd": F[p], "rel_error": E[p]} for s, p, i in zip(symbols, ps, ids, strict=True)]

    def node(l: int, j: int) -> dict[str, Any]:
        return {"kind": "node", "layer": l, "unit": j}

    def row(quantity: str, symbol: str, value: Any, id_: dict[str, Any]) -> dict[str, Any]:
        return {"quantity": quantity, "symbol": symbol, "value": _num(value), "id": id_}

    K = sizes[-1]
    y, t = bp.post[-1][0], bp.t[0]
    kk = [str(k + 1) if K > 1 else "" for k in range(K)]  # output subscripts (none for one output)
    sub = [_sub(k) if k else "" for k in kk]
    stages: list[dict[str, Any]] = []
    fwd, bwd = LOSS_FORMULAS[problem.loss_fn.name]
    if K == 1:  # one output: no sum, no index
        fwd, bwd = (f.replace("Σ_k ", "").replace("_k", "") for f in (fwd, bwd))
    stages.append({
        "stage": "loss", "title": "Loss", "layer": L,
        "forward": {"formula": fwd, "rows": [row("loss", "J", bp.loss, {"kind": "loss"})]
                    + [row("target", f"y*{sub[k]}", t[k], node(L, k)) for k in range(K)]},
        "backward": {"formula": bwd, "rows": [row("grad_output", f"g_y{sub[k]}", bp.grad_y[0, k], node(L, k))
                                              for k in range(K)]},
    })
    fwd, bwd = HEAD_FORMULAS[problem.head.name]
    fused = FUSED.get((problem.head.name, problem.loss_fn.name))
    if fused:
        bwd += f";  with this loss {fused}"
    stages.append({
        "stage": "head", "title": problem.head.title, "layer": L,
        "forward": {"formula": fwd, "rows": [row("output", names.post(L, kk[k]), y[k], node(L, k)) for k in range(K)]},
        "backward": {"formula": bwd, "rows": [row("grad_output_pre", f"g_{names.pre(L, kk[k])}", bp.grad_pre[-1][0, k],
                                                  node(L, k)) for k in range(K)]},
    })
    for l in range(L, 0, -1):  # Dense layer l, then the activation of the node layer below it
        n_in, n_out = sizes[l - 1], sizes[l]
        top = l == L
        jj = kk if top else [str(j + 1) for j in range(n_out)]
        i_ = "j" if top and L > 1 else "i"  # the lecture sums b = Σ_j β_j z_j and a_j = Σ_i α_ji x_i
        j_ = ("k" if K > 1 else "") if top else "j"
        a_, w_, b_, z_ = names.pre(l, j_), names.weight(l, i_, j_), names.bias(l, j_), names.post(l - 1, i_)
        over = f"Σ_{j_} " if j_ else ""
        fwd = f"{a_} = Σ_{i_} {w_} {z_} + {b_}"
        bwd = f"g_{w_} = g_{a_} {z_},  g_{b_} = g_{a_},  g_{z_} = {over}g_{a_} {w_}"
        s0 = starts[l - 1]
        w_symbols, w_params = _weight_rows(tuple(sizes), l, s0)
        back = param_rows("grad_weight", w_symbols, w_params,
                          [{"kind": "edge", "layer": l, "from": i, "to": j} for j in range(n_out) for i in range(n_in)])
        back += param_rows("grad_bias", ["g_" + names.bias(l, jj[j]) for j in range(n_out)],
                           [s0 + n_in * n_out + j for j in range(n_out)],
                           [{"kind": "bias", "layer": l, "unit": j} for j in range(n_out)])
        if l > 1:
            back += [row("grad_post", f"g_{names.post(l - 1, i + 1)}", bp.grad_post[l - 2][0, i], node(l - 1, i))
                     for i in range(n_in)]
        else:
            for i in range(n_in):
                r = row("grad_input", f"g_{names.post(0, i + 1)}", bp.grad_x[0, i], node(0, i))
                if fd_x is not None and x_errs is not None:
                    r.update(fd=_num(fd_x[i]), rel_error=_num(x_errs[i]))
                back.append(r)
        stages.append({
            "stage": "linear", "title": "Linear", "layer": l,
            "forward": {"formula": fwd, "rows": [row("output_pre" if top else "pre", names.pre(l, jj[j]),
                                                     bp.pre[l - 1][0, j], node(l, j)) for j in range(n_out)]},
            "backward": {"formula": bwd, "rows": back},
        })
        if l > 1:  # the hidden activation of node layer l − 1
            act = mlp.activations[l - 2]
            z, a = names.post(l - 1, "j"), names.pre(l - 1, "j")
            f, df = ACT_FORMULAS.get(act, (ACTIVATIONS[act].formula, "f′({a})"))
            stages.append({
                "stage": "activation", "title": ACTIVATIONS[act].title, "layer": l - 1,
                "forward": {"formula": f"{z} = " + f.format(a=a),
                            "rows": [row("post", names.post(l - 1, i + 1), bp.post[l - 2][0, i], node(l - 1, i))
                                     for i in range(n_in)]},
                "backward": {"formula": f"g_{a} = g_{z} ∂{z}/∂{a},  ∂{z}/∂{a} = " + df.format(a=a, z=z),
                             "rows": [row("grad_pre", f"g_{names.pre(l - 1, i + 1)}", bp.grad_pre[l - 2][0, i],
                                          node(l - 1, i)) for i in range(n_in)]},
            })
    stages.append({
        "stage": "input", "title": "Input", "layer": 0,
        "forward": {"formula": "x_i", "rows": [row("input", names.post(0, i + 1), bp.x[0, i], node(0, i))
                                               for i in range(sizes[0])]},
        "backward": {"formula": "", "rows": []},
    })
    return {
        "example": int(example),
        "n_train": problem.n_train,
        "layers": list(sizes),
        "activation": list(mlp.activations),
        "head": problem.head.name,
        "loss": problem.loss_fn.name,
        "lecture": L == 2 and K == 1,
        "x": bp.x[0].tolist(),
        "target": t.tolist(),
        "y": [_num(v) for v in y],
        "J": _num(bp.loss),
        "stages": stages,
        "fd": None if errs is None or x_errs is None else {
            "h": FD_STEP, "checked": len(errs) + len(x_errs), "max_rel_error": _num(max(errs.tolist() + x_errs))},
        "note": NOTE,
    }
