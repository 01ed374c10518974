"""Watch links and forks: broadcast a run, watch it read-only over its own token, fork it into a run of your own.

The owner (who holds the run id) starts, reads and ends a broadcast under /api/runs/{id}/watch; a watcher
holds only the watch token: /api/watch/{token} (the name, how many watch, the state without the run id), its
websocket /api/watch/{token}/stream (every frame, status, reset and racers message; control refused), the
run's read-only views (/api/watch/{token}/surface ...: app/classroom/views.py) and a fork.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Response, WebSocket
from starlette.requests import HTTPConnection

from app.classroom.roles import WATCHER, without_id
from app.classroom.room import Classroom
from app.deps import EntryDep, StoreDep
from app.errors import RequestError
from app.limits import OwnerDep
from app.live.socket_loop import serve
from app.schemas import RunState
from app.schemas_classroom import Watched, WatchInfo, WatchRequest, error_responses
from app.settings import Settings
from app.store import Entry, Store
from engine.fork import fork

router = APIRouter(prefix="/api", tags=["classroom"], responses=error_responses(400, 401, 404, 413))
Token = Annotated[str, Path(max_length=100, description="the watch token (from POST /api/runs/{id}/watch)")]


async def get_classroom(conn: HTTPConnection) -> Classroom:
    """The app's classroom (broadcasts and challenges)."""
    classroom: Classroom = conn.app.state.classroom
    return classroom


ClassroomDep = Annotated[Classroom, Depends(get_classroom)]


@router.post("/runs/{run_id}/watch", status_code=201, response_model=WatchInfo, summary="Broadcast a run")
async def start_watch(entry: EntryDep, classroom: ClassroomDep,
                      body: Annotated[WatchRequest | None, Body()] = None) -> dict[str, Any]:
    """A watch token for the run (the same one while the broadcast lasts): it shows the run, never changes it."""
    return classroom.broadcasts.start(entry, (body or WatchRequest.model_validate({})).name).info()


@router.get("/runs/{run_id}/watch", response_model=WatchInfo, summary="The run's broadcast")
async def read_watch(entry: EntryDep, classroom: ClassroomDep) -> dict[str, Any]:
    """Its token, name and how many watch now; 404 when the run is not broadcast."""
    b = classroom.broadcasts.of_run(entry.id)
    if b is None:
        raise RequestError(("path", "run_id"), "this run is not broadcast (POST /api/runs/{id}/watch)", 404)
    return b.info()


@router.delete("/runs/{run_id}/watch", status_code=204, response_class=Response, summary="End the broadcast")
async def end_watch(entry: EntryDep, classroom: ClassroomDep) -> Response:
    """Every watcher gets {"type": "closing"} and its socket closes; the watch token stops working."""
    if not classroom.broadcasts.end(entry.id):
        raise RequestError(("path", "run_id"), "this run is not broadcast", 404)
    return Response(status_code=204)


@router.get("/watch/{token}", response_model=Watched, summary="What a watch link shows")
async def watched(token: Token, classroom: ClassroomDep) -> dict[str, Any]:
    """The broadcast's name, how many watch, and the run's state (without the run id)."""
    b, entry = classroom.broadcasts.find(token)
    return {"name": b.name, "watchers": len(b.watchers), "live": True,
            "state": without_id({"state": entry.player.state()})["state"]}


async def fork_entry(entry: Entry, store: Store, owner: str) -> dict[str, Any]:
    """A new run of `owner`'s in the exact state of the entry's run (not playing)."""
    store.check_room(owner)
    async with entry.player.lock:  # never between two steps of a tick
        twin = fork(entry.run)
    return store.add(twin, owner).player.state()


FORK_RESPONSES = error_responses(429, 503)


@router.post("/watch/{token}/fork", status_code=201, response_model=RunState, response_model_exclude_unset=True,
             summary="Fork a watched run", responses=FORK_RESPONSES)
async def fork_watched(token: Token, classroom: ClassroomDep, store: StoreDep, owner: OwnerDep) -> dict[str, Any]:
    """A run of your own from the watched run's configuration and current state (θ, optimiser state, t, the
    sampler's random state): played on, it gives exactly what the original would have."""
    _, entry = classroom.broadcasts.find(token)
    return await fork_entry(entry, store, owner)


@router.post("/runs/{run_id}/fork", status_code=201, response_model=RunState, response_model_exclude_unset=True,
             summary="Fork a run", responses=FORK_RESPONSES)
async def fork_run(entry: EntryDep, store: StoreDep, owner: OwnerDep) -> dict[str, Any]:
    """As POST /api/watch/{token}/fork, from a run you hold."""
    return await fork_entry(entry, store, owner)


@router.websocket("/watch/{token}/stream")
async def watch_stream(websocket: WebSocket, token: str) -> None:
    """Watch a broadcast run: hello, frames, status, reset, racers, watchers; control messages are refused."""
    classroom: Classroom = websocket.app.state.classroom
    settings: Settings = websocket.app.state.settings
    await websocket.accept()
    try:
        b, entry = classroom.broadcasts.find(token)
        classroom.broadcasts.check_room(b)
    except RequestError as exc:
        await websocket.close(1008, exc.message[:120])
        return
    entry.touch()
    await serve(websocket, entry, settings, WATCHER,
                joined=lambda c: classroom.broadcasts.joined(b, c), left=lambda c: classroom.broadcasts.left(b, c))
