"""Classic 2-D test surfaces over (x, y): value, analytic gradient and Hessian, known minima.

Each surface is written once over arrays x, y of any (broadcastable) shape, so the same code
serves K racers (x = theta[:, 0]) and a meshgrid (x = X). `SURFACES` is the name -> Surface table
that the schemas, the page's menus and the docs are generated from; engine/surface_problem.py makes one a
`Problem` (kind "surface").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.settings import Setting

Params = dict[str, Any]
Triple = tuple[np.ndarray, np.ndarray, np.ndarray]
XY = tuple[float, float]


@dataclass(frozen=True)
class Surface:
    """A named f(x, y) with its gradient, Hessian, minima, view box, start and settings."""

    name: str
    title: str
    formula: str  # plain text, shown on the page and in the docs
    value_grad: Callable[[np.ndarray, np.ndarray, Params], Triple]  # (f, ∂f/∂x, ∂f/∂y)
    hess: Callable[[np.ndarray, np.ndarray, Params], Triple]  # (∂²f/∂x², ∂²f/∂x∂y, ∂²f/∂y²)
    minima: Callable[[Params], list[XY]]  # every global minimiser (empty: none)
    box: tuple[XY, XY]  # default view ((x_low, y_low), (x_high, y_high))
    start: XY  # default start
    settings: tuple[Setting, ...] = ()
    quadratic: bool = False  # constant Hessian: show its eigenvalues and step sizes

    def describe(self) -> dict[str, Any]:
        """JSON description for the registry, the page's menus and the docs."""
        return {"title": self.title, "formula": self.formula, "box": [list(self.box[0]), list(self.box[1])],
                "start": list(self.start), "settings": [s.describe() for s in self.settings]}


def _const(x: np.ndarray, *values: float) -> Triple:
    """Constant Hessian entries shaped like x."""
    a, b, c = (np.full(np.shape(x), v, dtype=np.float64) for v in values)
    return a, b, c


# ----- quadratic bowl: J = ½·vᵀHv with H = R(φ)·diag(1, κ)·R(φ)ᵀ --------------------------------
def _quad_h(p: Params) -> tuple[float, float, float]:
    phi = math.radians(p["rotation"])
    c, s, k = math.cos(phi), math.sin(phi), p["condition"]
    # Eigenvector (c, s) has eigenvalue 1 (the long axis, at angle φ), (−s, c) has eigenvalue κ.
    return c * c + k * s * s, (1.0 - k) * c * s, s * s + k * c * c


