"""A network's loss landscape: 2-D slices through the current weights and the line from the initial ones.

A slice is J(θ + α·d1 + β·d2) over an n × n grid of (α, β) ∈ [−span, span]², every grid point's parameter
vector batched through the problem's vectorised loss (chunked to bound memory). The directions:
  random  seeded Gaussian d1, d2; d2 is made orthogonal to d1 and both are scaled to ‖θ‖ (to 1 if θ = 0), so
          α = 1 moves the weights as far as their own size.
  filter  filter-normalised (Li et al., 2018, "Visualizing the Loss Landscape of Neural Nets"): seeded Gaussian
          directions in which each unit's incoming weights (the column W[:, j] of its layer, a "filter") are
          rescaled to the norm of that unit's weights in θ. Biases are zeroed (`biases="zero"`, as Li et al. do)
          or rescaled with their unit (`biases="filter"`: the column [W[:, j]; b_j] as one filter).
  pca     the top two principal directions of one racer's trajectory: the SVD of the snapshots' offsets
          θ_t − θ from the current weights (centred on the final θ as in Li et al., not on the mean), unit
          length and orthogonal. Each direction's sign is chosen so the start lies at α, β ≤ 0; without two
          independent offsets the missing directions are completed with seeded random ones.
The trajectory is projected onto every slice by least squares: (α_t, β_t) minimising ‖θ_t − θ − α d1 − β d2‖,
with that distance reported as `off_plane` and J at the real θ_t (not at its projection).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine import kernels_grid
from engine.network import NetworkProblem
from engine.problems import Problem
from engine.racers import racer_index
from engine.settings import SettingsError

MAX_N = 101  # grid points per side
DIRECTIONS = ("random", "filter", "pca")
BIASES = ("zero", "filter")
CHUNK_FLOATS = 1 << 21  # parameter vectors built per block: at most this many floats (16 MB)
PCA_MARGIN = 1.25  # the automatic span of a PCA slice: this times the trajectory's farthest coordinate


def _finite(values: list[float]) -> list[float | None]:
    return [v if math.isfinite(v) else None for v in values]


def _check_n(n: Any, field: str = "n", high: int = MAX_N) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= high:
        raise SettingsError(field, f"must be a whole number from 2 to {high}")
    return n


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def random_directions(dim: int, seed: int, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Two seeded Gaussian directions (d,), the second orthogonal to the first, both of length `scale`."""
    rng = np.random.default_rng(seed)
    D = np.asarray(rng.standard_normal((2, dim)), dtype=np.float64)
    d1, d2 = _unit(D[0]), D[1]
    d2 = _unit(d2 - (d2 @ d1) * d1) if dim > 1 else d2
    return scale * d1, scale * d2


