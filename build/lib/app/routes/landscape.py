"""The landscape of a 2-parameter run: J on a grid, −∇J arrows and gradient-flow paths."""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Query

from app.deps import EntryDep, SettingsDep
from app.errors import RequestError
from app.schemas import Flow, GradField, Surface, error_responses
from engine.landscape import Box, default_box, flow_starts, grad_field, gradient_flow, loss_grid
from engine.run import Run

router = APIRouter(prefix="/api/runs", tags=["landscape"], responses=error_responses(401, 404, 409))
BOX_NAMES = ("x_min", "x_max", "y_min", "y_max")
Coord = Annotated[float | None, Query(allow_inf_nan=False, description="view box; give all four or none")]


def view_box(run: Run, given: dict[str, float | None]) -> Box:
    """The box asked for, or one holding the start, the minimum, every racer's path and where they are now."""
    problem = run.problem
    if problem.dim != 2:
        raise RequestError(
            (), f"a {problem.kind} problem has {problem.dim} parameters: the surface, field and flow need exactly 2",
            status_code=409)
    missing = [k for k in BOX_NAMES if given[k] is None]
    if len(missing) == 4:
        parts = [run.start[None], run.theta]
        parts += [r.history.column("params") for r in run.racers if r.history.keep_params]
        return default_box(problem, np.vstack(parts))
    if missing:
        raise RequestError(("query", missing[0]), f"give all of x_min, x_max, y_min, y_max or none; missing "
                                                  f"{', '.join(missing)}")
    x0, x1, y0, y1 = (float(given[k]) for k in BOX_NAMES)  # type: ignore[arg-type]
    for lo, hi, a, b in ((x0, x1, "x_min", "x_max"), (y0, y1, "y_min", "y_max")):
        if not lo < hi:
            raise RequestError(("query", b), f"must be greater than {a} ({lo:g}), got {hi:g}")
        if not math.isfinite(hi - lo):
            raise RequestError(("query", b), f"the box is too large ({a} to {b} is not a finite span)")
    return np.array([x0, y0]), np.array([x1, y1])


def box_json(box: Box) -> dict[str, float]:
    """A box as {x_min, x_max, y_min, y_max}."""
    (x0, y0), (x1, y1) = box
    return {"x_min": float(x0), "x_max": float(x1), "y_min": float(y0), "y_max": float(y1)}


def _limit(name: str, value: int, cap: int) -> None:
    if value > cap:
        raise RequestError(("query", name), f"must be ≤ {cap} on this server, got {value}")


@router.get("/{run_id}/surface", response_model=Surface, summary="J on a grid")
async def surface(
    entry: EntryDep, settings: SettingsDep,
    n: Annotated[int, Query(ge=2, description="grid points per side (at most max_grid, 300 by default)")] = 100,
    x_min: Coord = None, x_max: Coord = None, y_min: Coord = None, y_max: Coord = None,
) -> dict[str, Any]:
    """z[j][i] = J(x[i], y[j]) (Plotly's convention) over the box; null where J is not finite."""
    _limit("n", n, settings.max_grid)
    box = view_box(entry.run, {"x_min": x_min, "x_max": x_max, "y_min": y_min, "y_max": y_max})
    xs, ys, Z = loss_grid(entry.run.problem, box, n)
    return {"x": xs.tolist(), "y": ys.tolist(), "z": Z.tolist(), "box": box_json(box)}


@router.get("/{run_id}/field", response_model=GradField, summary="−∇J arrows on a grid")
async def field(
    entry: EntryDep, settings: SettingsDep,
    n: Annotated[int, Query(ge=2, description="arrows per side (at most max_field, 60 by default)")] = 20,
    x_min: Coord = None, x_max: Coord = None, y_min: Coord = None, y_max: Coord = None,
) -> dict[str, Any]:
    """(u[j][i], v[j][i]) = −∇J(x[i], y[j])."""
    _limit("n", n, settings.max_field)
    box = view_box(entry.run, {"x_min": x_min, "x_max": x_max, "y_min": y_min, "y_max": y_max})
    xs, ys, U, V = grad_field(entry.run.problem, box, n)
    return {"x": xs.tolist(), "y": ys.tolist(), "u": U.tolist(), "v": V.tolist(), "box": box_json(box)}


@router.get("/{run_id}/flow", response_model=Flow, summary="Gradient-flow paths")
async def flow(
    entry: EntryDep, settings: SettingsDep,
    per_side: Annotated[int, Query(ge=1, description="starts per side of the box (at most max_flow_starts)")] = 4,
    x_min: Coord = None, x_max: Coord = None, y_min: Coord = None, y_max: Coord = None,
) -> dict[str, Any]:
    """Paths of dθ/dt = −∇J from 4 × per_side starts on the border of the box."""
    _limit("per_side", per_side, settings.max_flow_starts)
    box = view_box(entry.run, {"x_min": x_min, "x_max": x_max, "y_min": y_min, "y_max": y_max})
    paths = gradient_flow(entry.run.problem, flow_starts(box, per_side), box)
    return {"paths": [p.tolist() for p in paths], "box": box_json(box)}
