"""Compiled (Numba) steps of a small network run: many updates per call, the same maths as the NumPy reference.

`train(...)` takes up to `m` updates of one racer on a NetworkProblem: each update is a mini-batch (or full-batch)
gradient, the optimiser's update (gd, adagrad, rmsprop, adam, adamw as engine/optimizers.py writes them) and J and
∇J over the training set at the new θ (what the history records), written into per-step output arrays. It stops
*before* an update whose result a stopping or divergence test would catch, or at the end of the epoch, so the
Python side (engine/fastpath.py) handles those steps exactly as the reference does. The NumPy path (engine/nn.py,
engine/optimizers.py) stays the reference; tests/engine/test_kernels.py compares the two to 1e-12.

The network's forward and backward passes are in engine/kernels_nn.py. Compiled once per machine (`cache=True`,
in __pycache__) and loaded on first use (`python -m engine.kernels` does it ahead: `make` runs it after
installing); loading takes about a second.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
from pathlib import Path

import numpy as np

from engine import kernels_nn as nn

try:
    import numba
except ImportError:  # the NumPy reference serves every run then
    numba = None  # type: ignore[assignment]

ENABLED = os.environ.get("DESCENT_KERNELS", "1") != "0"  # tests flip it to compare against the reference
ACT_CODES = {"identity": 0, "tanh": 1, "sigmoid": 2, "relu": 3}
HEAD_LOSS_CODES = {("sigmoid", "bce"): 0, ("softmax", "ce"): 1, ("identity", "quadratic"): 2,
                   ("sigmoid", "quadratic"): 3, ("softmax", "quadratic"): 4}
OPT_CODES = {"gd": 0, "adagrad": 1, "rmsprop": 2, "adam": 3, "adamw": 4}
# Settings vector P of train(): index -> setting (absent ones are 0).
P_NAMES = ("momentum", "dampening", "nesterov", "weight_decay", "beta1", "beta2", "eps", "amsgrad",
           "bias_correction", "alpha", "centered", "lr_decay", "initial_accumulator_value")
STATE_ROWS = {"gd": ("momentum_buffer",), "adagrad": ("sum",), "rmsprop": ("square_avg", "grad_avg", "momentum_buffer"),
              "adam": ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"), "adamw": ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")}


def settings_row(spec: dict[str, object]) -> np.ndarray:
    """A racer's settings as the vector P of `_update` (P_NAMES order; absent settings 0, booleans 0/1)."""
    vals = dict(spec)
    if "betas" in vals:
        vals["beta1"], vals["beta2"] = vals["betas"]  # type: ignore[misc]
    return np.array([float(vals.get(k) or 0.0) for k in P_NAMES])  # type: ignore[arg-type]


def _maxnan(a: float, b: float) -> float:
    """np.maximum of two floats: NaN if either is."""
    if a != a or b != b:
        return a + b
    return a if a > b else b


