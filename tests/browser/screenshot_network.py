"""The README's picture of a network training: `python -m tests.browser.screenshot_network [out.png] [--url URL]`.

Starts the app like the browser tests do (or uses a running one given by --url), builds a two-hidden-layer
tanh network on the three-arm spiral, trains it until the test accuracy passes 95 %, pauses, and saves a
1400 × 900 picture.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import Page

from tests.browser.conftest import ROOT
from tests.browser.shoot import shoot

SETUP = ("?kind=network&data=spiral&d.n=300&d.noise=0.03&d.classes=3&d.test_ratio=0.2&hidden=12,12&act=tanh"
         "&head=softmax&loss=ce&lr=0.3&batch=10&speed=250&eps=off&s3d=0")
ACCURACY = 0.95


def train(page: Page, base: str) -> None:
    """Play until the test accuracy passes ACCURACY (and t ≥ 600), then pause: the last weights reach the charts."""
    page.get_by_test_id("play").click()
    page.wait_for_function(f"() => window.__descent.net.accuracy() >= {ACCURACY} && window.__descent.t >= 600",
                           timeout=120_000)
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'paused'")


def main(out: Path, url: str | None) -> None:
    shoot(out, SETUP, "() => window.__descent && window.__descent.socketOpen()"
          " && window.__descent.net.decision() !== null", train, url=url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "static" / "img" / "screenshot-network.png")
    parser.add_argument("--url", help="a running Descent server (default: start one)")
    args = parser.parse_args()
    main(args.out, args.url)
