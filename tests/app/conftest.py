"""Fixtures for the app tests: a TestClient whose JSON answers are parsed strictly (no NaN, no Infinity)."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    # Starlette asks for httpx2 instead of httpx; the warning is about the test client, not the app.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
    from starlette.testclient import WebSocketTestSession

from app.main import create_app
from app.schemas_socket_out import server_message
from app.settings import Settings
from engine.build import replay


def strict_loads(text: str) -> Any:
    """json.loads that refuses NaN, Infinity and -Infinity."""

    def refuse(token: str) -> Any:
        raise AssertionError(f"non-standard JSON constant {token} in {text[:200]!r}")

    return json.loads(text, parse_constant=refuse)


class StrictClient(TestClient):
    """A TestClient that checks every JSON response parses strictly."""

    def request(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().request(*args, **kwargs)
        if response.headers.get("content-type", "").startswith("application/json"):
            strict_loads(response.text)
        return response


@pytest.fixture
def settings() -> Settings:
    """Default limits (tests that need others build their own app)."""
    return Settings()


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., StrictClient]]:
    """A factory of clients for apps with given settings (closed after the test); saved runs go to a temporary
    data directory, one for all the apps of the test, unless `data_dir` says otherwise."""
    opened: list[StrictClient] = []

    def make(**overrides: Any) -> StrictClient:
        overrides.setdefault("data_dir", str(tmp_path))
        client = StrictClient(create_app(Settings(**overrides)))
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for c in opened:
        c.__exit__(None, None, None)


@pytest.fixture
def client(settings: Settings) -> Iterator[StrictClient]:
    """A client of a fresh app (lifespan started, so play loops and the sweeper run)."""
    with StrictClient(create_app(settings)) as c:
        yield c


def new_run(client: TestClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST /api/runs and return the state (asserting 201)."""
    r = client.post("/api/runs", json=body if body is not None else {})
    assert r.status_code == 201, r.text
    state: dict[str, Any] = r.json()
    return state


def rebuilt(client: TestClient, run: dict[str, Any]) -> Any:
    """The engine run the server holds, rebuilt from its export (config, live changes and clock): runs are
    deterministic, so it is the same run, bit for bit (engine.build.replay)."""
    doc = client.get(f"/api/runs/{run['id']}/export")
    assert doc.status_code == 200, doc.text
    return replay(doc.json()["config"], doc.json()["events"], doc.json()["clock"])


def recv(ws: WebSocketTestSession) -> dict[str, Any]:
    """The next websocket message, parsed strictly and checked against its model (app/schemas_socket_out.py);
    a missing one hangs until the test's pytest timeout."""
    msg: dict[str, Any] = strict_loads(ws.receive_text())
    server_message.validate_python(msg)
    return msg


def recv_until(ws: WebSocketTestSession, kind: str, limit: int = 10_000,
               where: Callable[[dict[str, Any]], bool] | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read messages until one of type `kind` (matching `where`); returns it and the ones before it."""
    seen: list[dict[str, Any]] = []
    for _ in range(limit):
        msg = recv(ws)
        if msg["type"] == kind and (where is None or where(msg)):
            return msg, seen
        seen.append(msg)
    raise AssertionError(f"no {kind!r} message in {limit} messages; types seen: {sorted({m['type'] for m in seen})}")


def steps_until(ws: WebSocketTestSession, t: int) -> list[dict[str, Any]]:
    """The step records of the frames read until one carries step `t` (a REST or websocket step of several steps
    may come in one frame or several: it can span more than one stepping slice)."""
    steps: list[dict[str, Any]] = []
    while not any(s["t"] >= t for s in steps):
        frame, _ = recv_until(ws, "frame", where=lambda m: bool(m["steps"]))
        steps += frame["steps"]
    return steps


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll until predicate() holds (the app runs in the test client's own thread)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)
