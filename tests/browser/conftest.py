"""Browser tests: the real app served by uvicorn on a free port, driven by headless Chromium (Playwright)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--enable-unsafe-swiftshader",  # software WebGL for the 3-D surface (no GPU in CI)
]
VIEWPORT = {"width": 1400, "height": 900}
# The page loads its test probes (static/js/probes.js, window.__descent) only when this flag is set before it
# loads: the tests' pages set it, a person's never do.
PROBES = "window.__descentProbes = true;"


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker of these tests (pyproject.toml is shared)."""
    config.addinivalue_line("markers", "browser: drives the page in headless Chromium")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test."""
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str | None:
    """Debian's Chromium when installed (else Playwright's own download)."""
    for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser", shutil.which("chromium") or ""):
        if path and os.path.exists(path):
            return path
    return None


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Poll `url` until it answers 200 (or the server process dies)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise RuntimeError(f"the app exited with {proc.returncode}:\n{out}")
        try:
            with urllib.request.urlopen(url, timeout=1) as res:
                if res.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the app did not answer {url} within {timeout:.0f} s")


class Server:
    """`uvicorn app.main:app` in a subprocess (its own event loop and warnings, like `make run`)."""

    COMMAND = ["-m", "uvicorn", "app.main:app"]  # after the interpreter; host, port and log level follow
    PROBE = "/api/registry"  # answered once the app is up
    PREFIX = "descent-browser-"

    def __init__(self, env: dict[str, str] | None = None, cwd: Path = ROOT) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = tempfile.mkdtemp(prefix=self.PREFIX)  # saved runs of the tests stay out of ./data
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", "DESCENT_DATA_DIR": self.data_dir, **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, *self.COMMAND, "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
            cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(self.url + self.PROBE, self.proc)
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        """Terminate the server (and wait for it) and forget its data."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """The app, served for the whole session."""
    srv = Server()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


class ConsoleLog:
    """Console errors and warnings, and uncaught page errors, seen while a test ran."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def on_console(self, msg: Any) -> None:
        if msg.type == "error":
            self.errors.append(f"console.error: {msg.text}")
        elif msg.type == "warning":
            self.warnings.append(f"console.warning: {msg.text}")

    def on_page_error(self, exc: Any) -> None:
        self.errors.append(f"pageerror: {exc}")

    def ours(self) -> list[str]:
        """Errors, plus warnings except the browser's notes on software WebGL and one Plotly cannot avoid.

        Plotly's 3-D text rendering reads its 2-D canvases back (Chromium then suggests
        `willReadFrequently`); the page does not create those canvases.
        """
        not_ours = ("GPU stall", "GL Driver Message", "SwiftShader", "swiftshader",
                    "Canvas2D: Multiple readback operations using getImageData")
        return self.errors + [w for w in self.warnings if not any(n in w for n in not_ours)]


@pytest.fixture
def console() -> ConsoleLog:
    """The console log of the test's page."""
    return ConsoleLog()


@pytest.fixture(scope="session")
def context(browser: Any) -> Iterator[Any]:
    """One browser context for the session: its cache keeps Plotly (4 MB) parsed between tests."""
    ctx = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    ctx.add_init_script(PROBES)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any, server: Server, console: ConsoleLog) -> Iterator[Any]:
    """A fresh 1400 × 900 page with console and page errors collected into `console`."""
    pg = context.new_page()
    pg.on("console", console.on_console)
    pg.on("pageerror", console.on_page_error)
    pg.set_default_timeout(20_000)
    yield pg
    pg.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Path | None:
    """Where to save screenshots: $DESCENT_SCREENSHOTS (unset: none are saved)."""
    where = os.environ.get("DESCENT_SCREENSHOTS")
    if not where:
        return None
    path = Path(where)
    path.mkdir(parents=True, exist_ok=True)
    return path


def d(page: Any, expr: str) -> Any:
    """Evaluate `window.__descent.<expr>` (the page's read-only test hooks)."""
    return page.evaluate(f"() => window.__descent.{expr}")


def settle(page: Any, frames: int = 3) -> None:
    """Wait for `frames` animation frames (the charts drew what they were given): a wait on the page, not a sleep."""
    page.evaluate("(n) => new Promise((done) => { "
                  "const f = (k) => (k ? requestAnimationFrame(() => f(k - 1)) : done()); f(n); })", frames)


def shot(page: Any, shots: Path | None, name: str, away: bool = False) -> None:
    """Save a screenshot when $DESCENT_SCREENSHOTS is set (`away`: the pointer out of the picture first)."""
    if shots is not None:
        if away:
            page.mouse.move(5, 890)
        page.screenshot(path=str(shots / f"{name}.png"))
