"""Stepping a one-racer network run with the compiled kernel (engine/kernels.py), bookkeeping once per slice.

`stepper(run)` is the run's fast `step(n)` when the kernel covers it (one racer on a NetworkProblem, an optimiser
in kernels.OPT_CODES, a head and loss in kernels.HEAD_LOSS_CODES, buffers of reasonable size), else None and the
NumPy reference steps it. Which path a run takes depends only on its configuration (and on Numba being installed,
and DESCENT_KERNELS=0 not set: kernels.ENABLED), never on timing, so a run stays reproducible bit for bit from
(configuration, seed). Big data on mini-batches (the reference computes the next batch's gradient ahead) and races
stay with the reference (a race's mixed optimisers are fused in engine/groups.py instead). The kernel stops
before any update that a stopping or divergence test would catch; that one update is taken by the reference
`_step_once`, which words the message. Every update still lands in the history (and so reaches the
websocket), and a change of settings between two calls applies to the very next update.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine import kernels
from engine.history import TRAJECTORY_SNAPSHOTS
from engine.network import NetworkProblem
from engine.schedules import scheduled_lr

CHUNK = 4096  # updates per kernel call at most
SNAP_ROWS = 64  # trajectory snapshots one call may take (the call is shortened to fit)
MAX_BUFFER = 4_000_000  # floats of activations the kernel may hold ((layers + 1) × examples × widest layer)
MAX_DIM = 6_000  # parameters: past this, BLAS products of the reference are faster than the kernel's loops


class FastPath:
    """One network problem's kernel inputs and scratch buffers (built once per run)."""

    def __init__(self, problem: NetworkProblem):
        mlp = problem.mlp
        self.sizes = np.array(mlp.sizes, dtype=np.int64)
        self.offs = np.array([s.start for s in mlp.slices], dtype=np.int64)
        self.acts = np.array([kernels.ACT_CODES[a] for a in mlp.activations] or [0], dtype=np.int64)
        self.code = kernels.HEAD_LOSS_CODES[(problem.head.name, problem.loss_fn.name)]
        self.Xc = np.ascontiguousarray(problem.X.T, dtype=np.float64)  # (inputs, n): examples as columns
        self.Tc = np.ascontiguousarray(problem.T.T, dtype=np.float64)  # (outputs, n)
        n, w, d = self.Xc.shape[1], int(self.sizes.max()), problem.dim
        # activations A, ∂J/∂pre D and D2 (one spare row: per-example losses), ∇J of a batch, θ, ∇J and state next
        self.bufs = (np.zeros((len(mlp.sizes), w, n)), np.zeros((w + 1, n)), np.zeros((w + 1, n)), np.zeros(d),
                     np.zeros(d), np.zeros(d), np.zeros((3, d)))
        self.no_perm = np.zeros(1, dtype=np.int64)

    @staticmethod
    def fits(problem: Any) -> bool:
        """Whether the kernel covers this problem at all."""
        if not isinstance(problem, NetworkProblem) or problem.dim > MAX_DIM:
            return False
        if (problem.head.name, problem.loss_fn.name) not in kernels.HEAD_LOSS_CODES:
            return False
        mlp = problem.mlp
        return (all(a in kernels.ACT_CODES for a in mlp.activations)
                and len(mlp.sizes) * (problem.n_train or 0) * max(mlp.sizes) <= MAX_BUFFER)


def stepper(run: Any) -> Callable[[int], int] | None:
    """run.step(n) through the kernel, or None when the reference must take it."""
    if not kernels.ENABLED or len(run.racers) != 1:
        return None
    spec = run.racers[0].spec
    if spec["name"] not in kernels.OPT_CODES:
        return None
    b = spec.get("batch_size")
    if b is not None and b < (run.problem.n_train or 0) and not run.problem.cheap_full_eval:
        return None  # big data on mini-batches: the reference records the next batch's ∇J, computed ahead
    fp = run.__dict__.get("_fastpath")
    if fp is None:
        if not FastPath.fits(run.problem) or kernels.kernel() is None:
            run.__dict__["_fastpath"] = False
            return None
        fp = run.__dict__["_fastpath"] = FastPath(run.problem)
    if fp is False:
        return None
    return lambda n: _step(run, fp, n)


