"""A run over its websocket, /api/runs/{id}/stream: frames as the server sends them, blocking or asyncio.

Iterating yields every message that carries steps, as the server sent it (plain dicts: `hello` first, then
`frame`s, and `reset` when the run starts again), each with `steps` (the step records since the last) and
`state`. The stream ends when the run stops playing: once `play` was sent, at the first `status` that is not
"running" (every step taken before it has arrived by then); without a speed, after the hello when the run is
not playing. An `error` message raises DescentError. Leaving the loop closes the socket (the server pauses a
run when its last watcher leaves). A watched run's stream (descent/classroom.py) ends only when the broadcast
does (its `closing` message) or the loop is left.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

from descent.errors import DescentError
from descent.ops import OPERATIONS

STEP_MESSAGES = ("hello", "frame", "reset")
RunState = OPERATIONS["get_run_api_runs__run_id__get"].answer


def ws_url(base_url: str, run_id: str, path: str | None = None) -> str:
    """ws(s)://host/api/runs/{id}/stream (or `path`: a watched run's, an attempt's) for an http(s) base URL."""
    base = base_url.rstrip("/")
    scheme, _, rest = base.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}{path or f'/api/runs/{run_id}/stream'}"


def url_of(run: Any) -> str:
    """The websocket URL of a Run, a watched run or an attempt (which name their own `stream_path`)."""
    return ws_url(run.client.base_url, getattr(run, "id", ""), getattr(run, "stream_path", None))


class Ending:
    """Reads the server's messages: which to yield, when the stream is over, which raise."""

    def __init__(self, run: Any, speed: float | None, watch: bool = False):
        self.run = run
        self.playing_asked = speed is not None
        self.watch = watch  # a watcher follows the broadcast until it ends (`closing`) or the loop is left
        self.done = False

    def feed(self, text: str | bytes) -> dict[str, Any] | None:
        """The message to yield (or None); sets `done` when the stream is over."""
        msg = json.loads(text)
        kind = msg.get("type")
        if kind == "error":
            raise DescentError.from_message(msg)
        if isinstance(msg.get("state"), dict):  # a guest's state has no run id: kept as the server sent it
            guest = "id" not in msg["state"]
            self.run._state = msg["state"] if guest else RunState.model_validate(msg["state"])
        if kind == "closing":
            self.done = True
        elif self.watch:  # the owner plays, pauses and plays again: a watcher stays until the broadcast ends
            return msg if kind in STEP_MESSAGES else None
        elif kind == "hello" and not self.playing_asked and msg["state"].get("status") != "running":
            self.done = True
        elif kind == "status" and msg.get("status") != "running":
            self.done = True
        return msg if kind in STEP_MESSAGES else None


def _message(kind: str, **fields: Any) -> str:
    return json.dumps({"type": kind, **{k: v for k, v in fields.items() if v is not None}})


class Stream:
    """A blocking websocket to a run (websockets' sync client): iterate for frames; play, pause, set, step."""

    def __init__(self, run: Any, speed: float | None = None, subscribe: dict[str, Any] | None = None,
                 watch: bool = False):
        from websockets.sync.client import connect

        self.run = run
        self.speed = speed
        # Entered as a context manager, as websockets asks from version 17 on (and older versions allow).
        self.ws = connect(url_of(run), additional_headers=run.client.auth_headers(),
                          max_size=None, open_timeout=run.client.timeout).__enter__()
        self.ending = Ending(run, speed, watch)
        if subscribe:
            self.send("subscribe", **subscribe)

    def send(self, kind: str, **fields: Any) -> None:
        """Send one client message, e.g. send("set", optimizer={"lr": 0.5}) (see the README's list)."""
        self.ws.send(_message(kind, **fields))

    def play(self, speed: float) -> None:
        """Play at `speed` steps per second (the stream then ends when the run stops)."""
        self.ending.playing_asked = True
        self.send("play", speed=speed)

    def pause(self) -> None:
        """Pause the run (the stream ends at the status that says so)."""
        self.send("pause")

    def set(self, optimizer: dict[str, Any] | None = None, stop: dict[str, Any] | None = None,
            racer: int | None = None, **optimizer_fields: Any) -> None:
        """Change settings live (`set(lr=0.05)`): the first step after it arrives uses them."""
        self.send("set", optimizer={**(optimizer or {}), **optimizer_fields} or None, stop=stop, racer=racer)

    def step(self, n: int = 1) -> None:
        """Take n steps now."""
        self.send("step", n=n)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        try:
            first = True
            while not self.ending.done:
                msg = self.ending.feed(self.ws.recv())
                if first and self.speed is not None:  # after the hello: the steps so far come first
                    self.play(self.speed)
                first = False
                if msg is not None:
                    yield msg
        finally:
            self.close()

    def close(self) -> None:
        """Close the socket."""
        self.ws.close()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class AsyncStream:
    """The same over asyncio (websockets' asyncio client): `async for frame in run.stream(speed=500)`."""

    def __init__(self, run: Any, speed: float | None = None, subscribe: dict[str, Any] | None = None,
                 watch: bool = False):
        self.run = run
        self.speed = speed
        self.subscribe = subscribe
        self.ws: Any = None
        self.ending = Ending(run, speed, watch)

    async def open(self) -> AsyncStream:
        """Connect (done by the first iteration or `async with` when not called)."""
        if self.ws is None:
            from websockets.asyncio.client import connect

            self.ws = await connect(url_of(self.run),
                                    additional_headers=self.run.client.auth_headers(), max_size=None,
                                    open_timeout=self.run.client.timeout)
            if self.subscribe:
                await self.send("subscribe", **self.subscribe)
        return self

    async def send(self, kind: str, **fields: Any) -> None:
        """Send one client message."""
        await self.open()
        await self.ws.send(_message(kind, **fields))

    async def play(self, speed: float) -> None:
        """Play at `speed` steps per second."""
        self.ending.playing_asked = True
        await self.send("play", speed=speed)

    async def pause(self) -> None:
        """Pause the run."""
        await self.send("pause")

    async def set(self, optimizer: dict[str, Any] | None = None, stop: dict[str, Any] | None = None,
                  racer: int | None = None, **optimizer_fields: Any) -> None:
        """Change settings live."""
        await self.send("set", optimizer={**(optimizer or {}), **optimizer_fields} or None, stop=stop, racer=racer)

    async def step(self, n: int = 1) -> None:
        """Take n steps now."""
        await self.send("step", n=n)

    async def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        await self.open()
        try:
            first = True
            while not self.ending.done:
                msg = self.ending.feed(await self.ws.recv())
                if first and self.speed is not None:
                    await self.play(self.speed)
                first = False
                if msg is not None:
                    yield msg
        finally:
            await self.close()

    async def close(self) -> None:
        """Close the socket."""
        if self.ws is not None:
            await self.ws.close()

    async def __aenter__(self) -> AsyncStream:
        return await self.open()

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()
