"""What the README's screenshot scripts share: serve the app (or use a running one), open a set-up by its link,
bring the page to the moment, and save a VIEWPORT-sized picture."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.browser.conftest import CHROMIUM_ARGS, PROBES, VIEWPORT, Server, chromium_path, settle


def shoot(out: Path, setup: str, ready: str, act: Callable[[Page, str], None], frames: int = 60,
          url: str | None = None) -> None:
    """Open `setup` (a query string) once `ready` (a JS condition) holds, call act(page, base URL), move the
    pointer out of the way, wait `frames` animation frames for the charts (a wait on the page, not a sleep),
    and save the page to `out`."""
    server = None if url else Server()
    base = (url or (server.url if server else "")).rstrip("/")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
            page.add_init_script(PROBES)
            page.goto(base + "/" + setup)
            page.wait_for_function(ready, timeout=60_000)
            act(page, base)
            page.mouse.move(5, 890)
            settle(page, frames)
            page.screenshot(path=str(out))
            browser.close()
    finally:
        if server:
            server.stop()
    print(f"wrote {out}")
