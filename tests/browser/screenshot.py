"""Take the README's screenshot of the page in use: `python -m tests.browser.screenshot [out.png]`.

Starts the app like the browser tests do, runs gradient descent with a learning rate close to 2/λmax
from a far start (so the path zig-zags across the valley), and saves a 1400 × 900 picture mid-run.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import Page

from tests.browser.conftest import ROOT
from tests.browser.shoot import shoot

SETUP = "?lr=0.7&start=-1,6&speed=12"
STOP_AT = 42  # steps before the picture: the zig-zag is drawn, the run not yet converged


def play_to_the_zigzag(page: Page, base: str) -> None:
    """Play to STOP_AT, pause until the 3-D view catches up, then run at 1 step a second (still while we shoot)."""
    page.get_by_test_id("play").click()
    page.wait_for_function(f"() => window.__descent.t >= {STOP_AT}", timeout=60_000)
    page.get_by_test_id("play").click()  # pause, so the slow 3-D view catches up
    page.wait_for_function("() => window.__descent.status === 'paused'")
    page.wait_for_function("() => window.__descent.surfaceStep() === window.__descent.t", timeout=30_000)
    page.locator("#speed").fill("0")  # 1 step per second: running, but nothing moves while we shoot
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'running'")


def main(out: Path) -> None:
    shoot(out, SETUP, "() => window.__descent && window.__descent.box && window.__descent.socketOpen()",
          play_to_the_zigzag, frames=36)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "static" / "img" / "screenshot.png")