def filter_directions(problem: NetworkProblem, theta: np.ndarray, seed: int, biases: str = "zero"
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Two seeded Gaussian directions, filter-normalised per Li et al. (2018) against θ (see the module doc)."""
    mlp = problem.mlp
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(2):
        d = rng.standard_normal(mlp.dim)
        for D, P in zip(mlp.blocks(d), mlp.blocks(theta), strict=True):  # views: (inputs + 1, outputs)
            rows = slice(None) if biases == "filter" else slice(0, -1)
            norm_d = np.linalg.norm(D[rows], axis=0)
            norm_t = np.linalg.norm(P[rows], axis=0)
            D[rows] *= norm_t / np.where(norm_d > 0, norm_d, 1.0)
            if biases == "zero":
                D[-1] = 0.0
        out.append(d)
    return out[0], out[1]


def pca_directions(theta: np.ndarray, path: np.ndarray, seed: int = 0
                   ) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """The top two principal directions of the offsets path − θ (m, d), orthonormal; and their variance shares."""
    M = np.asarray(path, dtype=np.float64) - theta
    M = M[np.isfinite(M).all(axis=1)]
    dim = theta.shape[0]
    if len(M):
        _, s, Vt = np.linalg.svd(M, full_matrices=False)
    else:
        s, Vt = np.zeros(0), np.zeros((0, dim))
    total = float(s @ s)
    keep = [k for k in range(min(2, len(s))) if s[k] > 1e-12 * max(1.0, s[0])]
    dirs = [Vt[k].copy() for k in keep]
    shares = [float(s[k] ** 2 / total) for k in keep]
    rng = np.random.default_rng(seed)
    while len(dirs) < 2:  # complete with seeded random directions, orthogonal to those found
        v = np.asarray(rng.standard_normal(dim), dtype=np.float64)
        for u in dirs:
            v -= (v @ u) * u
        dirs.append(_unit(v))
        shares.append(0.0)
    if len(M):  # orient so the trajectory's first point (the start) lies at α, β ≤ 0: stable across frames
        dirs = [-u if M[0] @ u > 0 else u for u in dirs]
    return dirs[0], dirs[1], shares


def project(points: np.ndarray, centre: np.ndarray, d1: np.ndarray, d2: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares coordinates (m, 2) of points (m, d) in the plane centre + α d1 + β d2, and each distance to it."""
    D = np.column_stack([d1, d2])  # (d, 2)
    M = np.asarray(points, dtype=np.float64) - centre
    coords = np.linalg.lstsq(D, M.T, rcond=None)[0].T  # (m, 2)
    off = np.linalg.norm(M - coords @ D.T, axis=1)
    return coords, off


def plane_losses(problem: Problem, theta: np.ndarray, d1: np.ndarray, d2: np.ndarray, alpha: np.ndarray,
                 beta: np.ndarray) -> np.ndarray:
    """J(θ + α_i d1 + β_j d2) as an (len(beta), len(alpha)) grid: every point through the vectorised loss."""
    A, B = np.meshgrid(alpha, beta)
    a, b = A.ravel(), B.ravel()
    out = np.empty(a.shape[0])
    step = max(1, CHUNK_FLOATS // theta.shape[0])
    with np.errstate(all="ignore"):
        for s in range(0, a.shape[0], step):
            T = theta + a[s : s + step, None] * d1
            T += b[s : s + step, None] * d2
            out[s : s + step] = losses(problem, T)
    return out.reshape(len(beta), len(alpha))


def losses(problem: Problem, T: np.ndarray) -> np.ndarray:
    """J at each row of T (m, d): compiled for the networks engine/kernels_grid.py covers, else the reference."""
    fast = kernels_grid.losses(problem, T)
    return problem.loss(T) if fast is None else fast


def _axis(span: float, n: int) -> np.ndarray:
    x = span * np.linspace(-1.0, 1.0, n)
    if n % 2:
        x[n // 2] = 0.0  # the centre exactly on the grid: the slice there is J(θ) itself
    return x


def loss_slice(problem: Problem, theta: np.ndarray, directions: str = "filter", n: int = 51,
               span: float | None = None, seed: int = 0, path: np.ndarray | None = None,
               path_t: list[int] | None = None, biases: str = "zero") -> dict[str, Any]:
    """The loss over a 2-D slice through θ (d,), with the trajectory `path` (m, d) projected onto it (JSON).

    loss[j][i] is J at (alpha[i], beta[j]); span defaults to 1 (random, filter) or to PCA_MARGIN times the
    projected trajectory's farthest coordinate (pca).
    """
    if directions not in DIRECTIONS:
        raise SettingsError("directions", f"unknown directions {directions!r} (known: {', '.join(DIRECTIONS)})")
    if biases not in BIASES:
        raise SettingsError("biases", f"unknown bias handling {biases!r} (known: {', '.join(BIASES)})")
    n = _check_n(n)
    if span is not None and not (isinstance(span, (int, float)) and math.isfinite(span) and span > 0):
        raise SettingsError("span", "must be a positive number")
    theta = np.asarray(theta, dtype=np.float64)
    if theta.shape != (problem.dim,) or not np.all(np.isfinite(theta)):
        raise SettingsError("theta", f"must be {problem.dim} finite numbers")
    P = None if path is None else np.asarray(path, dtype=np.float64).reshape(-1, problem.dim)
    shares: list[float] | None = None
    if directions == "random":
        d1, d2 = random_directions(problem.dim, seed, float(np.linalg.norm(theta)) or 1.0)
    elif directions == "filter":
        if not isinstance(problem, NetworkProblem):
            raise SettingsError("directions", "filter-normalised directions need a network; use random or pca")
        d1, d2 = filter_directions(problem, theta, seed, biases)
    else:
        if P is None or not len(P):
            raise SettingsError("directions", "pca directions need the weights' trajectory")
        d1, d2, shares = pca_directions(theta, P, seed)
    traj, coords = None, np.zeros((0, 2))
    if P is not None and len(P):
        ok = np.asarray(np.isfinite(P).all(axis=1))
        P = P[ok]
        coords, off = project(P, theta, d1, d2)
        with np.errstate(all="ignore"):
            J = losses(problem, P) if len(P) else np.zeros(0)
        ts = list(range(ok.shape[0])) if path_t is None else list(path_t)
        traj = {"t": [int(t) for t, k in zip(ts, ok.tolist(), strict=True) if k], "alpha": coords[:, 0].tolist(),
                "beta": coords[:, 1].tolist(), "loss": _finite(J.tolist()), "off_plane": off.tolist()}
    if span is None:
        far = float(np.abs(coords).max()) if directions == "pca" and len(coords) else 0.0
        span = PCA_MARGIN * far if far > 0 else 1.0
    alpha = beta = _axis(span, n)
    Z = plane_losses(problem, theta, d1, d2, alpha, beta)
    with np.errstate(all="ignore"):
        centre = float(losses(problem, theta[None])[0])
    fin = Z[np.isfinite(Z)]
    n1, n2 = float(np.linalg.norm(d1)), float(np.linalg.norm(d2))
    return {
        "directions": directions,
        "n": n,
        "span": float(span),
        "seed": seed,
        "biases": biases if directions == "filter" else None,
        "alpha": alpha.tolist(),
        "beta": beta.tolist(),
        "loss": [_finite(row) for row in Z.tolist()],
        "centre_loss": centre if math.isfinite(centre) else None,
        "loss_range": [float(fin.min()), float(fin.max())] if fin.size else None,
        "direction_norms": [n1, n2],
        "cosine": float(d1 @ d2 / (n1 * n2)) if n1 > 0 and n2 > 0 else 0.0,
        "explained_variance": shares,
        "trajectory": traj,
    }


def loss_line(problem: Problem, start: np.ndarray, end: np.ndarray, n: int = 101, low: float = -0.5,
              high: float = 1.5) -> dict[str, Any]:
    """J((1 − α)·start + α·end) for α from `low` to `high` (n points, plus α = 0 and 1 exactly) (JSON)."""
    n = _check_n(n, high=1001)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise SettingsError("low", "the α range needs finite low < high")
    start, end = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    alpha = np.union1d(np.linspace(low, high, n), [0.0, 1.0])
    T = start + alpha[:, None] * (end - start)
    T[alpha == 0.0], T[alpha == 1.0] = start, end  # the two ends exactly, not start + 1·(end − start)
    with np.errstate(all="ignore"):
        J = losses(problem, T)
    return {
        "alpha": alpha.tolist(),
        "loss": _finite(J.tolist()),
        "start_loss": _finite([float(J[alpha == 0.0][0])])[0],
        "end_loss": _finite([float(J[alpha == 1.0][0])])[0],
        "distance": float(np.linalg.norm(end - start)),
    }


# ----- from a run ---------------------------------------------------------------------------------
def racer_path(run: Any, racer: int = 0) -> tuple[list[int], np.ndarray]:
    """One racer's weight snapshots from `run.trajectory` (thinned to ≤ 400), ending at its current θ.

    A SettingsError naming `racer` when the run has none (`run` may be a snapshot of a run: racers, theta, ...)."""
    racer_index(run.racers, racer)
    ts = [int(t) for t, _ in run.trajectory]
    rows = [th[racer] for _, th in run.trajectory]
    if not rows or not np.array_equal(rows[-1], run.theta[racer]):  # moved since the last snapshot
        ts.append(int(run.racers[racer].t))
        rows.append(run.theta[racer])
    return ts, np.array(rows, dtype=np.float64).reshape(len(rows), -1)


def run_slice(run: Any, racer: int = 0, directions: str = "filter", n: int = 51, span: float | None = None,
              seed: int = 0, biases: str = "zero") -> dict[str, Any]:
    """`loss_slice` through a racer's current weights, its trajectory projected onto it; `t` is the racer's step."""
    ts, path = racer_path(run, racer)
    out = loss_slice(run.problem, run.theta[racer], directions, n, span, seed, path, ts, biases)
    out["racer"], out["t"] = racer, int(run.racers[racer].t)
    return out


def run_line(run: Any, racer: int = 0, n: int = 101, low: float = -0.5, high: float = 1.5) -> dict[str, Any]:
    """`loss_line` from the run's initial weights to a racer's current ones (a SettingsError naming `racer` when
    the run has none)."""
    racer_index(run.racers, racer)
    out = loss_line(run.problem, run.start, run.theta[racer], n, low, high)
    out["racer"], out["t"] = racer, int(run.racers[racer].t)
    return out
