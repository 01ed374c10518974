"""REST for runs: create, list, read, change, step, reset, racers, data, delete."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import StreamingResponse

from app.deps import EntryDep, SettingsDep, StoreDep
from app.errors import RequestError
from app.limits import OwnerDep
from app.live.stepping import encode
from app.run_specs import engine_spec
from app.schemas import (
    CreateRun,
    DataPoints,
    ErrorMessage,
    History,
    OptimizerSpec,
    PatchRun,
    ResetRequest,
    RunState,
    RunSummary,
    StepRequest,
    StepResult,
    dump,
    error_responses,
)
from app.schemas_network import NetworkData
from app.schemas_saved import TOO_MANY_RUNS
from app.views import status
from engine.build import build_run
from engine.history import History as HistoryBuffer
from engine.problems import Problem

router = APIRouter(prefix="/api/runs", tags=["runs"], responses=error_responses(400, 401, 404, 413))
CSV_CHUNK = 2_000  # rows formatted between yields to the event loop


@router.post("", status_code=201, summary="Create a run", responses={**error_responses(503), **TOO_MANY_RUNS},
             response_model=RunState, response_model_exclude_unset=True)
async def create_run(
    store: StoreDep, settings: SettingsDep, owner: OwnerDep, body: Annotated[CreateRun | None, Body()] = None
) -> dict[str, Any]:
    """Build a run from {problem, optimizer | racers, stop, start, seed}; `{}` is generated data, gd, lr 0.1."""
    store.check_room(owner)  # before building it
    run = build_run(engine_spec(body or CreateRun.model_validate({}), settings), settings.max_events + 1)
    return store.add(run, owner).player.state()


@router.get("", response_model=list[RunSummary], summary="List your runs")
async def list_runs(store: StoreDep, owner: OwnerDep) -> list[dict[str, Any]]:
    """The runs this client (IP address) created, oldest first: a run's id is the capability to it."""
    out = []
    for e in store.owned_by(owner):
        run = e.run
        out.append({
            "id": e.id, "kind": run.problem.kind, "status": status(run, e.player.playing), "t": run.t,
            "loss": float(min(run.loss)), "created": e.created.isoformat(timespec="seconds"),
            "clients": len(e.player.clients),
        })
    return out


@router.get("/{run_id}", summary="A run's state", response_model=RunState, response_model_exclude_unset=True)
async def get_run(entry: EntryDep) -> dict[str, Any]:
    """t, params, loss, grad, grad_norm, status, stop_reason, optimizer, stop, minimum, max_stable_lr, racers."""
    return entry.player.state()


@router.patch("/{run_id}", summary="Change settings live", response_model=RunState, response_model_exclude_unset=True)
async def patch_run(entry: EntryDep, body: PatchRun) -> dict[str, Any]:
    """Change a racer's optimiser settings (or optimiser: `name`) and/or the stop tests; the next step uses them."""
    await entry.player.set(dump(body.optimizer), dump(body.stop), body.racer)
    return entry.player.state()


@router.delete("/{run_id}", status_code=204, response_class=Response, summary="Delete a run")
async def delete_run(run_id: str, store: StoreDep) -> Response:
    """Forget the run; its websockets close with 1000 "run deleted"."""
    store.delete(run_id)
    return Response(status_code=204)


@router.post("/{run_id}/step", response_model=StepResult, response_model_exclude_unset=True, summary="Take steps",
             responses={503: {"model": ErrorMessage, "description": "the server holds its maximum number of step "
                                                                    "records (max_history_rows)"}})
async def step_run(entry: EntryDep, body: Annotated[StepRequest | None, Body()] = None) -> Any:
    """Take n steps (every active racer); returns the step records and the new state."""
    steps = await entry.player.step((body or StepRequest.model_validate({})).n)
    # Sent as it is (documented by StepResult): validating up to 100,000 records again would only cost time.
    return await json_response({"steps": steps, "state": entry.player.state()})


@router.post("/{run_id}/reset", summary="Start again", response_model=RunState, response_model_exclude_unset=True)
async def reset_run(entry: EntryDep, body: Annotated[ResetRequest | None, Body()] = None) -> dict[str, Any]:
    """Start again from `params` (which become the start) or from the run's start; history is cleared."""
    await entry.player.reset((body or ResetRequest.model_validate({})).params)
    return entry.player.state()


@router.post("/{run_id}/racers", status_code=201, summary="Add a racer", response_model=RunState,
             response_model_exclude_unset=True)
async def add_racer(entry: EntryDep, body: Annotated[OptimizerSpec, Body()]) -> dict[str, Any]:
    """Add an optimiser to the run, starting at the run's start (its own t = 0)."""
    await entry.player.add_racer(body.model_dump(exclude_unset=True), field="")
    return entry.player.state()


@router.delete("/{run_id}/racers/{racer}", summary="Remove a racer", response_model=RunState,
               response_model_exclude_unset=True)
async def remove_racer(entry: EntryDep, racer: int) -> dict[str, Any]:
    """Remove racer `racer` (later racers move down one index); a run keeps at least one."""
    await entry.player.remove_racer(racer)
    return entry.player.state()


