"""The websocket /api/runs/{id}/stream: watch a run live and drive it, as its owner.

Accept; the session itself (messages read, checked and carried out by a table from type to handler, bad ones
answered with {"type": "error", ...}) is app/live/socket_loop.py, which watch links and attempts share. The
socket is closed with 1008 only when the connection itself is invalid (no such run; a wrong token).
"""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from app.live.client import Client
from app.live.socket_loop import OWNER, serve
from app.settings import Settings
from app.store import Store

router = APIRouter()


@router.websocket("/api/runs/{run_id}/stream")
async def stream(websocket: WebSocket, run_id: str) -> None:
    """Watch and drive a run: hello, then frames, status, reset and error messages (see the README)."""
    store: Store = websocket.app.state.store
    settings: Settings = websocket.app.state.settings
    await websocket.accept()
    entry = store.find(run_id)
    if entry is None:
        await websocket.close(1008, f"no run with id {run_id[:40]!r}")
        return
    entry.touch()

    def joined(client: Client) -> None:
        websocket.app.state.classroom.broadcasts.greet(entry, client)  # how many watch, when it is broadcast
        if store.find(run_id) is not entry:  # deleted while this client was joining
            client.close(1000, "run deleted")

    await serve(websocket, entry, settings, OWNER, joined=joined)