def _step(run: Any, fp: FastPath, n: int) -> int:
    """Up to n updates of the run's one racer; returns the updates taken."""
    kern: Any = kernels.kernel()
    r = run.racers[0]
    grp = run._groups[0]
    spec = r.spec
    problem = run.problem
    name, d, n_train = spec["name"], problem.dim, problem.n_train
    rows = kernels.STATE_ROWS[name]
    b = spec.get("batch_size")
    batch = 0 if b is None or b >= n_train else int(b)
    full_eval = True  # (the one case without a full evaluation, big data on mini-batches, is the reference's)
    P = kernels.settings_row(spec)
    opt = kernels.OPT_CODES[name]
    eps, delta, max_steps = run.stop["grad_norm"], run.stop["delta_loss"], run.stop["max_steps"]
    sched = spec["schedule"]
    keep = r.history.keep_params
    taken = 0
    while taken < n and r.active:
        m = min(n - taken, CHUNK if keep else min(CHUNK, run._stride * SNAP_ROWS))
        if max_steps is not None:
            m = min(m, max_steps - r.t - 1)  # the update reaching max_steps is the reference's to word
        if m <= 0:
            taken += run._step_once()
            continue
        if batch and (r.perm is None or r.pos >= n_train):
            r.perm, r.pos = r.rng.permutation(n_train), 0
        if sched["name"] == "constant":
            lrs = np.full(m, float(spec["lr"]))
        else:
            lrs = np.array([scheduled_lr(spec["lr"], r.t + k, sched) for k in range(m)])
        state = np.zeros((3, d))
        for i, key in enumerate(rows):
            state[i] = grp.state[key][0]
        step0 = float(grp.state["step"][0, 0]) if "step" in grp.state else 0.0
        tests = np.array([run.loss[0], step0, r.pos, -1.0 if eps is None else eps, -1.0 if delta is None else delta,
                          run._blowup[0]])
        theta, grad = run.theta[0].copy(), run.grad[0].copy()
        stride = 1 if keep else run._stride
        out = np.empty((3, m))
        snaps = np.empty((m // stride + 1, d))
        perm = r.perm if batch else fp.no_perm
        pos0 = r.pos
        k, why, nsnap = kern(theta, grad, state, P, opt, lrs, m, fp.sizes, fp.offs, fp.acts, fp.code, fp.Xc, fp.Tc,
                             perm, batch, full_eval, tests, r.t, stride, out, snaps, fp.bufs)
        if k:
            t0 = r.t
            run.clock += k
            r.t += k
            if r.status == "ready":
                r.status = "paused"
            # Examples used: whole batches until the epoch's last, shorter one (the kernel stops at an epoch's end).
            used = np.arange(1, k + 1)
            used = np.minimum(pos0 + batch * used, n_train) - pos0 if batch else n_train * used
            r.history.extend(t0, out[0, :k], out[1, :k], lrs[:k], snaps[:k] if keep else None, r.examples + used)
            r.examples += int(used[-1])
            run.prev_loss = np.array([out[0, k - 2]]) if k > 1 else run.loss
            run.theta, run.grad, run.loss = theta[None], grad[None], np.array([out[0, k - 1]])
            r.pos = int(tests[2])
            new_state = {key: state[i][None].copy() for i, key in enumerate(rows)}
            if "step" in grp.state:
                new_state["step"] = np.array([[tests[1]]])
            grp.state = new_state
            if sched["name"] != "constant":
                r.lr_used = float(lrs[k - 1])
            for j in range(nsnap):
                t = int(out[2, j])
                if t % run._stride == 0:
                    run.trajectory.append((t, snaps[j][None].copy()))
                    if len(run.trajectory) > TRAJECTORY_SNAPSHOTS:
                        run.trajectory = run.trajectory[::2]
                        run._stride *= 2
        taken += k
        if why == 2:
            taken += run._step_once()
    return taken
