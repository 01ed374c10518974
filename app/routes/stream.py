"""The websocket /api/runs/{id}/stream: watch a run live and drive it.

Accept; loop over messages; answer a bad one with {"type": "error", ...} and keep going. The socket is
closed with 1008 only when the connection itself is invalid (no such run; a wrong token).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import APIRouter, WebSocket
from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnect, WebSocketState

from app.client import Client
from app.errors import RequestError, message_of
from app.limits import Throttle
from app.netedit import edit_weight
from app.player import Player
from app.schemas import (
    CLIENT_MESSAGES,
    AddRacerMsg,
    PauseMsg,
    PingMsg,
    PlayMsg,
    RemoveRacerMsg,
    ResetMsg,
    SetMsg,
    SetWeightMsg,
    StepMsg,
    SubscribeMsg,
    client_message,
    dump,
)
from app.settings import Settings
from app.store import Entry, Store
from engine.settings import SettingsError

log = logging.getLogger(__name__)
router = APIRouter()
KNOWN = ", ".join(CLIENT_MESSAGES)


def error(message: str, field: str | None = None, to: str | None = None) -> dict[str, Any]:
    """{"type": "error", "message": ..., "field": ..., "to": the type of the message it answers}."""
    return {"type": "error", "message": message, "field": field, "to": to}


def parse(message: dict[str, Any], limit: int) -> tuple[Any, dict[str, Any] | None]:
    """A client message -> (validated model, None) or (None, error message)."""
    text = message.get("text")
    if text is None:
        return None, error("binary messages are not accepted: send JSON text")
    if len(text) > limit or (len(text) * 4 > limit and len(text.encode("utf-8")) > limit):
        return None, error(f"message too large: {len(text.encode('utf-8')):,} bytes (at most {limit:,})")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return None, error(f"malformed JSON: {exc}")
    if not isinstance(data, dict):
        return None, error('a message must be a JSON object with a "type"', "type")
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in CLIENT_MESSAGES:
        what = ("missing" if kind is None else f"unknown type {kind[:40]!r}" if isinstance(kind, str)
                else f"must be a string, got {json.dumps(kind)[:40]}")
        return None, error(f"type: {what} (known: {KNOWN})", "type")
    try:
        return client_message.validate_python(data), None
    except ValidationError as exc:
        field, text = message_of(exc, data)
        return None, error(text, field, kind)


async def handle(msg: Any, client: Client, player: Player) -> None:
    """Carry out one valid client message."""
    if isinstance(msg, PlayMsg | PauseMsg):
        before = player.status_count
        if isinstance(msg, PlayMsg):
            player.play(msg.speed)
        else:
            player.pause()
        if player.status_count == before:  # nothing changed (already paused, or finished): say where it is
            client.push(player.status_message(), flush=True)
    elif isinstance(msg, StepMsg):
        await player.step(msg.n)
    elif isinstance(msg, SetMsg):
        await player.set(dump(msg.optimizer), dump(msg.stop), msg.racer)
    elif isinstance(msg, ResetMsg):
        await player.reset(msg.params)
    elif isinstance(msg, AddRacerMsg):
        await player.add_racer(msg.racer.model_dump(exclude_unset=True), field="racer")
    elif isinstance(msg, RemoveRacerMsg):
        await player.remove_racer(msg.racer)
    elif isinstance(msg, SubscribeMsg):
        client.push(client.subscribe(msg))
        player.subscribed(client)
    elif isinstance(msg, SetWeightMsg):
        await edit_weight(player, msg)
    elif isinstance(msg, PingMsg):
        client.push({"type": "pong"}, flush=True)  # a barrier: every step taken before the ping precedes it


async def read_loop(ws: WebSocket, client: Client, entry: Entry, settings: Settings) -> None:
    """Receive, check and carry out client messages, one at a time, until the client leaves."""
    throttle = Throttle(settings.max_messages_per_second)
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        await client.room.wait()  # a client that does not read its answers is not read either
        await throttle.wait()  # nor one that floods: it is read at max_messages_per_second (TCP pushes back)
        kind = None
        try:
            msg, problem = parse(dict(message), settings.max_message_bytes)
            if problem is not None:
                client.push(problem)
                continue
            kind = msg.type
            entry.touch()
            await handle(msg, client, entry.player)
        except SettingsError as exc:
            client.push(error(str(exc), exc.field, kind))
        except RequestError as exc:  # a server limit (no room for more steps)
            client.push(error(exc.message, None, kind))
        except Exception as exc:  # a bug: say so and keep the connection (and the server) going
            log.exception("websocket message of run %s failed", entry.id[:8])
            client.push(error(f"internal error while handling this message ({type(exc).__name__})", None, kind))


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
    client = Client(websocket, entry.player)
    await entry.player.attach(client)
    websocket.app.state.classroom.broadcasts.greet(entry, client)  # how many watch, when the run is broadcast
    if store.find(run_id) is not entry:  # deleted while this client was joining
        client.close(1000, "run deleted")
    sender = asyncio.create_task(client.send_loop())
    reader = asyncio.create_task(read_loop(websocket, client, entry, settings))
    try:
        done, _ = await asyncio.wait({sender, reader}, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            exc = task.exception()
            if exc is not None and not _disconnect(exc):
                log.error("websocket of run %s failed", run_id[:8], exc_info=exc)
    finally:
        sender.cancel()
        reader.cancel()
        entry.player.detach(client)
        entry.touch()
    if websocket.application_state == WebSocketState.CONNECTED and websocket.client_state == WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):  # the sender failed (not the client leaving): close, unless the
            await websocket.close(1011, "internal error")  # client went away meanwhile


def _disconnect(exc: BaseException) -> bool:
    """An error that only means the client went away."""
    names = {"ClientDisconnected", "ConnectionClosed", "ConnectionClosedOK", "ConnectionClosedError",
             "ClosedResourceError", "BrokenResourceError", "EndOfStream"}
    return isinstance(exc, WebSocketDisconnect | OSError | ConnectionError) or type(exc).__name__ in names
