"""The asyncio client: `AsyncClient(url, token)` and its `AsyncRun`s, the same operations as descent/client.py
awaited (httpx.AsyncClient), and `async for frame in run.stream(speed=500)`."""

from __future__ import annotations

from typing import Any

import httpx

from descent.base import ClientOps, RunOps, Then, answer
from descent.classroom import AsyncAttempt, AsyncChallenge, AsyncWatched
from descent.client import DEFAULT_URL, auth_headers, request_args
from descent.errors import check
from descent.stream import AsyncStream


class AsyncClient(ClientOps):
    """A Descent server, for asyncio code (every operation is awaited)."""

    def __init__(self, base_url: str = DEFAULT_URL, token: str | None = None, timeout: float = 60.0,
                 **httpx_options: Any):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.http = httpx.AsyncClient(base_url=self.base_url, headers=auth_headers(token), timeout=timeout,
                                      **httpx_options)

    async def _call(self, op_id: str, *, path: dict[str, Any] | None = None, json: Any = None,
                    params: dict[str, Any] | None = None, raw: bool = False, then: Then = None) -> Any:
        method, url, query = request_args(op_id, path, params)
        return answer(op_id, check(await self.http.request(method, url, json=json, params=query)), raw, then)

    def _run(self, state: Any) -> AsyncRun:
        return AsyncRun(self, state)

    async def run(self, run_id: str) -> AsyncRun:
        """A run already on the server, by its id."""
        run = AsyncRun(self, None, run_id)
        await run.refresh()
        return run

    async def watch(self, token: str) -> AsyncWatched:
        """A broadcast run by its watch token (read-only)."""
        watched = AsyncWatched(self, token)
        await watched.refresh()
        return watched

    async def challenge(self, cid: str, key: str | None = None) -> AsyncChallenge:
        """A class challenge by its id."""
        found = AsyncChallenge(self, cid, key)
        await found.refresh()
        return found

    def _challenge(self, cid: str, key: str | None) -> AsyncChallenge:
        return AsyncChallenge(self, cid, key)

    def _attempt(self, aid: str, info: dict[str, Any]) -> AsyncAttempt:
        return AsyncAttempt(self, aid, info)

    async def lesson(self, lesson_id: str) -> AsyncRun:
        """A new run from one of the lessons."""
        lessons = await self.lessons()
        for lesson in lessons:
            if lesson.id == lesson_id:
                run: AsyncRun = await self.create(lesson.spec)
                run.lesson = lesson
                return run
        raise KeyError(f"no lesson {lesson_id!r} (known: {', '.join(lesson.id for lesson in lessons)})")

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self.http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()


class AsyncRun(RunOps):
    """One run on the server, for asyncio code. `run.state` is the state as of the last answer or frame;
    `await run.refresh()` asks the server."""

    def __init__(self, client: AsyncClient, state: Any, run_id: str | None = None):
        self.client = client
        self._state = state
        self.id = run_id or state.id
        self.lesson: Any = None

    def _client_call(self, op_id: str, **kwargs: Any) -> Any:
        return self.client._call(op_id, **kwargs)

    @property
    def state(self) -> Any:
        """The state as of the last answer or frame (no request)."""
        return self._state

    def stream(self, speed: float | None = None, subscribe: dict[str, Any] | None = None) -> AsyncStream:
        """`async for frame in run.stream(speed=500): ...` (see descent/stream.py)."""
        return AsyncStream(self, speed, subscribe)

    def __repr__(self) -> str:
        return f"<AsyncRun {self.id[:8]} {getattr(self._state, 'status', '?')}>"
