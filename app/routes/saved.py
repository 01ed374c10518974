"""Saved runs: save a live run under a name, list, read, reopen (replayed to the same numbers) and delete.

Saved runs outlive the server (SQLite under DESCENT_DATA_DIR, or PostgreSQL at DESCENT_STORE_URL). The list
shows the runs this client (IP address) saved; a saved run's id, like a run's, is the capability to it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.requests import HTTPConnection

from app.deps import EntryDep, SettingsDep, StoreDep
from app.errors import RequestError, dotted, validation_detail
from app.limits import OwnerDep
from app.live.replays import record_of, replay_document
from app.saved import SavedFull, SavedStore, now_iso
from app.schemas import RunState
from app.schemas_saved import ImportRun, SavedRecord, SavedRun, SaveRequest, error_responses

router = APIRouter(prefix="/api", tags=["saved"], responses=error_responses(400, 401, 404, 413))
SavedId = Annotated[str, Path(max_length=200, description="the saved run's id (from POST /api/runs/{id}/save)")]


async def get_saved(conn: HTTPConnection) -> SavedStore:
    """The app's store of saved runs."""
    saved: SavedStore = conn.app.state.saved
    return saved


SavedDep = Annotated[SavedStore, Depends(get_saved)]


async def saved_record(sid: SavedId, saved: SavedDep) -> dict[str, Any]:
    """The saved run named in the path; 404 naming the id when there is none."""
    record = await run_in_threadpool(saved.get, sid)
    if record is None:
        raise RequestError(("path", "sid"), f"no saved run with id {sid[:80]!r}", status_code=404)
    return record


RecordDep = Annotated[dict[str, Any], Depends(saved_record)]


@router.post("/runs/{run_id}/save", status_code=201, response_model=SavedRun, summary="Save a run under a name",
             responses=error_responses(409, 429, 503))
async def save_run(entry: EntryDep, body: SaveRequest, saved: SavedDep, settings: SettingsDep,
                   owner: OwnerDep) -> dict[str, Any]:
    """Keep the run's config, live changes and clock (not its history: reopening replays it) under `name`."""
    record = {"created": now_iso(), **record_of(entry, settings)}
    try:
        sid = await run_in_threadpool(saved.save, body.name, record, owner)
    except SavedFull as exc:
        raise RequestError((), str(exc), status_code=exc.status) from None
    return {"id": sid, "name": body.name, **{k: record[k] for k in ("created", "kind", "t")}}


@router.get("/saved", response_model=list[SavedRun], summary="List saved runs")
async def list_saved(saved: SavedDep, owner: OwnerDep) -> list[dict[str, Any]]:
    """The runs this client saved, newest first."""
    return await run_in_threadpool(saved.list, owner)


@router.get("/saved/{sid}", response_model=SavedRecord, summary="A saved run")
async def get_saved_run(record: RecordDep) -> dict[str, Any]:
    """{id, name, created, kind, t, config, events, clock, summary}."""
    return record


@router.post("/saved/{sid}/open", status_code=201, response_model=RunState, response_model_exclude_unset=True,
             summary="Reopen a saved run as a new live run", responses=error_responses(409, 429, 503))
async def open_saved(request: Request, record: RecordDep, store: StoreDep, settings: SettingsDep,
                     owner: OwnerDep) -> dict[str, Any]:
    """Replay the saved config and live changes to the saved clock: the same numbers as when it was saved."""
    store.check_room(owner)
    try:
        doc = ImportRun.model_validate({k: record.get(k) for k in ("config", "events", "clock")})
        run = await replay_document(request.app.state, doc, settings)
    except ValidationError as exc:
        first = validation_detail(exc.errors(include_url=False), record)[0]
        raise RequestError((), f"this saved run cannot be opened on this server: {first['msg']}", 409) from None
    except RequestError as exc:
        if exc.status_code != 422:
            raise
        name = dotted(exc.loc)
        raise RequestError((), f"this saved run cannot be opened on this server: {name}: {exc.message}",
                           409) from None
    return store.add(run, owner).player.state()


@router.delete("/saved/{sid}", status_code=204, response_class=Response, summary="Delete a saved run")
async def delete_saved(sid: SavedId, saved: SavedDep) -> Response:
    """Forget the saved run (live runs opened from it stay)."""
    if not await run_in_threadpool(saved.delete, sid):
        raise RequestError(("path", "sid"), f"no saved run with id {sid[:80]!r}", status_code=404)
    return Response(status_code=204)
