"""The blocking client: `Client(url, token)` and its `Run`s, over httpx (REST) and websockets (the stream).

    from descent import Client
    c = Client("http://127.0.0.1:8000")
    run = c.create(problem={"kind": "surface", "name": "rosenbrock"}, optimizer={"name": "adam", "lr": 0.05})
    run.step(100); run.set(lr=0.5); run.history()
    for frame in run.stream(speed=500): print(frame["state"]["t"])

Answers are the server's own pydantic models (app/schemas*.py) as listed in descent/ops.py; errors raise
DescentError with the field and the message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from descent.base import ClientOps, RunOps, Then, answer
from descent.classroom import Attempt, Challenge, Watched
from descent.errors import check
from descent.ops import OPERATIONS
from descent.stream import Stream

DEFAULT_URL = "http://127.0.0.1:8000"


def request_args(op_id: str, path: dict[str, Any] | None, params: dict[str, Any] | None) -> tuple[str, str, dict]:
    """(method, url path, query) of one operation: path parameters filled in, None values left out."""
    op = OPERATIONS[op_id]
    url = op.path.format(**{k: quote(str(v), safe="") for k, v in (path or {}).items()})
    query = {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in (params or {}).items() if v is not None}
    return op.method, url, query


def auth_headers(token: str | None) -> dict[str, str]:
    """The Authorization header for a server started with DESCENT_API_TOKEN."""
    return {"Authorization": f"Bearer {token}"} if token else {}


class Client(ClientOps):
    """A Descent server: create, list and reopen runs; lessons, saved runs, the registry and health."""

    def __init__(self, base_url: str = DEFAULT_URL, token: str | None = None, timeout: float = 60.0,
                 **httpx_options: Any):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.http = httpx.Client(base_url=self.base_url, headers=auth_headers(token), timeout=timeout,
                                 **httpx_options)

    def _call(self, op_id: str, *, path: dict[str, Any] | None = None, json: Any = None,
              params: dict[str, Any] | None = None, raw: bool = False, then: Then = None) -> Any:
        method, url, query = request_args(op_id, path, params)
        return answer(op_id, check(self.http.request(method, url, json=json, params=query)), raw, then)

    def _run(self, state: Any) -> Run:
        return Run(self, state)

    def run(self, run_id: str) -> Run:
        """A run already on the server, by its id."""
        run = Run(self, None, run_id)
        run.refresh()
        return run

    def watch(self, token: str) -> Watched:
        """A broadcast run by its watch token (read-only: `state`, `stream()`, `fork()`)."""
        watched = Watched(self, token)
        watched.refresh()
        return watched

    def challenge(self, cid: str, key: str | None = None) -> Challenge:
        """A class challenge by its id (the join link): `board()`, `join(name=..., lr=...)`, `paths(ids)` with
        the teacher's `key`."""
        found = Challenge(self, cid, key)
        found.refresh()
        return found

    def _challenge(self, cid: str, key: str | None) -> Challenge:
        return Challenge(self, cid, key)

    def _attempt(self, aid: str, info: dict[str, Any]) -> Attempt:
        return Attempt(self, aid, info)

    def lesson(self, lesson_id: str) -> Run:
        """A new run from one of the lessons (`c.lesson("lr-too-big")`); its caption is `run.lesson.caption`."""
        for lesson in self.lessons():
            if lesson.id == lesson_id:
                run = self.create(lesson.spec)
                run.lesson = lesson
                return run
        known = ", ".join(lesson.id for lesson in self.lessons())
        raise KeyError(f"no lesson {lesson_id!r} (known: {known})")

    def close(self) -> None:
        """Close the HTTP connections."""
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Run(RunOps):
    """One run on the server. `run.state` is its state now (a GET); every call that answers with the state
    keeps it in `run.last_state` too."""

    def __init__(self, client: Client, state: Any, run_id: str | None = None):
        self.client = client
        self._state = state
        self.id = run_id or state.id
        self.lesson: Any = None

    def _client_call(self, op_id: str, **kwargs: Any) -> Any:
        return self.client._call(op_id, **kwargs)

    @property
    def state(self) -> Any:
        """The run's state now (GET /api/runs/{id})."""
        return self.refresh()

    @property
    def last_state(self) -> Any:
        """The state as of the last answer or frame (no request)."""
        return self._state

    def stream(self, speed: float | None = None, subscribe: dict[str, Any] | None = None) -> Stream:
        """The run over its websocket: `for frame in run.stream(speed=500): ...` plays it at 500 steps/s and
        ends when it stops; `subscribe` chooses what frames carry (frame_hz, steps, weights, grid, grid_n...)."""
        return Stream(self, speed, subscribe)

    def show(self, speed: float | None = 500, wait: bool = False, **options: Any) -> Any:
        """Live charts in Jupyter (plotly FigureWidgets): the loss surface with the descent path, the loss curve
        and, for a network, its diagram and decision regions, updated while the run plays at `speed`."""
        from descent.show import LiveView

        view = LiveView(self, **options)
        view.start(speed)
        if wait:
            view.wait()
        return view

    def __repr__(self) -> str:
        status = getattr(self._state, "status", "?")
        return f"<Run {self.id[:8]} {status} t={getattr(self._state, 't', '?')}>"
