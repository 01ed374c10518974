"""The client's tests run against a live server: `python -m descent serve` in a subprocess on a free port."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from descent import Client
from tests.browser.conftest import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]


class LiveServer:
    """The server as a user starts it (`python -m descent serve --port P`), with its own data directory."""

    def __init__(self, env: dict[str, str] | None = None, cwd: Path = ROOT) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = tempfile.mkdtemp(prefix="descent-client-")
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", "DESCENT_DATA_DIR": self.data_dir, **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "descent", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning"],
            cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(self.url + "/openapi.json", self.proc)
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        """Terminate the server and forget its data."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


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
