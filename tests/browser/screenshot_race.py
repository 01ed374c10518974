"""Take the README's race screenshot: `python -m tests.browser.screenshot_race [out.png]`.

Starts the app like the browser tests do, opens a race of plain GD, heavy-ball and Nesterov momentum and
Adam on Rosenbrock's valley by its link, takes STEPS steps over REST (so the picture is the same every
time), and saves a 1400 × 900 picture with the racers spread along the valley.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

from playwright.sync_api import Page

from tests.browser.conftest import ROOT
from tests.browser.shoot import shoot

RACERS = ["gd;lr=0.001", "gd;lr=0.001;momentum=0.9", "gd;lr=0.001;momentum=0.9;nesterov=true", "adam;lr=0.05"]
# The −∇J field is off so the arrows at each racer's θₜ stand out; 1 step/s: running, but still while we shoot.
SETUP = "?kind=surface&surface=rosenbrock&" + "&".join(f"r={r}" for r in RACERS) + "&speed=1&arrows=0"
STEPS = 160  # the momentum racers are swinging through the valley, Adam is ahead, plain GD far behind


def step(base: str, run_id: str, n: int) -> None:
    """POST /api/runs/{id}/step: the page sees the steps in its stream, as if played."""
    req = urllib.request.Request(f"{base}/api/runs/{run_id}/step", data=json.dumps({"n": n}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req) as res:
        res.read()


def race(page: Page, base: str) -> None:
    """Take STEPS steps over REST, let every chart catch up, open one racer's settings and the leader's steps."""
    step(base, page.evaluate("() => window.__descent.runId"), STEPS)
    page.wait_for_function(f"() => window.__descent.stepsOf(3) === {STEPS + 1}", timeout=60_000)
    page.wait_for_function("() => window.__descent.surfaceStep() === window.__descent.t", timeout=60_000)
    page.get_by_test_id("racer").nth(1).get_by_test_id("racer-more").click()  # one racer's every setting
    page.get_by_test_id("leader-row").first.click()  # the leader's steps in the table
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'running'")


def main(out: Path) -> None:
    shoot(out, SETUP, "() => window.__descent && window.__descent.box && window.__descent.socketOpen()"
          " && window.__descent.racerCount === 4", race)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "static" / "img" / "screenshot-race.png")
