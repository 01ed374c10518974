"""One websocket session on a run, for every role: the owner's stream, a watch link's, a student's attempt.

Attach a client to the run's player (it gets its hello), then two tasks until the client leaves: the client's
sender (app/live/client.py) and a reader that checks each message (app/schemas_socket_in.py), puts it to the
role's rule and carries it out (app/live/handlers.py). A bad or refused message gets an `error` answer naming
the field and the message type; the connection stays open. Guests (watchers, students) never see the run id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from uvicorn.protocols.utils import ClientDisconnected
from websockets.exceptions import ConnectionClosed

from app.errors import RequestError, message_of
from app.limits import Throttle
from app.live.client import Client
from app.live.handlers import handle
from app.schemas_socket_in import CLIENT_MESSAGES, client_message
from app.schemas_socket_out import ErrorMsg
from app.settings import Settings
from app.store import Entry
from engine.settings import SettingsError

log = logging.getLogger(__name__)
KNOWN = ", ".join(CLIENT_MESSAGES)

# What a socket raises when its client has gone: Starlette's disconnect (it turns the server's OSError on a
# closed connection into one), uvicorn's ClientDisconnected (an OSError) and the websockets library's
# ConnectionClosed, and anyio's closed or broken streams (the test client's).
DISCONNECTS: tuple[type[BaseException], ...] = (
    WebSocketDisconnect, ClientDisconnected, ConnectionClosed, OSError,
    anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream,
)

Rule = Callable[[Any], str | None]  # the reason a message is refused, or None to carry it out


@dataclass(frozen=True)
class Role:
    """Who is on the socket: the owner (holds the run id) or a guest (a watcher, a student)."""

    name: str
    show_id: bool  # its messages carry the run id
    rule: Rule | None = None  # None: every message is carried out


OWNER = Role("owner", show_id=True)


def error(message: str, field: str | None = None, to: str | None = None) -> ErrorMsg:
    """{"type": "error", "message": ..., "field": ..., "to": the type of the message it answers}."""
    return ErrorMsg(message=message, field=field, to=to)


def parse(message: dict[str, Any], limit: int) -> tuple[Any, ErrorMsg | None]:
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


async def read_loop(ws: WebSocket, client: Client, entry: Entry, settings: Settings, role: Role) -> None:
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
            refused = role.rule(msg) if role.rule is not None else None
            if refused is not None:
                client.push(error(refused, "type", kind))
                continue
            entry.touch()
            await handle(msg, client, entry.player)
        except SettingsError as exc:
            client.push(error(str(exc), exc.field, kind))
        except RequestError as exc:  # a server limit (no room for more steps)
            client.push(error(exc.message, None, kind))
        except Exception as exc:  # a bug: say so and keep the connection (and the server) going
            log.exception("websocket message (%s) of run %s failed", role.name, entry.id[:8])
            client.push(error(f"internal error while handling this message ({type(exc).__name__})", None, kind))


async def serve(websocket: WebSocket, entry: Entry, settings: Settings, role: Role,
                joined: Callable[[Client], Awaitable[None] | None] | None = None,
                left: Callable[[Client], None] | None = None) -> None:
    """Attach a client of this role to the run, serve it until it leaves, detach it. `joined` runs after its
    hello, `left` after it is detached."""
    player = entry.player
    client = Client(websocket, player.feed, show_id=role.show_id)
    await player.attach(client)
    if joined is not None:
        done = joined(client)
        if done is not None:
            await done
    sender = asyncio.create_task(client.send_loop())
    reader = asyncio.create_task(read_loop(websocket, client, entry, settings, role))
    try:
        finished, _ = await asyncio.wait({sender, reader}, return_when=asyncio.FIRST_COMPLETED)
        for task in finished:
            exc = task.exception()
            if exc is not None and not isinstance(exc, DISCONNECTS):
                log.error("websocket (%s) of run %s failed", role.name, entry.id[:8], exc_info=exc)
    finally:
        sender.cancel()
        reader.cancel()
        player.detach(client)
        if left is not None:
            left(client)
        entry.touch()
    if websocket.application_state == WebSocketState.CONNECTED and websocket.client_state == WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):  # the sender failed (not the client leaving): close, unless the
            await websocket.close(1011, "internal error")  # client went away meanwhile