def _update(opt, theta, g, S, step, P, lr, out, outS):  # type: ignore[no-untyped-def]
    """out = θ after one update of optimiser `opt` (OPT_CODES) from gradient g; outS: its new state; returns its
    new step count. The operations and their order are those of engine/optimizers.py."""
    mu, damp, nesterov, wd = P[0], P[1], P[2], P[3]
    d = theta.shape[0]
    if opt == 0:  # gd
        if mu == 0.0 and wd == 0.0:
            for p in range(d):
                out[p] = theta[p] - lr * g[p]
                outS[0, p] = S[0, p]
            return step
        t = step + 1.0
        for p in range(d):
            gg = g[p] + wd * theta[p]
            if mu != 0.0:
                b = gg if t == 1.0 else mu * S[0, p] + (1.0 - damp) * gg
                direction = gg + mu * b if nesterov != 0.0 else b
            else:
                b, direction = 0.0, gg
            outS[0, p] = b
            out[p] = theta[p] - lr * direction
        return t if mu != 0.0 else step
    if opt == 1:  # adagrad
        t = step + 1.0
        lr_t = lr / (1.0 + (t - 1.0) * P[11])
        for p in range(d):
            gg = g[p] + wd * theta[p]
            acc = (P[12] if t == 1.0 else S[0, p]) + gg * gg
            outS[0, p] = acc
            out[p] = theta[p] - lr_t * gg / (math.sqrt(acc) + P[6])
        return t
    if opt == 2:  # rmsprop
        a = P[9]
        for p in range(d):
            gg = g[p] + wd * theta[p]
            v = a * S[0, p] + (1.0 - a) * gg * gg
            g_avg = a * S[1, p] + (1.0 - a) * gg
            vt = v - g_avg * g_avg if P[10] != 0.0 else v
            scaled = gg / (math.sqrt(_maxnan(vt, 0.0)) + P[6])
            buf = mu * S[2, p] + scaled
            outS[0, p], outS[1, p] = v, g_avg
            outS[2, p] = buf if mu > 0.0 else 0.0
            out[p] = theta[p] - lr * (buf if mu > 0.0 else scaled)
        return step
    b1, b2 = P[4], P[5]  # adam (3) and adamw (4)
    t = step + 1.0
    c1, c2 = 1.0 - b1**t, 1.0 - b2**t
    for p in range(d):
        if opt == 4:
            th = theta[p] - lr * wd * theta[p]
            gg = g[p]
        else:
            th = theta[p]
            gg = g[p] + wd * theta[p]
        m = b1 * S[0, p] + (1.0 - b1) * gg
        v = b2 * S[1, p] + (1.0 - b2) * gg * gg
        m_hat = m / c1 if P[8] != 0.0 else m
        # AMSGrad as torch.optim.Adam: the running maximum of the raw v, bias-corrected after the maximum.
        v_max = _maxnan(S[2, p], v) if P[7] != 0.0 else v
        v_hat = v_max / c2 if P[8] != 0.0 else v_max
        outS[0, p], outS[1, p], outS[2, p] = m, v, v_max
        out[p] = th - lr * (m_hat / (math.sqrt(v_hat) + P[6]))
    return t


def train(theta, grad, state, P, opt, lrs, m, sizes, offs, acts, code, Xc, Tc, perm, batch, full_eval,  # type: ignore
          tests, t0, snap_stride, out, snaps, bufs):
    """Up to m updates in place (theta (d,), grad (d,), state (3, d) and the scalars in `tests`).

    tests: [J, step count, epoch position, ε (−1: off), δ (−1: off), blow-up bound]; out (3, m): J, ‖∇J‖, and the
    snapshot times; snaps (rows, d): θ at every t divisible by snap_stride. Returns (updates made, why it stopped:
    0 done, 1 the epoch ended (a new permutation is due), 2 the next update fires a test, snapshots taken).
    """
    A, D, D2, gb, new_theta, new_grad, new_state = bufs
    n = Xc.shape[1]
    K = sizes[len(sizes) - 1]
    L = len(sizes) - 1
    eps, delta, blowup = tests[3], tests[4], tests[5]
    pos = int(tests[2])
    nsnap = 0
    for k in range(m):
        g = grad
        rows = 0
        bl = 0.0
        if batch > 0:
            if pos >= n:
                tests[2] = pos
                return k, 1, nsnap
            rows = min(batch, n - pos)
            idx = perm[pos : pos + rows]
            nn.forward(theta, sizes, offs, acts, Xc, idx, rows, A)
            bl = nn.objective(A[L], Tc, idx, rows, K, code, D)
            nn.backward(theta, sizes, offs, acts, A, rows, D, D2, gb)
            g = gb
        new_step = _update(opt, theta, g, state, tests[1], P, lrs[k], new_theta, new_state)
        if full_eval:
            nn.forward(new_theta, sizes, offs, acts, Xc, None, n, A)
            J = nn.objective(A[L], Tc, None, n, K, code, D)
            nn.backward(new_theta, sizes, offs, acts, A, n, D, D2, new_grad)
        else:
            J = bl
            new_grad[:] = grad
        gn2, s = 0.0, 0.0
        for p in range(theta.shape[0]):
            gn2 += new_grad[p] * new_grad[p]
            s += new_theta[p]
        gn = math.sqrt(gn2)
        if not (math.isfinite(J) and math.isfinite(gn) and math.isfinite(s)) or abs(J) > blowup or gn <= eps \
                or abs(J - tests[0]) <= delta:
            tests[2] = pos
            return k, 2, nsnap
        theta[:] = new_theta
        grad[:] = new_grad
        state[:] = new_state
        tests[0], tests[1] = J, new_step
        pos += rows
        out[0, k], out[1, k] = J, gn
        t = t0 + k + 1
        if t % snap_stride == 0:
            snaps[nsnap] = theta
            out[2, nsnap] = t
            nsnap += 1
    tests[2] = pos
    return m, 0, nsnap


