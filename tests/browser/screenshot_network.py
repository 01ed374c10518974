"""The README's picture of a network training: `python -m tests.browser.screenshot_network [out.png] [--url URL]`.

Starts the app like the browser tests do (or uses a running one given by --url), builds a two-hidden-layer
tanh network on the three-arm spiral, trains it until the test accuracy passes 95 %, pauses, and saves a
1400 × 900 picture.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM_ARGS, ROOT, VIEWPORT, Server, chromium_path

SETUP = ("?kind=network&data=spiral&d.n=300&d.noise=0.03&d.classes=3&d.test_ratio=0.2&hidden=12,12&act=tanh"
         "&head=softmax&loss=ce&lr=0.3&batch=10&speed=250&eps=off&s3d=0")
ACCURACY = 0.95


def main(out: Path, url: str | None) -> None:
    """Serve the app (unless given), train to ACCURACY, let every chart catch up, and save the screenshot."""
    server = None if url else Server()
    base = url or (server.url if server else "")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
            page.goto(base.rstrip("/") + "/" + SETUP)
            page.wait_for_function("() => window.__descent && window.__descent.socketOpen()"
                                   " && window.__descent.net.decision() !== null")
            page.get_by_test_id("play").click()
            page.wait_for_function(f"() => window.__descent.net.accuracy() >= {ACCURACY} && window.__descent.t >= 600",
                                   timeout=120_000)
            page.get_by_test_id("play").click()  # pause: the last weights and grid reach the charts
            page.wait_for_function("() => window.__descent.status === 'paused'")
            page.mouse.move(5, 890)
            time.sleep(1.0)
            page.screenshot(path=str(out))
            browser.close()
    finally:
        if server:
            server.stop()
    print(f"wrote {out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "static" / "img" / "screenshot-network.png")
    parser.add_argument("--url", help="a running Descent server (default: start one)")
    args = parser.parse_args()
    main(args.out, args.url)
