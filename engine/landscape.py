"""The landscape of a 2-parameter problem: J on a grid, −∇J arrows and gradient-flow paths.

Everything is vectorised over grid points; problems that know a faster grid (linear regression,
from its sufficient statistics) provide `loss_grid` / `grad_grid`.
"""

from __future__ import annotations

import numpy as np

from engine.problems import Problem

Box = tuple[np.ndarray, np.ndarray]  # (low (2,), high (2,))


def default_box(problem: Problem, points: np.ndarray | None = None, margin: float = 0.25) -> Box:
    """A view box holding the problem's own box (if any), its minima and `points` (start, path), with a margin."""
    own = problem.default_box()
    pts = [m for m in problem.minima()]
    if points is not None:
        pts.extend(np.asarray(points, dtype=np.float64).reshape(-1, problem.dim))
    if own is not None:
        low, high = own[0].astype(float).copy(), own[1].astype(float).copy()
        if pts:
            P = np.asarray(pts)
            P = P[np.isfinite(P).all(axis=1)]
            if len(P):
                low, high = np.minimum(low, P.min(0)), np.maximum(high, P.max(0))
        return low, high
    P = np.asarray(pts) if pts else np.zeros((1, problem.dim))
    P = P[np.isfinite(P).all(axis=1)]
    known = [m for m in problem.minima() if np.isfinite(m).all()]
    if len(known) == 1:
        # Centred on the one minimum θ*: the level sets around it close into the rings of a topographical map,
        # the flow lines end inside the view, and the farthest point (the start) lies a fifth of the box in.
        centre = known[0]
        half = np.maximum(np.abs(P - centre).max(0) * (1 + 3 * margin), 0.5)
        return centre - np.maximum(half, 0.5 * half.max()), centre + np.maximum(half, 0.5 * half.max())
    low, high = P.min(0), P.max(0)
    span = np.maximum(high - low, 1.0)
    # Square-ish: give both axes at least the larger half-span, so the bowl's shape is not distorted.
    centre = (low + high) / 2
    half = np.maximum(span * (0.5 + margin), 0.5 * span.max() * (0.5 + margin))
    return centre - half, centre + half


GUESS_HALF = 4.0  # half-width of the random-guessing box around θ⁽⁰⁾ when the problem has no box of its own


def guess_box(problem: Problem, start: np.ndarray) -> Box:
    """Where random guessing draws from by default: the problem's own box (a test surface's classic domain), else
    a square around the start θ⁽⁰⁾ of half-width max(4, 2·max|θ⁽⁰⁾|). It never looks at the minimum: a box drawn
    around θ* would make guessing look far better than the lecture's Method #0 is."""
    own = problem.default_box()
    if own is not None:
        return own[0].astype(float).copy(), own[1].astype(float).copy()
    s = np.asarray(start, dtype=np.float64).reshape(-1)
    s = np.where(np.isfinite(s), s, 0.0)
    half = max(GUESS_HALF, 2.0 * float(np.abs(s).max(initial=0.0)))
    return s - half, s + half


def _axes(box: Box, n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.linspace(box[0][0], box[1][0], n), np.linspace(box[0][1], box[1][1], n)


def loss_grid(problem: Problem, box: Box, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """J on an n × n grid over box: (xs (n,), ys (n,), Z (n, n) with Z[j, i] = J(xs[i], ys[j]))."""
    xs, ys = _axes(box, n)
    T1, T2 = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        if hasattr(problem, "loss_grid"):
            Z = problem.loss_grid(T1, T2)
        else:
            Z = problem.loss(np.column_stack([T1.ravel(), T2.ravel()])).reshape(n, n)
    return xs, ys, Z


def grad_field(problem: Problem, box: Box, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """−∇J on a coarser n × n grid: (xs, ys, U, V) with (U, V)[j, i] the negative gradient at (xs[i], ys[j])."""
    xs, ys = _axes(box, n)
    T1, T2 = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        if hasattr(problem, "grad_grid"):
            G1, G2 = problem.grad_grid(T1, T2)
        else:
            _, G = problem.loss_grad(np.column_stack([T1.ravel(), T2.ravel()]))
            G1, G2 = G[:, 0].reshape(n, n), G[:, 1].reshape(n, n)
    return xs, ys, -G1, -G2


def flow_starts(box: Box, per_side: int = 4) -> np.ndarray:
    """Starting points spread along the border of the box, (4·per_side, 2)."""
    (x0, y0), (x1, y1) = box
    s = (np.arange(per_side) + 0.5) / per_side
    return np.concatenate([
        np.column_stack([x0 + s * (x1 - x0), np.full(per_side, y0)]),
        np.column_stack([np.full(per_side, x1), y0 + s * (y1 - y0)]),
        np.column_stack([x1 - s * (x1 - x0), np.full(per_side, y1)]),
        np.column_stack([np.full(per_side, x0), y1 - s * (y1 - y0)]),
    ])


def _grad(problem: Problem, P: np.ndarray) -> np.ndarray:
    if hasattr(problem, "grad_grid"):
        g1, g2 = problem.grad_grid(P[:, 0], P[:, 1])
        return np.column_stack([g1, g2])
    return problem.loss_grad(P)[1]


def gradient_flow(problem: Problem, starts: np.ndarray, box: Box, max_points: int = 400) -> list[np.ndarray]:
    """Paths of dθ/dt = −∇J from each start (RK4 in arc length, all starts at once) until they stop moving.

    The flow is followed along its direction with a step of 1/200 of the box diagonal (rescaled per axis
    so narrow boxes are followed as finely as wide ones); a path ends where ‖∇J‖ vanishes, where it
    leaves a wide margin around the box, or after `max_points` points.
    """
    scale = np.maximum(box[1] - box[0], 1e-12)  # work in box units so both axes count alike
    h = 1.0 / 200
    S = len(starts)
    out = np.empty((max_points, S, 2))  # out[k, s] = k-th point of path s
    out[0] = starts
    length = np.ones(S, dtype=np.int64)
    alive = np.arange(S)  # indices of the paths still growing
    Q = np.asarray(starts, dtype=np.float64) / scale

    def direction(Q: np.ndarray) -> np.ndarray:
        # dθ/dt = −∇J becomes du/dt = −∇J / scale in box units u = θ / scale; follow it at unit speed.
        G = -_grad(problem, Q * scale) / scale
        norm = np.sqrt((G * G).sum(axis=1, keepdims=True))
        return G / np.where(norm > 0, norm, np.inf)

    lo, hi = box[0] / scale - 0.5, box[1] / scale + 0.5
    with np.errstate(all="ignore"):
        J = problem.loss(Q * scale)  # (S,) a path ends rather than take a step that climbs
        for k in range(1, max_points):
            if not len(alive):
                break
            k1 = direction(Q)
            k2 = direction(Q + h / 2 * k1)
            k3 = direction(Q + h / 2 * k2)
            k4 = direction(Q + h * k3)
            step = h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            Q = Q + step
            J_new = problem.loss(Q * scale)
            # Stop where the flow stalls (at a minimum the four slopes cancel), where a step of fixed length
            # would overshoot the minimum and climb, or where it leaves the view.
            ok = ((step * step).sum(axis=1) > (h * 0.25) ** 2) & (J_new <= J) & np.all((Q > lo) & (Q < hi), axis=1)
            alive, Q, J = alive[ok], Q[ok], J_new[ok]
            out[k, alive] = Q * scale
            length[alive] += 1
    return [out[: length[i], i] for i in range(S)]
