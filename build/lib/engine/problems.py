"""Problems: what is minimised. Every problem works on a batch of parameter vectors.

`theta` is always (K, d): K parameter vectors (racers, or grid points) of dimension d, so the
same code serves one run, a race of K optimisers and a loss grid.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.datasets import Dataset


class Problem:
    """Base of every problem: a differentiable J(theta) over (K, d) parameter batches."""

    kind: str = "problem"
    dim: int = 2
    param_names: tuple[str, ...] = ("θ1", "θ2")
    # Examples to draw mini-batches from; None for analytic functions (no data, no batches).
    n_train: int | None = None
    # Whether J and its gradient over all the data are cheap enough to evaluate after every step.
    cheap_full_eval: bool = True

    def loss(self, theta: np.ndarray) -> np.ndarray:
        """J at each row of theta (K, d) -> (K,)."""
        return self.loss_grad(theta)[0]

    def loss_grad(self, theta: np.ndarray, batch: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """J and its gradient at each row of theta (K, d) -> ((K,), (K, d)); `batch` picks examples."""
        raise NotImplementedError

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Hessian at one point theta (d,) -> (d, d)."""
        raise NotImplementedError

    def default_start(self) -> np.ndarray:
        """Where runs start unless told otherwise, (d,)."""
        return np.zeros(self.dim)

    def minima(self) -> list[np.ndarray]:
        """Known global minimisers, each (d,); empty when unknown."""
        return []

    def max_stable_lr(self) -> float | None:
        """2 / λmax of the Hessian when it is constant (quadratics), else None."""
        return None

    def default_box(self) -> tuple[np.ndarray, np.ndarray] | None:
        """A view box (low, high) for 2-D problems, or None to derive one from the path."""
        return None

    def info(self) -> dict[str, Any]:
        """Facts about the problem for the state and the page (JSON-ready)."""
        return {"kind": self.kind, "dim": self.dim, "param_names": list(self.param_names)}


def quadratic_facts(H: np.ndarray) -> dict[str, Any]:
    """Eigenvalues of a constant Hessian, 2/λmax, the best fixed step 2/(λmin+λmax) and its rate."""
    eig = np.linalg.eigvalsh(H)
    lo, hi = float(eig[0]), float(eig[-1])
    out: dict[str, Any] = {"hessian": H.tolist(), "eigenvalues": eig.tolist()}
    if hi > 0:
        out["max_stable_lr"] = 2.0 / hi
    if lo > 0:
        out["best_lr"] = 2.0 / (lo + hi)
        out["condition_number"] = hi / lo
        # With γ = 2/(λmin+λmax) the error shrinks by (κ−1)/(κ+1) per step.
        out["best_rate"] = (hi - lo) / (hi + lo)
    return out


class LinearRegression(Problem):
    """h(x; θ) = θ1 + θ2·x and J(θ) = 1/N Σ (y⁽ⁱ⁾ − θᵀx⁽ⁱ⁾)², exactly as the lecture writes it."""

    kind = "linear_regression"

    def __init__(self, data: Dataset):
        self.data = data
        x = data.X[:, 0]
        y = data.y
        n = x.shape[0]
        self.n_train = n
        self.dim = 2
        self.param_names = ("θ1", "θ2")
        self.X = np.column_stack([np.ones(n), x])  # (n, 2): x⁽ⁱ⁾ = [1, x⁽ⁱ⁾]
        self.y = y  # (n,)
        # Sufficient statistics, centred so nothing cancels: with a = ȳ − θ1 − θ2·x̄ and β = Sxy/Sxx,
        #   J(θ) = a² + Sxx·(θ2 − β)² + J*      (a sum of non-negative terms, exact up to rounding)
        # so J and ∇J over all the data cost O(1) per point θ, and a 200 × 200 grid O(grid), not O(N·grid).
        self.x_mean, self.y_mean = float(x.mean()), float(y.mean())
        xc, yc = x - self.x_mean, y - self.y_mean
        self.Sxx = float(xc @ xc / n)
        self.beta = float(xc @ yc / n) / self.Sxx
        self.H = 2.0 * (self.X.T @ self.X) / n  # constant Hessian of J: 2/N XᵀX
        self._theta_star = np.array([self.y_mean - self.beta * self.x_mean, self.beta])  # normal equations
        r_star = y - self.X @ self._theta_star
        self.J_star = float(r_star @ r_star / n)
        # In matrix form for K points at once: u = θP + q = [a, θ2 − β]; J = u²·w + J*; ∇J = uR.
        self._P = np.array([[-1.0, 0.0], [-self.x_mean, 1.0]])
        self._q = np.array([self.y_mean, -self.beta])
        self._w = np.array([1.0, self.Sxx])
        self._R = np.array([[-2.0, -2.0 * self.x_mean], [0.0, 2.0 * self.Sxx]])

    def loss_grad(self, theta: np.ndarray, batch: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """J and ∇J = −2/N Σ (y⁽ⁱ⁾ − θᵀx⁽ⁱ⁾) x⁽ⁱ⁾ over all examples (from the statistics) or over `batch`."""
        if batch is None:
            u = theta @ self._P + self._q  # (K, 2): [a, θ2 − β]
            return (u * u) @ self._w + self.J_star, u @ self._R
        X, y = self.X[batch], self.y[batch]
        r = X @ theta.T - y[:, None]  # (n, K) residuals θᵀx − y
        n = y.shape[0]
        return np.einsum("nk,nk->k", r, r) / n, (2.0 / n) * (r.T @ X)

    def loss_grid(self, t1: np.ndarray, t2: np.ndarray) -> np.ndarray:
        """J over a grid of (θ1, θ2) from the sufficient statistics: O(grid size), independent of N."""
        a = self.y_mean - t1 - t2 * self.x_mean
        dev = t2 - self.beta
        return a * a + self.Sxx * dev * dev + self.J_star

    def grad_grid(self, t1: np.ndarray, t2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """∇J over a grid."""
        a = self.y_mean - t1 - t2 * self.x_mean
        return -2.0 * a, -2.0 * a * self.x_mean + 2.0 * self.Sxx * (t2 - self.beta)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """∇²J = 2/N XᵀX, the same everywhere."""
        return self.H.copy()

    def minima(self) -> list[np.ndarray]:
        """The least-squares θ* from the normal equations XᵀXθ = Xᵀy."""
        return [self._theta_star.copy()]

    def max_stable_lr(self) -> float:
        """Full-batch gradient descent converges for 0 < γ < 2/λmax(∇²J)."""
        return float(2.0 / np.linalg.eigvalsh(self.H)[-1])

    def predict(self, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """h(x; θ) = θ1 + θ2·x."""
        return theta[0] + theta[1] * x

    def info(self) -> dict[str, Any]:
        """Minimum, its loss, the Hessian's eigenvalues and the stable step size."""
        return {
            **super().info(),
            "n": self.data.n,
            "minimum": self._theta_star.tolist(),
            "minimum_loss": self.J_star,
            "minima": [self._theta_star.tolist()],
            **quadratic_facts(self.H),
        }
