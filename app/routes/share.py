"""A run as a document: its replay config (for share links), a JSON export, and an import that replays one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from app.deps import EntryDep, SettingsDep, StoreDep
from app.errors import dumps
from app.limits import OwnerDep
from app.live.replays import check_events, config_of, replay_document
from app.live.stepping import encode, records_between
from app.schemas import RunState
from app.schemas_saved import FORMAT, VERSION, ImportRun, RunConfig, RunExport, error_responses

router = APIRouter(prefix="/api/runs", tags=["share"], responses=error_responses(400, 401, 404, 413))


@router.get("/{run_id}/config", response_model=RunConfig, summary="What rebuilds the run (for a share link)",
            responses=error_responses(409))
async def run_config(entry: EntryDep, settings: SettingsDep) -> dict[str, Any]:
    """{config, events, clock}: POST /api/runs/import with it replays the run to the same numbers."""
    check_events(entry.run.changes, settings, ())
    return config_of(entry.run)


@router.get(
    "/{run_id}/export",
    response_model=RunExport,
    summary="The run as a JSON document",
    responses={**error_responses(409), 200: {"description": "the document, as an attachment"}},
)
async def export_run(
    entry: EntryDep, settings: SettingsDep,
    history: Annotated[bool, Query(description="include every step record (false: config and state only)")] = True,
) -> Response:
    """{format, version, config, events, clock, state, history}: importable (POST /api/runs/import)."""
    check_events(entry.run.changes, settings, ())
    run = entry.run
    async with entry.player.lock:  # state, history and clock from the same moment
        head = {"format": FORMAT, "version": VERSION, **config_of(run), "state": entry.player.state()}
        counts = [r.history.n for r in run.racers] if history else [0] * len(run.racers)
        steps = await records_between(run, [0] * len(counts), counts)
    text = dumps(head)[:-1] + ',"history":' + await encode({"steps": steps}) + "}"
    return Response(text.encode("utf-8"), media_type="application/json", headers={
        "content-disposition": f'attachment; filename="descent-{entry.id[:8]}.json"'})


@router.post("/import", status_code=201, response_model=RunState, response_model_exclude_unset=True,
             summary="Replay a run document into a new run", responses=error_responses(429, 503))
async def import_run(
    request: Request, doc: ImportRun, store: StoreDep, settings: SettingsDep, owner: OwnerDep
) -> dict[str, Any]:
    """Build the document's config, replay its events to its clock: the same numbers as the run exported."""
    store.check_room(owner)  # before the replay's work
    run = await replay_document(request.app.state, doc, settings)
    return store.add(run, owner).player.state()
