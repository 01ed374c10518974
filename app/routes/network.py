"""A network run's weights, its output over the input plane (or at given points) and its hidden units.

Predictions use the engine's vectorised forward pass (no shared buffers), computed in a worker thread on a
copy of the weights; hidden-unit grids use the problem's inspection network and hold the run's lock
(app/compute.py). Runs of other problems answer 409.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Body, Query, Response

from app.compute import check_racer, json_off_loop, network_of
from app.deps import EntryDep
from app.errors import RequestError
from app.netview import Box, grid_json, hidden_json, network_json
from app.schemas import error_responses
from app.schemas_network import HiddenGrids, NetworkWeights, Outputs, Prediction, PredictPoints
from engine.network import NetworkProblem

router = APIRouter(prefix="/api/runs", tags=["network"], responses=error_responses(401, 404, 409))
MAX_PREDICT_N = 200  # GET /predict: points per side of the grid (or along the curve)
MAX_HIDDEN_N = 64  # GET /hidden: points per side of each unit's grid
BOX_NAMES = ("x_min", "x_max", "y_min", "y_max")
Racer = Annotated[int, Query(ge=0, description="whose weights (0: the first racer)")]
Coord = Annotated[float | None, Query(allow_inf_nan=False, description="input box; all or none (default: the "
                                                                       "data's box with a margin)")]


def input_box(problem: NetworkProblem, given: dict[str, float | None]) -> Box | None:
    """The input box asked for (x_min, x_max, and y_min, y_max for 2 inputs; all or none), or None: the data's."""
    names = BOX_NAMES if problem.mlp.inputs == 2 else BOX_NAMES[:2]
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
    theta = entry.run.theta[check_racer(entry.run, racer)].copy()
    return await json_off_loop(lambda: network_json(problem, theta))


@router.get("/{run_id}/predict", response_model=Prediction, summary="The network's output over the input plane")
async def predict_grid(
    entry: EntryDep, racer: Racer = 0,
    n: Annotated[int, Query(ge=2, le=MAX_PREDICT_N, description="grid points per side (one input: points "
                                                                "along the curve)")] = 100,
    x_min: Coord = None, x_max: Coord = None, y_min: Coord = None, y_max: Coord = None,
) -> Response:
    """2 inputs: {x, y, z} with z[j][i] the output at (x[i], y[j]) (P(class 1) for a sigmoid head); softmax adds
    label (argmax), confidence (the largest probability, also z) and probs[j][i][k]. One input: the fitted
    curve {x, y} over the data's x range (or x_min to x_max)."""
    problem = network_of(entry, "/predict")
    theta = entry.run.theta[check_racer(entry.run, racer)].copy()
    box = input_box(problem, {"x_min": x_min, "x_max": x_max, "y_min": y_min, "y_max": y_max})
    return await json_off_loop(lambda: grid_json(problem, theta, n, box))


@router.post("/{run_id}/predict", response_model=Outputs, summary="The network's output at given points",
             responses=error_responses(400, 413))
async def predict_points(entry: EntryDep, body: Annotated[PredictPoints, Body()]) -> Response:
    """outputs[m] for each point [x1, x2] (or [x]); probabilities for softmax, P(class 1) for a sigmoid head."""
    problem = network_of(entry, "/predict")
    run = entry.run
    if not 0 <= body.racer < len(run.racers):
        raise RequestError(("body", "racer"), f"no racer {body.racer} (this run has {len(run.racers)})")
    width = problem.mlp.inputs
    for m, row in enumerate(body.points):
        if len(row) != width:
            raise RequestError(("body", "points", m), f"must be {width} number{'s' if width > 1 else ''} "
                                                      f"(the network has {width} input{'s' if width > 1 else ''})")
    theta = run.theta[body.racer].copy()
    X = np.array(body.points, dtype=np.float64)
    return await json_off_loop(lambda: {"outputs": problem.predict(theta, X).tolist()})


@router.get("/{run_id}/hidden", response_model=HiddenGrids, summary="Each hidden unit over the input plane")
async def hidden(
    entry: EntryDep, racer: Racer = 0,
    n: Annotated[int, Query(ge=2, le=MAX_HIDDEN_N, description="grid points per side")] = 32,
    x_min: Coord = None, x_max: Coord = None, y_min: Coord = None, y_max: Coord = None,
) -> Response:
    """layers[l][u] is hidden unit u of hidden layer l over an n × n grid, [j][i] at (x[i], y[j]) (2 inputs)."""
    problem = network_of(entry, "/hidden")
    if problem.mlp.inputs != 2:
        raise RequestError((), "/hidden needs a network with 2 inputs (a grid over the input plane); this one has 1",
                           status_code=409)
    check_racer(entry.run, racer)
    box = input_box(problem, {"x_min": x_min, "x_max": x_max, "y_min": y_min, "y_max": y_max})
    # The engine's inspection buffers: under the run's lock, like backprop tables (app/compute.py).
    return await json_off_loop(lambda: hidden_json(problem, entry.run.theta[racer].copy(), n, box), entry)
