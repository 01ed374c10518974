"""A test surface as a problem (kind "surface"): θ = (x, y), no data, J, ∇J and the Hessian in closed form.

The surfaces themselves (formulas, gradients, Hessians, minima, settings) are the table in engine/surfaces.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.problems import Problem, quadratic_facts
from engine.settings import SettingsError, check_settings
from engine.surfaces import SURFACES, Params


class SurfaceProblem(Problem):
    """A test surface as a problem over θ = (x, y): no data, J and ∇J in closed form."""

    kind = "surface"
    dim = 2
    param_names = ("x", "y")
    n_train = None

    def __init__(self, name: str, settings: Mapping[str, Any] | None = None):
        if not isinstance(name, str) or name not in SURFACES:
            raise SettingsError("problem.name", f"unknown surface {name!r} (known: {', '.join(SURFACES)})")
        self.surface = SURFACES[name]
        self.name = name
        self.params: Params = check_settings(self.surface.settings, settings or {}, prefix="problem.")

    def loss_grad(self, theta: np.ndarray, batch: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """J and ∇J at each row of theta (K, 2) -> ((K,), (K, 2)); `batch` is ignored (no data)."""
        f, gx, gy = self.surface.value_grad(theta[:, 0], theta[:, 1], self.params)
        return f, np.stack((gx, gy), axis=1)

    def loss_grid(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """J over arrays X, Y of one shape (a meshgrid), same shape out."""
        return np.asarray(self.surface.value_grad(X, Y, self.params)[0])

    def grad_grid(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(∂J/∂x, ∂J/∂y) over arrays X, Y of one shape."""
        _, gx, gy = self.surface.value_grad(X, Y, self.params)
        return gx, gy

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """The analytic Hessian at one point theta (2,) -> (2, 2)."""
        x, y = np.asarray(theta[0], dtype=np.float64), np.asarray(theta[1], dtype=np.float64)  # 0-d arrays
        fxx, fxy, fyy = (float(h) for h in self.surface.hess(x, y, self.params))
        return np.array([[fxx, fxy], [fxy, fyy]])

    def minima(self) -> list[np.ndarray]:
        """Every known global minimiser, each (2,); empty for the saddle."""
        return [np.array(m, dtype=np.float64) for m in self.surface.minima(self.params)]

    def default_start(self) -> np.ndarray:
        """The surface's customary start, (2,)."""
        return np.array(self.surface.start, dtype=np.float64)

    def default_box(self) -> tuple[np.ndarray, np.ndarray]:
        """The customary view box (low (2,), high (2,))."""
        low, high = self.surface.box
        return np.array(low, dtype=np.float64), np.array(high, dtype=np.float64)

    def _convex_quadratic(self) -> bool:
        return self.surface.quadratic and np.linalg.eigvalsh(self.hessian(np.zeros(2)))[0] > 0

    def max_stable_lr(self) -> float | None:
        """2/λmax for a convex quadratic (constant Hessian); None for other surfaces."""
        if not self._convex_quadratic():
            return None
        return float(2.0 / np.linalg.eigvalsh(self.hessian(np.zeros(2)))[-1])

    def info(self) -> dict[str, Any]:
        """Name, formula, minima and their loss, view box and start; eigenvalues and steps for quadratics."""
        minima = self.minima()
        low, high = self.default_box()
        out: dict[str, Any] = {
            **super().info(),
            "name": self.name,
            "title": self.surface.title,
            "formula": self.surface.formula,
            "settings": dict(self.params),
            "minima": [m.tolist() for m in minima],
            "minimum": minima[0].tolist() if minima else None,
            "minimum_loss": float(self.loss(minima[0][None])[0]) if minima else None,
            "default_box": [low.tolist(), high.tolist()],
            "start": self.default_start().tolist(),
        }
        if self._convex_quadratic():
            out.update(quadratic_facts(self.hessian(np.zeros(2))))
        return out


def build_surface(spec: Mapping[str, Any]) -> SurfaceProblem:
    """A SurfaceProblem from {"kind": "surface", "name": "rosenbrock", ...settings}; the name defaults to rosenbrock."""
    settings = {k: v for k, v in spec.items() if k not in ("kind", "name")}
    return SurfaceProblem(spec.get("name", "rosenbrock"), settings)