def update_all(codes, theta, g, S, steps, P, lrs, active, out, outS, new_steps):  # type: ignore[no-untyped-def]
    """One update of every racer k with codes[k] ≥ 0 (OPT_CODES) and active[k], in one call: a race of different
    optimisers as one fused update. theta, g, out (K, d); S, outS (K, 3, d); steps, lrs, new_steps (K,); P (K, 13).
    Racers left out keep their θ, state and step count."""
    for k in range(theta.shape[0]):
        if codes[k] < 0 or not active[k]:
            out[k] = theta[k]
            outS[k] = S[k]
            new_steps[k] = steps[k]
        else:
            new_steps[k] = _update(codes[k], theta[k], g[k], S[k], steps[k], P[k], lrs[k], out[k], outS[k])
    return None


_lock = threading.Lock()
_compiled: dict[str, object] = {}


def kernel() -> object | None:
    """The compiled `train` (compiled, or loaded from the on-disk cache, on first call); None without Numba."""
    if numba is None:
        return None
    with _lock:
        if "train" not in _compiled:
            # Numba's cache checks only the file of each function, not the files of those it calls: a cache
            # directory named after both sources (and Numba's version) keeps an edit to either from loading stale code.
            src = b"".join(Path(f).read_bytes() for f in (__file__, nn.__file__)) + numba.__version__.encode()
            numba.config.CACHE_DIR = str(  # type: ignore[attr-defined]
                Path(__file__).parent / "__pycache__" / f"kernels-{hashlib.sha256(src).hexdigest()[:12]}")
            jit = numba.njit(cache=True, error_model="numpy", nogil=True)
            inline = numba.njit(cache=True, error_model="numpy", nogil=True, inline="always")
            for name in nn.INLINED:
                setattr(nn, name, inline(getattr(nn, name)))
            for name in nn.JITTED:
                setattr(nn, name, jit(getattr(nn, name)))
            g = globals()
            for name in ("_maxnan", "_update"):
                g[name] = jit(g[name])
            _compiled["train"] = jit(train)
            _compiled["update_all"] = jit(update_all)
        return _compiled["train"]


def fused_update() -> object | None:
    """The compiled `update_all`; None without Numba (or with kernels.ENABLED off)."""
    return _compiled["update_all"] if ENABLED and kernel() is not None else None


def warm() -> bool:
    """Compile (or load from the cache) every kernel by stepping two tiny runs through them; False without Numba."""
    if kernel() is None:
        return False
    from engine.build import build_run  # here, not at the top: engine.run imports this module

    net = {"kind": "network", "layers": [2, 3, 1], "data": {"name": "xor", "n": 40}}
    build_run({"problem": net, "optimizer": {"name": "gd", "batch_size": 1}}).step(3)
    build_run({"problem": {"kind": "surface", "name": "booth"},
               "racers": [{"name": "gd"}, {"name": "adam"}]}).step(2)
    from engine import kernels_grid  # the landscape views' losses (engine/kernels_grid.py)

    return kernels_grid.warm()


if __name__ == "__main__":  # `make` runs this after installing, so that no request or test pays for compiling
    from engine import kernels as _kernels  # the module the engine imports (this one runs as __main__)

    print("kernels ready" if _kernels.warm() else "Numba is not installed: the NumPy reference steps every run")
