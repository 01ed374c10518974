"""A network run's weights, its output over the input plane (or at given points) and its hidden units.

Predictions use the engine's vectorised forward pass (no shared buffers), computed in a worker thread on a
copy of the weights; hidden-unit grids use the problem's inspection network and hold the run's lock
(app/compute.py). Runs of other problems answer 409.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter, Body, Query, Response

from app.compute import json_off_loop, network_of
from app.deps import EntryDep
from app.errors import RequestError
from app.live.netview import Box, grid_json, hidden_json, network_json
from app.schemas import error_responses
from app.schemas_network import HiddenGrids, NetworkWeights, Outputs, Prediction, PredictPoints, WeightEdit
from engine.network import NetworkProblem
from engine.planes import Plane, make_plane
from engine.settings import SettingsError
from engine.tables import MAX_FEATURES

router = APIRouter(prefix="/api/runs", tags=["network"], responses=error_responses(401, 404, 409))
MAX_PREDICT_N = 200  # GET /predict: points per side of the grid (or along the curve)
MAX_HIDDEN_N = 64  # GET /hidden: points per side of each unit's grid
BOX_NAMES = ("x_min", "x_max", "y_min", "y_max")
Racer = Annotated[int, Query(ge=0, description="whose weights (0: the first racer)")]
Coord = Annotated[float | None, Query(allow_inf_nan=False, description="box on the plane; all or none (default: "
                                                                       "the data's box with a margin)")]
PlaneMode = Annotated[Literal["slice", "pca"], Query(description="the plane of the features the grid covers: a slice "
                                                                 "through x_feature and y_feature (the others at "
                                                                 "their means) or the first two principal "
                                                                 "components")]
Feature = Annotated[int | None, Query(ge=0, le=MAX_FEATURES - 1, description="a slice's feature, numbered from 0 "
                                                                               "(default: 0 for x, 1 for y)")]


def plane_of(problem: NetworkProblem, mode: str, x_feature: int | None, y_feature: int | None) -> Plane | None:
    """The plane asked for (None: one feature, a curve), refusals naming the query parameter."""
    if problem.data.raw_width < 2:
        return None
    if mode == "pca" and (x_feature is not None or y_feature is not None):
        raise RequestError(("query", "x_feature" if x_feature is not None else "y_feature"),
                           "a principal-component plane takes no features")
    pair = None if mode == "pca" else (0 if x_feature is None else x_feature, 1 if y_feature is None else y_feature)
    try:
        return make_plane(problem.data, mode, pair)
    except SettingsError as exc:
        raise RequestError(("query", exc.field), exc.message) from None


def input_box(problem: NetworkProblem, given: dict[str, float | None]) -> Box | None:
    """The box asked for on the plane (x_min, x_max, and y_min, y_max with 2 features or more; all or none), or
    None: the data's."""
    names = BOX_NAMES if problem.data.raw_width >= 2 else BOX_NAMES[:2]
    missing = [k for k in names if given[k] is None]
    if len(missing) == len(names):
        return None
    if missing:
        raise RequestError(("query", missing[0]),
                           f"give all of {', '.join(names)} or none; missing {', '.join(missing)}")
    values = [float(given[k]) for k in names]  # type: ignore[arg-type]
    for k in range(0, len(values), 2):
        lo, hi = values[k], values[k + 1]
        if not lo < hi:
            raise RequestError(("query", names[k + 1]), f"must be greater than {names[k]} ({lo:g}), got {hi:g}")
        if not math.isfinite(hi - lo):
            raise RequestError(("query", names[k + 1]), f"the box is too large ({names[k]} to {names[k + 1]} "
                                                        "is not a finite span)")
    return values[0::2], values[1::2]


@router.get("/{run_id}/network", response_model=NetworkWeights, summary="A network's weights and architecture")
async def network(entry: EntryDep, racer: Racer = 0) -> Response:
    """layers[l] = {W (inputs × outputs), b}, the counts (neurons, weights, biases, params), the sizes, the
    hidden activations, the head and the loss."""
    problem = network_of(entry, "/network")
    theta = entry.run.params(racer)
    return await json_off_loop(lambda: network_json(problem, theta))