def _quadratic(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    h11, h12, h22 = _quad_h(p)
    gx, gy = h11 * x + h12 * y, h12 * x + h22 * y
    return 0.5 * (x * gx + y * gy), gx, gy


def _quadratic_hess(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    return _const(x, *_quad_h(p))


# ----- Rosenbrock: (a − x)² + b(y − x²)² -------------------------------------------------------
def _rosenbrock(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    a, b = p["a"], p["b"]
    u, w = a - x, y - x * x
    return u * u + b * w * w, -2.0 * u - 4.0 * b * x * w, 2.0 * b * w


def _rosenbrock_hess(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    b = p["b"]
    return 2.0 - 4.0 * b * (y - 3.0 * x * x), -4.0 * b * x, np.full(np.shape(x), 2.0 * b)


# ----- Beale: Σᵢ (cᵢ − x + x·yⁱ)², c = (1.5, 2.25, 2.625) --------------------------------------
_BEALE_C = (1.5, 2.25, 2.625)


def _beale(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    f = gx = gy = np.zeros(np.shape(x))
    for i, c in enumerate(_BEALE_C, 1):
        u = c - x + x * y**i
        f = f + u * u
        gx = gx + 2.0 * u * (y**i - 1.0)
        gy = gy + 2.0 * u * i * x * y ** (i - 1)
    return f, gx, gy


def _beale_hess(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    fxx = fxy = fyy = np.zeros(np.shape(x))
    for i, c in enumerate(_BEALE_C, 1):
        u = c - x + x * y**i
        ux, uy = y**i - 1.0, i * x * y ** (i - 1)  # ∂u/∂x, ∂u/∂y
        uxy = i * y ** (i - 1)
        uyy = i * (i - 1) * x * y ** max(i - 2, 0)  # zero for i = 1 (no y⁻¹ at y = 0)
        fxx = fxx + 2.0 * ux * ux
        fxy = fxy + 2.0 * (ux * uy + u * uxy)
        fyy = fyy + 2.0 * (uy * uy + u * uyy)
    return fxx, fxy, fyy


# ----- Himmelblau: (x² + y − 11)² + (x + y² − 7)² ----------------------------------------------
def _himmelblau(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    u, w = x * x + y - 11.0, x + y * y - 7.0
    return u * u + w * w, 4.0 * x * u + 2.0 * w, 2.0 * u + 4.0 * y * w


def _himmelblau_hess(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    u, w = x * x + y - 11.0, x + y * y - 7.0
    return 4.0 * u + 8.0 * x * x + 2.0, 4.0 * (x + y), 2.0 + 4.0 * w + 8.0 * y * y


# ----- Booth: (x + 2y − 7)² + (2x + y − 5)² ----------------------------------------------------
def _booth(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    u, w = x + 2.0 * y - 7.0, 2.0 * x + y - 5.0
    return u * u + w * w, 2.0 * u + 4.0 * w, 4.0 * u + 2.0 * w


def _booth_hess(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    return _const(x, 10.0, 8.0, 10.0)


# ----- Goldstein–Price: A·B, A = 1 + p²q, B = 30 + r²s ------------------------------------------
def _gp_parts(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    p = x + y + 1.0
    q = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    r = 2.0 * x - 3.0 * y
    s = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    qd = -14.0 + 6.0 * x + 6.0 * y  # ∂q/∂x = ∂q/∂y
    sx, sy = -32.0 + 24.0 * x - 36.0 * y, 48.0 - 36.0 * x + 54.0 * y
    A, B = 1.0 + p * p * q, 30.0 + r * r * s
    Ad = 2.0 * p * q + p * p * qd  # ∂A/∂x = ∂A/∂y (A depends on x + y only through p, q alike)
    Bx, By = 4.0 * r * s + r * r * sx, -6.0 * r * s + r * r * sy
    return p, q, r, s, qd, sx, sy, A, B, Ad, Bx, By


def _goldstein_price(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    *_, A, B, Ad, Bx, By = _gp_parts(x, y)
    return A * B, Ad * B + A * Bx, Ad * B + A * By


def _goldstein_price_hess(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    pp, q, r, s, qd, sx, sy, A, B, Ad, Bx, By = _gp_parts(x, y)
    Add = 2.0 * q + 4.0 * pp * qd + 6.0 * pp * pp  # every second derivative of A is this one
    Bxx = 8.0 * s + 8.0 * r * sx + 24.0 * r * r
    Bxy = -12.0 * s + 4.0 * r * sy - 6.0 * r * sx - 36.0 * r * r
    Byy = 18.0 * s - 12.0 * r * sy + 54.0 * r * r
    return (Add * B + 2.0 * Ad * Bx + A * Bxx, Add * B + Ad * (Bx + By) + A * Bxy,
            Add * B + 2.0 * Ad * By + A * Byy)


# ----- Rastrigin: 2A + Σ (xᵢ² − A·cos 2πxᵢ) ----------------------------------------------------
def _rastrigin(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    A, w = p["A"], 2.0 * math.pi
    f = 2.0 * A + x * x + y * y - A * (np.cos(w * x) + np.cos(w * y))
    return f, 2.0 * x + A * w * np.sin(w * x), 2.0 * y + A * w * np.sin(w * y)


def _rastrigin_hess(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    A, w = p["A"], 2.0 * math.pi
    return 2.0 + A * w * w * np.cos(w * x), np.zeros(np.shape(x)), 2.0 + A * w * w * np.cos(w * y)


# ----- saddle: x² − y² -------------------------------------------------------------------------
def _saddle(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    return x * x - y * y, 2.0 * x, -2.0 * y


def _saddle_hess(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    return _const(x, 2.0, 0.0, -2.0)


# ----- six-hump camel: (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y² --------------------------------
def _camel(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    x2, y2 = x * x, y * y
    f = (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (-4.0 + 4.0 * y2) * y2
    return f, 8.0 * x - 8.4 * x2 * x + 2.0 * x2 * x2 * x + y, x - 8.0 * y + 16.0 * y2 * y


def _camel_hess(x: np.ndarray, y: np.ndarray, p: Params) -> Triple:
    x2 = x * x
    return 8.0 - 25.2 * x2 + 10.0 * x2 * x2, np.ones(np.shape(x)), -8.0 + 48.0 * y * y


# Minimisers known only numerically, refined by Newton's method to full double precision.
_HIMMELBLAU_MINIMA = [(3.0, 2.0), (-2.805118086952745, 3.131312518250573),
                      (-3.779310253377747, -3.283185991286169), (3.5844283403304917, -1.8481265269644036)]
_CAMEL_MINIMA = [(0.08984201310031807, -0.7126564030207396), (-0.08984201310031807, 0.7126564030207396)]

SURFACES: dict[str, Surface] = {
    s.name: s
    for s in (
        Surface("quadratic", "Quadratic bowl", "J = ½·vᵀHv,  H = R(φ)·diag(1, κ)·R(φ)ᵀ  (eigenvalues 1 and κ)",
                _quadratic, _quadratic_hess, lambda p: [(0.0, 0.0)], ((-3.0, -3.0), (3.0, 3.0)), (-2.5, -1.0),
                (Setting("condition", "float", 10.0, "condition number κ = λmax/λmin", low=1.0, high=1e6, log=True),
                 Setting("rotation", "float", 30.0, "angle φ of the long axis, degrees", low=-180.0, high=180.0)),
                quadratic=True),
        Surface("rosenbrock", "Rosenbrock", "J = (a − x)² + b·(y − x²)²",
                _rosenbrock, _rosenbrock_hess, lambda p: [(p["a"], p["a"] ** 2)], ((-2.0, -1.0), (2.0, 3.0)),
                (-1.2, 1.0),
                (Setting("a", "float", 1.0, "a: the minimum is at (a, a²)", low=-10.0, high=10.0),
                 Setting("b", "float", 100.0, "b: steepness of the valley walls", low=0.0, high=1e4, low_open=True,
                         log=True))),
        Surface("beale", "Beale", "J = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
                _beale, _beale_hess, lambda p: [(3.0, 0.5)], ((-4.5, -4.5), (4.5, 4.5)), (1.0, 1.5)),
        Surface("himmelblau", "Himmelblau", "J = (x² + y − 11)² + (x + y² − 7)²",
                _himmelblau, _himmelblau_hess, lambda p: list(_HIMMELBLAU_MINIMA), ((-5.0, -5.0), (5.0, 5.0)),
                (0.0, 0.0)),
        Surface("booth", "Booth", "J = (x + 2y − 7)² + (2x + y − 5)²",
                _booth, _booth_hess, lambda p: [(1.0, 3.0)], ((-10.0, -10.0), (10.0, 10.0)), (-5.0, 5.0),
                quadratic=True),
        Surface("goldstein_price", "Goldstein–Price",
                "J = [1 + (x+y+1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]·[30 + (2x−3y)²(18 − 32x + 12x² + 48y − 36xy"
                " + 27y²)]",
                _goldstein_price, _goldstein_price_hess, lambda p: [(0.0, -1.0)], ((-2.0, -2.0), (2.0, 2.0)),
                (0.5, -1.5)),
        Surface("rastrigin", "Rastrigin", "J = 2A + Σ (xᵢ² − A·cos 2πxᵢ)",
                _rastrigin, _rastrigin_hess, lambda p: [(0.0, 0.0)], ((-5.12, -5.12), (5.12, 5.12)), (-3.2, 2.6),
                (Setting("A", "float", 10.0, "A: depth of the ripples", low=0.0, high=100.0),)),
        Surface("saddle", "Saddle", "J = x² − y²  (no minimum)",
                _saddle, _saddle_hess, lambda p: [], ((-2.0, -2.0), (2.0, 2.0)), (-1.5, 1e-3)),
        Surface("six_hump_camel", "Six-hump camel", "J = (4 − 2.1x² + x⁴/3)·x² + xy + (−4 + 4y²)·y²",
                _camel, _camel_hess, lambda p: list(_CAMEL_MINIMA), ((-2.0, -1.0), (2.0, 1.0)), (-1.0, 0.5)),
    )
}
