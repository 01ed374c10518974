"""Compiled (Numba) losses of a network at many parameter vectors: the loss-landscape views' inner loop.

`losses(problem, thetas)` is J over the training set at each row of thetas (m, d), the same numbers as
`NetworkProblem.loss` (the NumPy reference, batched matrix products) to about 1e-15: each row goes through the
compiled forward pass and objective of engine/kernels_nn.py (a tanh a few ulp from libm's, and vectorised, where
NumPy's float64 tanh is not: on a [2, 8, 8, 1] slice of 2,601 points × 500 examples the 21 million tanh are most
of the reference's time). It returns None when the kernel does not cover the problem (no Numba, DESCENT_KERNELS=0,
an activation, head or loss it lacks, or a network past MAX_DIM parameters, where BLAS products win); callers then
take the reference. The kernel holds no shared buffers (it allocates its own per call) and releases the GIL, so
views computed in worker threads run beside the run's own steps, and a big grid is shared out over two cores.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from engine import kernels
from engine import kernels_nn as nn
from engine.network import NetworkProblem

FASTMATH = {"contract"}
# Rows are shared out over this many threads when each gets at least SPLIT_WORK row-examples: every row is
# computed alone, the same way, so the result does not depend on the split.
THREADS = max(1, min(2, os.cpu_count() or 1))
SPLIT_WORK = 200_000
MAX_DIM = 6_000  # parameters: past this the reference's BLAS products are faster than the kernel's loops


def _layer(theta, n_in, n_out, off, code, src, dst, n):  # type: ignore[no-untyped-def]
    """dst[:n_out, :n] = f(Wᵀ src + b) for the block [W; b] of theta at off (code: kernels.ACT_CODES; 0 keeps the
    logits), as kernels_nn.forward computes a layer."""
    bo = off + n_in * n_out
    for j in range(n_out):
        out = dst[j]
        w = theta[off + j]
        x = src[0]
        for e in range(n):
            out[e] = w * x[e]
        for i in range(1, n_in):
            w = theta[off + i * n_out + j]
            x = src[i]
            for e in range(n):
                out[e] += w * x[e]
        b = theta[bo + j]
        if code == 1:
            for e in range(n):
                out[e] = nn._tanh(out[e] + b)
        elif code == 2:
            for e in range(n):
                out[e] = nn._tanh((out[e] + b) * 0.5) * 0.5 + 0.5
        elif code == 3:
            for e in range(n):
                z = out[e] + b
                out[e] = z if z > 0.0 or z != z else 0.0
        else:
            for e in range(n):
                out[e] += b
    return None


def _losses(thetas, sizes, offs, acts, code, Xc, Tc, out, A, G):  # type: ignore[no-untyped-def]
    """out[k] = J at thetas[k] over every example (columns of Xc): the layers, then kernels_nn.objective."""
    n = Xc.shape[1]
    L = sizes.shape[0] - 1
    K = sizes[L]
    for k in range(thetas.shape[0]):
        theta = thetas[k]
        src = Xc
        for l in range(L):
            _layer(theta, sizes[l], sizes[l + 1], offs[l], acts[l] if l < L - 1 else 0, src, A[l + 1], n)
            src = A[l + 1]
        out[k] = nn.objective(A[L], Tc, None, n, K, code, G)
    return None


def _activate(z, code):  # type: ignore[no-untyped-def]
    """z = f(z) in place over a flat array (code: kernels.ACT_CODES), as kernels_nn computes an activation."""
    if code == 1:
        for e in range(z.shape[0]):
            z[e] = nn._tanh(z[e])
    elif code == 2:
        for e in range(z.shape[0]):
            z[e] = nn._tanh(z[e] * 0.5) * 0.5 + 0.5
    elif code == 3:
        for e in range(z.shape[0]):
            v = z[e]
            z[e] = v if v > 0.0 or v != v else 0.0
    return None


_lock = threading.Lock()
_compiled: dict[str, Any] = {}


def _kernel() -> Any:
    if not kernels.ENABLED or kernels.kernel() is None:  # kernel(): jits kernels_nn and sets the cache directory
        return None
    if "losses" in _compiled:
        return _compiled["losses"]
    with _lock:
        if "losses" not in _compiled:
            import numba

            jit = numba.njit(cache=True, error_model="numpy", nogil=True, fastmath=FASTMATH)
            g = globals()
            g["_layer"] = jit(_layer)
            _compiled["losses"] = jit(_losses)
            _compiled["activate"] = jit(_activate)
        return _compiled["losses"]


def covers(problem: Any) -> bool:
    """Whether the compiled losses cover this problem (with Numba present and kernels enabled)."""
    if not isinstance(problem, NetworkProblem) or problem.dim > MAX_DIM:
        return False
    if (problem.head.name, problem.loss_fn.name) not in kernels.HEAD_LOSS_CODES:
        return False
    mlp = problem.mlp
    return all(a in kernels.ACT_CODES for a in mlp.activations)


def losses(problem: Any, thetas: np.ndarray) -> np.ndarray | None:
    """J at each row of thetas (m, d) over the training set, compiled; None where the reference must do it."""
    if not covers(problem):
        return None
    kern = _kernel()
    if kern is None:
        return None
    mlp = problem.mlp
    sizes = np.array(mlp.sizes, dtype=np.int64)
    offs = np.array([s.start for s in mlp.slices], dtype=np.int64)
    acts = np.array([kernels.ACT_CODES[a] for a in mlp.activations] or [0], dtype=np.int64)
    code = kernels.HEAD_LOSS_CODES[(problem.head.name, problem.loss_fn.name)]
    Xc = np.ascontiguousarray(problem.X.T, dtype=np.float64)  # (inputs, n)
    Tc = np.ascontiguousarray(problem.T.T, dtype=np.float64)  # (outputs, n)
    n, w = Xc.shape[1], int(sizes.max())
    thetas = np.ascontiguousarray(thetas, dtype=np.float64)
    m = thetas.shape[0]
    out = np.empty(m)

    def part(lo: int, hi: int) -> None:  # rows lo..hi, on buffers of its own
        kern(thetas[lo:hi], sizes, offs, acts, code, Xc, Tc, out[lo:hi], np.zeros((len(sizes), w, n)),
             np.zeros((w + 1, n)))

    cuts = np.linspace(0, m, min(THREADS, max(1, m * n // SPLIT_WORK)) + 1).astype(int).tolist()
    if len(cuts) == 2:
        part(0, m)
        return out
    futures = [pool().submit(part, lo, hi) for lo, hi in zip(cuts[1:-1], cuts[2:], strict=True)]
    part(cuts[0], cuts[1])  # the first share here, the others in the pool (the kernel releases the GIL)
    for f in futures:
        f.result()
    return out


def pool() -> ThreadPoolExecutor:
    with _lock:
        if "pool" not in _compiled:
            _compiled["pool"] = ThreadPoolExecutor(THREADS - 1, thread_name_prefix="descent-grid")
        return _compiled["pool"]


def activate(z: np.ndarray, name: str) -> np.ndarray | None:
    """f(z) of activation `name`, compiled (z is overwritten when it is a C-contiguous float64 array); None where
    the reference must compute it (NumPy's float64 tanh takes ~15 ns an element, this one a few)."""
    code = kernels.ACT_CODES.get(name)
    kern = _kernel() if code is not None else None
    if kern is None:
        return None
    z = np.ascontiguousarray(z, dtype=np.float64)
    _compiled["activate"](z.reshape(-1), code)
    return z


def warm() -> bool:
    """Compile (or load from the cache) the losses kernel on a tiny network; False when it is not available."""
    from engine.build import build_run  # here: engine.build imports the run, which imports the kernels

    run = build_run({"problem": {"kind": "network", "layers": [2, 3, 1], "data": {"name": "xor", "n": 40}}})
    return losses(run.problem, run.theta) is not None and activate(np.zeros(2), "tanh") is not None