# ----- the data a problem was built from ----------------------------------------------------------------
def _line_data(problem: Problem) -> dict[str, Any]:
    data = problem.data  # type: ignore[attr-defined]
    return {"x": data.X[:, 0].tolist(), "y": data.y.tolist(), "columns": ["x", "y"]}


def _network_data(problem: Problem) -> dict[str, Any]:
    data = problem.data  # type: ignore[attr-defined]
    return {"train": {"X": data.train.X.tolist(), "y": data.train.y.tolist()},
            "test": {"X": data.test.X.tolist(), "y": data.test.y.tolist()},
            "task": data.task, "classes": data.classes, "inputs": data.inputs,
            "raw": {"train": data.raw_train.tolist(), "test": data.raw_test.tolist()},
            "columns": list(data.columns), "input_names": data.input_names}


DATA_VIEWS: dict[str, Callable[[Problem], dict[str, Any]]] = {
    "linear_regression": _line_data,
    "network": _network_data,
}


@router.get("/{run_id}/data", response_model=DataPoints | NetworkData, summary="The run's data points",
            responses=error_responses(409))
async def run_data(entry: EntryDep) -> Response:
    """Linear regression: the points, one list per column (x, y). Networks: the training and test sets
    ({X, y} each: inputs and labels or targets), the task, the number of classes and of inputs."""
    problem = entry.run.problem
    view = DATA_VIEWS.get(problem.kind)
    if view is None:
        raise RequestError((), f"a {problem.kind} problem has no data points", status_code=409)
    return await json_response(view(problem))


async def json_response(content: dict[str, Any]) -> Response:
    """Strict JSON, encoded in a worker thread when it carries many step records (the event loop stays free)."""
    text = await encode(content)
    return Response(text.encode("utf-8"), media_type="application/json")


# ----- history -----------------------------------------------------------------------------------------
@router.get(
    "/{run_id}/history",
    summary="The run's history as JSON or CSV",
    response_model=History,
    responses={200: {"content": {"text/csv": {}}, "description": "JSON {steps: [...]} or CSV"}},
)
async def history(
    entry: EntryDep,
    format: Annotated[Literal["json", "csv"], Query(description="json or csv")] = "json",
    racer: Annotated[int | None, Query(ge=0, description="one racer (default: all)")] = None,
) -> Any:
    """Every step record; CSV columns racer,t,theta1..thetaD,loss,grad_norm,lr (+ guess columns for random search)."""
    run = entry.run
    which = range(len(run.racers)) if racer is None else [racer]
    hists = [(i, run.racer(i).history) for i in which]  # 422 naming the racer when the run has none
    if format == "json":
        steps = await entry.player.history(list(which))
        return await json_response({"steps": steps})
    # Views of the filled rows: rows already written never change, so the stream is a consistent snapshot.
    return StreamingResponse(
        _csv_chunks([(i, h, _columns(h)) for i, h in hists], run.problem.dim),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="descent-{entry.id[:8]}-history.csv"'},
    )


def _columns(h: HistoryBuffer) -> dict[str, Any]:
    cols = {name: h.column(name) for name in ("t", "loss", "grad_norm", "lr")}
    if h.keep_params:
        cols["params"] = h.column("params")
    if h.guess is not None and h.guess_loss is not None:
        cols["guess"], cols["guess_loss"] = h.guess[: h.n], h.guess_loss[: h.n]
    return cols


def _cell(v: float) -> str:
    return repr(v) if math.isfinite(v) else ""


async def _csv_chunks(parts: list[tuple[int, HistoryBuffer, dict[str, Any]]], dim: int) -> AsyncIterator[str]:
    """CSV text in chunks of rows, yielding to the event loop between them."""
    params = all("params" in cols for _, _, cols in parts)
    guesses = any("guess" in cols for _, _, cols in parts)
    header = ["racer", "t"]
    header += [f"theta{j + 1}" for j in range(dim)] if params else []
    header += ["loss", "grad_norm", "lr"]
    header += [f"guess{j + 1}" for j in range(dim)] + ["guess_loss"] if guesses else []
    yield ",".join(header) + "\n"
    for i, _, cols in parts:
        n = len(cols["t"])
        for a in range(0, n, CSV_CHUNK):
            b = min(n, a + CSV_CHUNK)
            t, loss, gn, lr = (cols[k][a:b].tolist() for k in ("t", "loss", "grad_norm", "lr"))
            P = cols["params"][a:b].tolist() if params else None
            G = cols["guess"][a:b].tolist() if "guess" in cols else None
            GL = cols["guess_loss"][a:b].tolist() if "guess_loss" in cols else None
            lines = []
            for j in range(b - a):
                row = [str(i), str(t[j])]
                if P is not None:
                    row += [_cell(v) for v in P[j]]
                row += [_cell(loss[j]), _cell(gn[j]), _cell(lr[j])]
                if guesses:
                    row += [_cell(v) for v in G[j]] + [_cell(GL[j])] if G is not None and GL is not None else (
                        [""] * (dim + 1))
                lines.append(",".join(row))
            yield "\n".join(lines) + "\n"
            await asyncio.sleep(0)
