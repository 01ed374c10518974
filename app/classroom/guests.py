"""A guest's websocket session on a run: the owner's stream, minus the run id, and only the messages allowed.

Watchers may only `subscribe` and `ping`; students in a challenge may also drive their own run within the
challenge's rules. What a guest may not send is refused with an `error` message naming it (the connection stays
open), by the server, whatever the page does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.websockets import WebSocket, WebSocketState

from app.errors import RequestError
from app.limits import Throttle
from app.live.client import Client
from app.live.player import Player
from app.routes.stream import _disconnect, error, handle, parse
from app.settings import Settings
from app.store import Entry
from engine.settings import SettingsError

log = logging.getLogger(__name__)

# A guest's rule: the reason a message is refused, or None to carry it out.
Rule = Callable[[Any], str | None]


class GuestClient(Client):
    """A client that never sees the run's id (every `state` it is sent goes without it)."""

    def _queue(self, msg: dict[str, Any]) -> None:
        super()._queue(without_id(msg))

    def take_frame(self, cap: int | None = None) -> dict[str, Any]:
        """The owner's frame, without the run id."""
        return without_id(super().take_frame(cap))


def without_id(msg: dict[str, Any]) -> dict[str, Any]:
    """The message with its `state` stripped of the run id (a shallow copy; the player's cache is untouched)."""
    state = msg.get("state")
    if isinstance(state, dict) and "id" in state:
        return {**msg, "state": {k: v for k, v in state.items() if k != "id"}}
    return msg


def watcher_rule(msg: Any) -> str | None:
    """Watchers look, never touch."""
    if msg.type in ("subscribe", "ping"):
        return None
    return (f"a watch link cannot {msg.type} the run: only its owner can change it (fork it to get a run "
            f"of your own: POST /api/watch/{{token}}/fork)")


async def read_loop(ws: WebSocket, client: Client, entry: Entry, settings: Settings, rule: Rule) -> None:
    """As the owner's read loop (app/routes/stream.py), with each message first put to the guest's rule."""
    throttle = Throttle(settings.max_messages_per_second)
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        await client.room.wait()
        await throttle.wait()
        kind = None
        try:
            msg, problem = parse(dict(message), settings.max_message_bytes)
            if problem is not None:
                client.push(problem)
                continue
            kind = msg.type
            refused = rule(msg)
            if refused is not None:
                client.push(error(refused, "type", kind))
                continue
            entry.touch()
            await handle(msg, client, entry.player)
        except SettingsError as exc:
            client.push(error(str(exc), exc.field, kind))
        except RequestError as exc:
            client.push(error(exc.message, None, kind))
        except Exception as exc:  # a bug: say so and keep the connection going
            log.exception("guest message of run %s failed", entry.id[:8])
            client.push(error(f"internal error while handling this message ({type(exc).__name__})", None, kind))


async def serve(websocket: WebSocket, entry: Entry, settings: Settings, rule: Rule,
                joined: Callable[[GuestClient], Awaitable[None] | None] | None = None,
                left: Callable[[GuestClient], None] | None = None) -> None:
    """Attach a guest to the run, serve it until it leaves, detach it. `joined` runs after its hello."""
    player: Player = entry.player
    client = GuestClient(websocket, player)
    await player.attach(client)
    if joined is not None:
        done = joined(client)
        if done is not None:
            await done
    sender = asyncio.create_task(client.send_loop())
    reader = asyncio.create_task(read_loop(websocket, client, entry, settings, rule))
    try:
        finished, _ = await asyncio.wait({sender, reader}, return_when=asyncio.FIRST_COMPLETED)
        for task in finished:
            exc = task.exception()
            if exc is not None and not _disconnect(exc):
                log.error("guest websocket of run %s failed", entry.id[:8], exc_info=exc)
    finally:
        sender.cancel()
        reader.cancel()
        player.detach(client)
        if left is not None:
            left(client)
        entry.touch()
    if websocket.application_state == WebSocketState.CONNECTED and websocket.client_state == WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):  # the client went away meanwhile
            await websocket.close(1011, "internal error")
