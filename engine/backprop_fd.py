"""Finite differences of one training example's loss, for the backpropagation inspector (engine/backprop.py).

J(θ ± h·e_k) for every parameter k. A weight of layer ℓ enters the network only through one pre-activation of
layer ℓ (as α_ji x_i, a bias as b_j), so J(θ ± h·e_k) is the loss with that pre-activation moved by ±h·x_i (±h)
and the layers above recomputed: the 2d perturbed forward passes run as one batch per layer, O(d · width) memory.
Below the output, moving one pre-activation moves one activation, so the layer above each batch is a rank-one
change of the unperturbed one (no product), and hidden activations are compiled where engine/kernels_grid.py has
them: the largest network's 60,000 passes stay quick.

The products run on one BLAS thread (threadpoolctl, while any finite differences are computed): they are many
small ones, and BLAS's threads on a machine that others load wait on each other (two threads took 330-1,160 ms
where one takes 215 ms). The limit is process-wide while it holds, counted so that overlapping callers restore
the original only when the last one leaves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from engine import kernels_grid
from engine.losses import objective_value
from engine.network import NetworkProblem

FD_STEP = 1e-5  # central-difference step h: truncation h² and rounding ε/h balance near here for losses ~1
SPLIT_WORK = 2_000_000  # block cost (weights × weights above) past which the blocks are shared over two threads
REL_FLOOR = 1e-6  # relative errors divide by max(|g|, |fd|, this): below it central differences are noise


_BLAS_LOCK = threading.Lock()
_blas: dict[str, Any] = {"controller": None, "limiter": None, "users": 0}


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS limited to one thread inside the block (process-wide; nested and concurrent blocks share the limit)."""
    with _BLAS_LOCK:
        if _blas["users"] == 0:
            if _blas["controller"] is None:  # scans the loaded libraries once (a few ms)
                _blas["controller"] = ThreadpoolController()
            _blas["limiter"] = _blas["controller"].limit(limits=1, user_api="blas")
        _blas["users"] += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _blas["users"] -= 1
            if _blas["users"] == 0:
                _blas["limiter"].restore_original_limits()
                _blas["limiter"] = None


def rel_error(g: np.ndarray, fd: np.ndarray) -> np.ndarray:
    """|g − fd| / max(|g|, |fd|, REL_FLOOR), elementwise."""
    return np.abs(g - fd) / np.maximum(np.maximum(np.abs(g), np.abs(fd)), REL_FLOOR)


def _act(problem: NetworkProblem, k: int, z: np.ndarray) -> np.ndarray:
    """The activation of hidden layer k on z: compiled where engine/kernels_grid.py has it (z may be overwritten)."""
    act = problem.mlp.acts[k].fn
    fast = kernels_grid.activate(z, act.name)
    return act.f(z) if fast is None else fast


def _losses_from(problem: NetworkProblem, params: list[tuple[np.ndarray, np.ndarray]], l: int, pre: np.ndarray,
                 t: np.ndarray) -> np.ndarray:
    """The example's loss for each row of pre-activations (m, units) of Dense layer l (0-based), layers above run."""
    z = pre
    for k in range(l, len(params)):
        if k > l:
            W, b = params[k]
            z = z @ W
            z += b  # in place: a new (rows, units) array for the sum costs more than the product
        if k < len(problem.mlp.acts):
            z = _act(problem, k, z)
    return objective_value(problem.loss_fn, problem.head, z[:, None, :], t[None])


def fd_gradients(problem: NetworkProblem, theta: np.ndarray, example: int, h: float = FD_STEP
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Central differences of the example's loss: with respect to θ (d,) and to the inputs x (inputs,).

    Parameter (i, j) of Dense layer k moves one pre-activation, pre_j, by ±h·[x; 1]_i. Below the output that moves
    one unit's activation z_j by c = f(pre_j ± h·[x; 1]_i) − z_j, so the next layer's pre-activations are theirs
    plus c times row j of its weights: the perturbed passes start there, one batch per layer. The layers' batches
    are independent: on a big network they are shared out over two threads (the costliest first, each thread
    taking the next when it is free), each computed alone and the same way, so the split changes no number."""
    mlp = problem.mlp
    params = mlp.unpack(np.asarray(theta, dtype=np.float64))
    x, t = problem.X[example], problem.T[example]
    posts = [x]  # the input of each Dense layer, and below its pre-activation
    pres = []
    L = len(params)
    with one_blas_thread():
        for k, (W, b) in enumerate(params):
            pres.append(posts[-1] @ W + b)
            if k < L - 1:
                posts.append(_act(problem, k, pres[-1].copy()))
        g = np.empty(mlp.dim)

        def block(k: int) -> None:  # the 2P perturbed passes of Dense layer k's parameters, into g
            W = params[k][0]
            n_in, n_out = W.shape
            P = (n_in + 1) * n_out
            unit = np.tile(np.arange(n_out), 2 * (n_in + 1))  # row r moves unit r mod n_out: +h then −h, P each
            delta = h * np.repeat(np.append(posts[k], 1.0), n_out)  # [x; 1]_i h for parameter (i, j) of the block
            moved = pres[k][unit] + np.concatenate([delta, -delta])
            if k == L - 1:  # the output layer: its pre-activations are the logits
                Z = np.repeat(pres[k][None], 2 * P, axis=0)
                Z[np.arange(2 * P), unit] = moved
                J = objective_value(problem.loss_fn, problem.head, Z[:, None, :], t[None])
            else:
                c = _act(problem, k, moved) - posts[k + 1][unit]
                W_next, _ = params[k + 1]
                moved_next = W_next[unit]  # pres[k + 1] + c W_next[unit], in place
                moved_next *= c[:, None]
                moved_next += pres[k + 1]
                J = _losses_from(problem, params, k + 1, moved_next, t)
            g[mlp.slices[k]] = (J[:P] - J[P:]) / (2 * h)

        # cost of a block: its rows times the widths of the products above it
        cost = [params[k][0].size * sum(W.size for W, _ in params[k + 1:]) for k in range(L)]
        _shared(block, sorted(range(L), key=lambda k: -cost[k]), sum(cost))
        M = x.shape[0]
        E = h * np.eye(M)
        Xp = np.concatenate([x + E, x - E])  # (2M, inputs)
        J = _losses_from(problem, params, 0, Xp @ params[0][0] + params[0][1], t)
    return g, (J[:M] - J[M:]) / (2 * h)


def _shared(fn: Callable[[int], None], jobs: list[int], work: int) -> None:
    """fn(job) for every job, in order: here, and in engine/kernels_grid.py's pool once the work is worth it."""
    if work < SPLIT_WORK or kernels_grid.THREADS < 2:
        for j in jobs:
            fn(j)
        return
    queue = iter(jobs)
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                j = next(queue, None)
            if j is None:
                return
            fn(j)

    other = kernels_grid.pool().submit(worker)
    worker()
    if not other.cancel():  # not started (the pool busy): nothing is left for it
        other.result()
