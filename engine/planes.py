"""The plane a network's decision regions and hidden units are drawn over, for data with any number of features.

A plane maps its coordinates (a, b) to raw feature rows: raw = origin + a·d1 + b·d2. Two kinds:
  slice  the plane of two chosen features i, j, every other feature held at its mean over the training set
         (with two features, the input plane itself);
  pca    the plane of the first two principal components of the standardised raw features over the training
         set: raw = mean + std ⊙ (a·u1 + b·u2), so (a, b) are the principal-component scores.
A raw row's coordinates on the plane are project · (raw − origin); for a slice they are its values of i and j.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.netdata import NetData
from engine.settings import SettingsError

PLANES = ("slice", "pca")
Array = np.ndarray


@dataclass(frozen=True)
class Plane:
    """A plane through the raw feature space: coordinates (a, b) ↔ raw rows."""

    mode: str  # "slice" or "pca"
    axes: tuple[str, str]  # what a and b are: two features' names, or "PC1", "PC2"
    pair: tuple[int, int] | None  # the two features of a slice
    origin: Array  # (r,)
    directions: Array  # (2, r)
    project: Array  # (2, r)
    held: dict[str, float]  # slice: the other features and the values they are held at
    variance: list[float] | None  # pca: the share of the variance each component explains

    def raw(self, P: Array) -> Array:
        """Raw feature rows (m, r) of plane points P (m, 2)."""
        return self.origin + P @ self.directions

    def coords(self, raw: Array) -> Array:
        """Plane coordinates (m, 2) of raw rows (m, r)."""
        return (np.asarray(raw, dtype=np.float64) - self.origin) @ self.project.T

    def box(self, data: NetData, margin: float = 0.1) -> tuple[list[float], list[float]]:
        """The data's bounding box on the plane, widened by `margin` of its span on each side."""
        C = self.coords(data.raw_all())
        low, high = C.min(axis=0), C.max(axis=0)
        pad = margin * np.maximum(high - low, 1e-9)
        return (low - pad).tolist(), (high + pad).tolist()

    def describe(self) -> dict[str, Any]:
        """The plane as JSON, with a sentence saying which it is."""
        if self.mode == "slice":
            held = ", ".join(f"{k} = {v:.3g}" for k, v in self.held.items())
            text = f"a slice through {self.axes[0]} and {self.axes[1]}" + (
                f", the other features held at their means ({held})" if held else "")
        else:
            assert self.variance is not None
            text = (f"the first two principal components of the standardised features (they explain "
                    f"{100 * self.variance[0]:.0f} % and {100 * self.variance[1]:.0f} % of the variance)")
        return {"mode": self.mode, "axes": list(self.axes), "features": None if self.pair is None else list(self.pair),
                "held": self.held, "variance": self.variance, "origin": self.origin.tolist(),
                "directions": self.directions.tolist(), "project": self.project.tolist(), "text": text}


def make_plane(data: NetData, mode: str = "slice", features: tuple[int, int] | None = None) -> Plane:
    """The plane of `mode` through this data (slice: features i, j, default the first two)."""
    r = data.raw_width
    if r < 2:
        raise SettingsError("plane", "the data has one feature: its views are a curve, not a plane")
    X = data.raw_train
    mean = X.mean(axis=0)
    if mode == "slice":
        i, j = features if features is not None else (0, 1)
        for name, k in (("x_feature", i), ("y_feature", j)):
            if not 0 <= k < r:
                raise SettingsError(name, f"features are numbered 0 to {r - 1} ({', '.join(data.columns)[:200]})")
        if i == j:
            raise SettingsError("y_feature", "the two features of a slice must differ")
        E = np.zeros((2, r))
        E[0, i] = E[1, j] = 1.0
        origin = mean.copy()
        origin[[i, j]] = 0.0
        held = {data.columns[k]: float(mean[k]) for k in range(r) if k not in (i, j)}
        cols = data.columns
        return Plane("slice", (cols[i], cols[j]), (i, j), origin, E, E.copy(), held, None)
    if mode != "pca":
        raise SettingsError("plane", f"must be one of {', '.join(PLANES)}, got {mode!r}")
    std = X.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    _, s, Vt = np.linalg.svd((X - mean) / std, full_matrices=False)
    U = Vt[:2] * np.sign(Vt[:2, [0]] + (Vt[:2, [0]] == 0))  # sign fixed: each component's first entry ≥ 0
    share = (s**2 / max(float(np.sum(s**2)), 1e-300))[:2]
    return Plane("pca", ("PC1", "PC2"), None, mean, U * std, U / std, {}, [float(v) for v in share])


def plane_grid(plane: Plane, box: tuple[Any, Any], n: int) -> tuple[Array, Array, Array]:
    """xs (n,), ys (n,) on the plane and the n² raw rows with row j·n + i at (xs[i], ys[j])."""
    low, high = np.asarray(box[0], dtype=np.float64), np.asarray(box[1], dtype=np.float64)
    xs, ys = np.linspace(low[0], high[0], n), np.linspace(low[1], high[1], n)
    P = np.empty((n * n, 2))
    P[:, 0] = np.tile(xs, n)
    P[:, 1] = np.repeat(ys, n)
    return xs, ys, plane.raw(P)
