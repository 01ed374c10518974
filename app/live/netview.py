"""What a network run shows: its weights, its output over the input plane and its hidden units, as JSON.

The builders here give GET /network, /predict and /hidden and the websocket frames the same shapes.
`NetView` keeps, for one run, the latest of each encoded once (`Raw` JSON text) so every watcher with the
same grid size shares one computation and one encoding; `Player` decides when grids are computed.
"""

from __future__ import annotations

import time
from collections.abc import Set as AbstractSet
from typing import Any

import numpy as np

from app.errors import dumps
from app.live.stepping import Raw
from engine.network import NetworkProblem
from engine.planes import Plane, make_plane
from engine.run import Run

GRID_N = 60  # decision-grid points per side in frames, unless a client subscribes to another size
HIDDEN_N = 24  # hidden-unit thumbnail points per side in frames
GRID_HZ = 5.0  # decision grids per second at most for a client that does not ask otherwise
MAX_GRID_HZ = 10.0  # what a client may ask for
GRID_SHARE = 0.2  # grid work (predict + hidden + encoding) takes at most this share of wall time

Box = tuple[list[float], list[float]]
PlaneKey = tuple[Any, ...]  # ("slice", x_feature, y_feature) or ("pca",)
View = tuple[Any, ...]  # ("grid", n, plane key) or ("hidden", plane key)
DEFAULT_PLANE: PlaneKey = ("slice", 0, 1)


def plane_key(mode: str, x_feature: int | None, y_feature: int | None) -> PlaneKey:
    """The key of a plane choice (a slice's features default to 0 and 1)."""
    if mode == "pca":
        return ("pca",)
    return ("slice", 0 if x_feature is None else x_feature, 1 if y_feature is None else y_feature)


# ----- JSON builders ---------------------------------------------------------------------------------
def weights_json(problem: NetworkProblem, theta: np.ndarray) -> dict[str, Any]:
    """{"layers": [{"W": (inputs × outputs), "b": (outputs)}, ...]}: what frames carry."""
    return {"layers": problem.layers(theta)}


def network_json(problem: NetworkProblem, theta: np.ndarray) -> dict[str, Any]:
    """The weights with the architecture: counts, sizes, activations, head and loss."""
    mlp = problem.mlp
    return {**weights_json(problem, theta), "counts": mlp.counts(), "sizes": list(mlp.sizes),
            "activation": list(mlp.activations), "head": problem.head.name, "loss": problem.loss_fn.name}


def grid_json(problem: NetworkProblem, theta: np.ndarray, n: int, box: Box | None = None,
              plane: Plane | None = None) -> dict[str, Any]:
    """The model's output over a plane of the features, z[j][i] at (x[i], y[j]); for one feature, the curve {x, y}.

    One output: z is that output (P(class 1) for a sigmoid head). Several: z is the largest output
    (`confidence`), `label` its class and `probs` (softmax) or `outputs` (identity) every output. `plane` says
    which plane (engine/planes.py): with more than two features, a slice or the principal components.
    """
    if problem.data.raw_width == 1:
        x_range = None if box is None else (box[0][0], box[1][0])
        xs, Y = problem.predict_curve(theta, x_range, n)
        return {"x": xs.tolist(), "y": Y[:, 0].tolist()}
    plane = problem.plane(plane)
    xs, ys, Y = problem.predict_grid(theta, box, n, plane)
    out: dict[str, Any] = {"x": xs.tolist(), "y": ys.tolist(), "plane": plane.describe()}
    if Y.ndim == 2:
        out["z"] = Y.tolist()
        return out
    confidence = Y.max(axis=2).tolist()
    out.update(z=confidence, label=Y.argmax(axis=2).tolist(), confidence=confidence)
    out["probs" if problem.head.name == "softmax" else "outputs"] = Y.tolist()
    return out


def hidden_json(problem: NetworkProblem, theta: np.ndarray, n: int, box: Box | None = None,
                plane: Plane | None = None) -> dict[str, Any]:
    """Every hidden unit's activation over an n × n grid of a plane: layers[l][u][j][i] at (x[i], y[j]).

    Uses the problem's inspection network: call it holding the run's lock.
    """
    plane = problem.plane(plane)
    low, high = box if box is not None else plane.box(problem.data)
    grids = problem.hidden_grids(theta, (low, high), n, plane)
    return {"x": np.linspace(low[0], high[0], n).tolist(), "y": np.linspace(low[1], high[1], n).tolist(),
            "layers": [g.tolist() for g in grids], "plane": plane.describe()}


# ----- the latest views of one run, shared by its watchers ---------------------------------------------
class NetView:
    """Racer 0's weights, decision grids (by size) and hidden units, each encoded once per state of the weights.

    `key()` names the weights' state: it changes when racer 0 steps and (through `epoch`) on a reset or a
    change of racers. Cached views carry the key they were computed at.
    """

    def __init__(self, run: Run):
        self.run = run
        self.problem: NetworkProblem = run.problem  # type: ignore[assignment]
        self.epoch = 0  # bumped by the player when racer 0's weights jump (reset, racers added or removed)
        self._weights: tuple[Any, Raw] | None = None
        # The latest grids, {view: (key, encoded)} with view ("grid", n, plane) or ("hidden", plane) (plane as
        # plane_key gives it): replaced whole by each computation (which runs in a worker thread), so a frame
        # built meanwhile sees every view of one computation or none.
        self.views: dict[View, tuple[Any, Raw]] = {}
        self.cost = 0.0  # seconds of the last grid computation

    @property
    def two_inputs(self) -> bool:
        """Hidden-unit grids exist (the data has a plane: two features or more)."""
        return self.problem.data.raw_width >= 2

    def key(self) -> tuple[int, int]:
        """The state of racer 0's weights."""
        return self.epoch, self.run.racers[0].t

    def weights(self) -> Raw:
        """Racer 0's weights as encoded JSON (computed once per key)."""
        key = self.key()
        if self._weights is None or self._weights[0] != key:
            self._weights = (key, Raw(dumps(weights_json(self.problem, self.run.theta[0]))))
        return self._weights[1]

    def stale(self, wanted: AbstractSet[View]) -> set[View]:
        """Which of these views are older than the weights (hidden units only where the data has a plane)."""
        key, views = self.key(), self.views
        return {v for v in wanted if (v[0] == "grid" or self.two_inputs) and (v not in views or views[v][0] != key)}

    def plane(self, pk: PlaneKey) -> Plane | None:
        """The plane of a plane key (None for one feature: a curve)."""
        if self.problem.data.raw_width < 2:
            return None
        return make_plane(self.problem.data, pk[0], None if pk[0] == "pca" else (pk[1], pk[2]))  # type: ignore[misc]

    def compute(self, wanted: AbstractSet[View], keep: AbstractSet[View]) -> float:
        """Compute and encode these views at the current weights, forget views not in `keep`; returns the
        seconds it took. Runs in a worker thread while the player holds the run's lock (nothing steps meanwhile).
        """
        start = time.perf_counter()
        key, theta = self.key(), self.run.theta[0].copy()
        new: dict[View, tuple[Any, Raw]] = {k: v for k, v in self.views.items() if k in keep}
        with np.errstate(all="ignore"):
            for v in wanted:
                if v[0] == "grid":
                    body = grid_json(self.problem, theta, v[1], None, self.plane(v[2]))  # type: ignore[arg-type]
                else:
                    body = hidden_json(self.problem, theta, HIDDEN_N, None, self.plane(v[1]))  # type: ignore[arg-type]
                new[v] = (key, Raw(dumps(body)))
        self.views = new
        self.cost = time.perf_counter() - start
        return self.cost