@router.patch("/{run_id}/network", response_model=NetworkWeights, summary="Set one weight of a network live",
              responses=error_responses(400))
async def set_weight(entry: EntryDep, body: Annotated[WeightEdit, Body()]) -> Response:
    """W[i][j] of `layer` (or the bias b[j] when i is null) becomes `value` now; the next step starts from it, and
    the run's event log keeps it (replays, exports and forks reproduce it). Answers the racer's weights, as GET."""
    problem = network_of(entry, "PATCH /network")
    await entry.player.set_weight(body.layer, body.i, body.j, body.value, body.racer)
    theta = entry.run.params(body.racer)
    return await json_off_loop(lambda: network_json(problem, theta))


@router.get("/{run_id}/predict", response_model=Prediction, summary="The network's output over the input plane")
async def predict_grid(
    entry: EntryDep, racer: Racer = 0,
    n: Annotated[int, Query(ge=2, le=MAX_PREDICT_N, description="grid points per side (one input: points "
                                                                "along the curve)")] = 100,
    x_min: Coord = None, x_max: Coord = None, y_min: Coord = None, y_max: Coord = None,
    plane: PlaneMode = "slice", x_feature: Feature = None, y_feature: Feature = None,
) -> Response:
    """2 inputs: {x, y, z} with z[j][i] the output at (x[i], y[j]) (P(class 1) for a sigmoid head); softmax adds
    label (argmax), confidence (the largest probability, also z) and probs[j][i][k]. One input: the fitted
    curve {x, y} over the data's x range (or x_min to x_max)."""
    problem = network_of(entry, "/predict")
    theta = entry.run.params(racer)
    box = input_box(problem, {"x_min": x_min, "x_max": x_max, "y_min": y_min, "y_max": y_max})
    where = plane_of(problem, plane, x_feature, y_feature)
    return await json_off_loop(lambda: grid_json(problem, theta, n, box, where))


@router.post("/{run_id}/predict", response_model=Outputs, summary="The network's output at given points",
             responses=error_responses(400, 413))
async def predict_points(entry: EntryDep, body: Annotated[PredictPoints, Body()]) -> Response:
    """outputs[m] for each point [x1, x2] (or [x]); probabilities for softmax, P(class 1) for a sigmoid head."""
    problem = network_of(entry, "/predict")
    run = entry.run
    theta = run.params(body.racer)
    width = problem.data.raw_width
    for m, row in enumerate(body.points):
        if len(row) != width:
            raise RequestError(("body", "points", m), f"must be {width} number{'s' if width > 1 else ''} "
                                                      f"(the data has {width} feature{'s' if width > 1 else ''})")
    X = problem.data.to_inputs(np.array(body.points, dtype=np.float64))
    return await json_off_loop(lambda: {"outputs": problem.predict(theta, X).tolist()})


@router.get("/{run_id}/hidden", response_model=HiddenGrids, summary="Each hidden unit over the input plane")
async def hidden(
    entry: EntryDep, racer: Racer = 0,
    n: Annotated[int, Query(ge=2, le=MAX_HIDDEN_N, description="grid points per side")] = 32,
    x_min: Coord = None, x_max: Coord = None, y_min: Coord = None, y_max: Coord = None,
    plane: PlaneMode = "slice", x_feature: Feature = None, y_feature: Feature = None,
) -> Response:
    """layers[l][u] is hidden unit u of hidden layer l over an n × n grid of a plane of the features, [j][i] at
    (x[i], y[j]); `plane` says which (with more than two features, a slice or the principal components)."""
    problem = network_of(entry, "/hidden")
    if problem.data.raw_width < 2:
        raise RequestError((), "/hidden needs data with 2 features or more (a grid over a plane); this has 1",
                           status_code=409)
    entry.run.racer(racer)  # 422 naming the racer when the run has none
    box = input_box(problem, {"x_min": x_min, "x_max": x_max, "y_min": y_min, "y_max": y_max})
    where = plane_of(problem, plane, x_feature, y_feature)
    # The engine's inspection buffers: under the run's lock, like backprop tables (app/compute.py).
    return await json_off_loop(lambda: hidden_json(problem, entry.run.theta[racer].copy(), n, box, where), entry)
