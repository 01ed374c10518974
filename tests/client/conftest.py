"""The client's tests run against a live server: `python -m descent serve` in a subprocess on a free port."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from descent import Client
from tests.browser.conftest import Server

ROOT = Path(__file__).resolve().parents[2]


class LiveServer(Server):
    """The server as a user starts it (`python -m descent serve --port P`), with its own data directory."""

    COMMAND = ["-m", "descent", "serve"]
    PROBE = "/openapi.json"
    PREFIX = "descent-client-"


@pytest.fixture(scope="session")
def live() -> Iterator[LiveServer]:
    """One live server for the client tests."""
    server = LiveServer()
    yield server
    server.stop()


@pytest.fixture
def client(live: LiveServer) -> Iterator[Client]:
    """A client of the live server."""
    with Client(live.url) as c:
        yield c


def run_async(main: Callable[[], Awaitable[Any]]) -> Any:
    """asyncio.run(main()) on a thread of its own, as a notebook's client would run beside a loop already running
    (Playwright's sync API keeps one in this worker's main thread when a browser test ran before)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result()  # type: ignore[arg-type]
