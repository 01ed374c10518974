"""The deployment on loopback, once for the session (the `stack` fixture of tests/conftest.py, for the deploy
and the browser tests): two app processes (w1, w2) sharing a real PostgreSQL and nginx in front of them, with
the front-line limits set short so that their tests take seconds."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from deploy import nginx_conf
from deploy.processes import nginx_binary, start_app, start_nginx, stop, wait_ready, worker_user

FRONT = nginx_conf.Front(header_timeout="2s", body_timeout="500ms", ws_idle="3s", read_timeout="60s",
                         conn_per_address=12, fail_timeout="2s", nginx_workers="1")


def no_server(why: str) -> None:
    """Skip (a machine without nginx or PostgreSQL), or fail under CI (which must run every test)."""
    if os.environ.get("CI"):
        pytest.fail(f"{why} (CI runs these tests: `make test` installs the nginx and postgresql packages)")
    pytest.skip(why)


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def strict(text: str) -> Any:
    """json.loads refusing NaN and Infinity."""

    def refuse(token: str) -> Any:
        raise AssertionError(f"non-standard JSON constant {token}")

    return json.loads(text, parse_constant=refuse)


@dataclass
class Stack:
    """nginx at `url` in front of app processes by name; saved runs at `store_url`."""

    url: str
    port: int
    store_url: str
    ports: dict[str, int]
    apps: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    run_dir: Path = Path()

    def spawn(self, name: str) -> None:
        """(Re)start app process `name` on its port (not waiting for it)."""
        env = {"DESCENT_STORE_URL": self.store_url, "DESCENT_DATA_DIR": str(self.run_dir / "data")}
        self.apps[name] = start_app(name, self.ports[name], env, log=self.run_dir / f"{name}.log")

    def wait(self, name: str) -> None:
        """Until app process `name` answers."""
        wait_ready(f"http://127.0.0.1:{self.ports[name]}/api/health", self.apps[name])

    def kill(self, name: str) -> None:
        """SIGKILL app process `name` (no shutdown of any kind) and reap it."""
        self.apps[name].kill()
        self.apps[name].wait(timeout=30)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)


def running_stack(postgres_url: str) -> Iterator[Stack]:
    """Start the stack, yield it, stop it."""
    if nginx_binary() is None:
        no_server("nginx is not installed (apt-get install nginx)")
    run_dir = Path(tempfile.mkdtemp(prefix="descent-nginx-"))
    os.chmod(run_dir, 0o755)  # nginx's workers (www-data, when we are root) write their temporary files here
    port = free_port()
    s = Stack(f"http://127.0.0.1:{port}", port, postgres_url, {"w1": free_port(), "w2": free_port()},
              run_dir=run_dir)
    nginx = None
    try:
        for name in s.ports:  # both start at once
            s.spawn(name)
        for name in s.ports:
            s.wait(name)
        workers = [nginx_conf.Worker(name, f"127.0.0.1:{p}") for name, p in s.ports.items()]
        conf = nginx_conf.write(workers, f"127.0.0.1:{port}", run_dir, FRONT, user=worker_user())
        nginx = start_nginx(conf)
        wait_ready(f"{s.url}/api/health", nginx)
        yield s
    finally:
        if nginx is not None:
            stop(nginx)
        for proc in s.apps.values():
            stop(proc)
        shutil.rmtree(run_dir, ignore_errors=True)
