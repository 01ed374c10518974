"""Issue 15, "Phones and narrow laptops": at 1440×1000, 1280×720, 1024×768, 900 px wide and 390×844 the page
never scrolls sideways, the top bar (status pill, readout, every link) stays on screen, the parameter plot is
on the first screen beside or below the run controls, and a lesson's caption and arrows are on screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ConsoleLog, Server, shot

SIZES = [(1440, 1000), (1280, 720), (1024, 768), (900, 900), (390, 844)]
OPEN = "() => window.__descent && window.__descent.socketOpen() && window.__descent.box !== null"

# What is off the screen: each [name, left, right, top, bottom] outside the viewport's width (or not shown).
OFF = """(sels) => sels.flatMap((sel) => [...document.querySelectorAll(sel)].filter((e) => !e.closest('[hidden]'))
  .map((e) => [sel, e.getBoundingClientRect()])
  .filter(([, r]) => r.width === 0 || r.left < -1 || r.right > innerWidth + 1)
  .map(([sel, r]) => [sel, Math.round(r.left), Math.round(r.right)]))"""


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_size_has_no_sideways_scroll_and_shows_the_state(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None, size: tuple[int, int]) -> None:
    """No sideways scroll; pill, readout, links and Play on screen; the contour starts on the first screen."""
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    page.goto(f"{server.url}/?s3d=0")
    page.wait_for_function(OPEN)
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    assert page.evaluate(OFF, [".status", ".readout", ".topbar-links > *", "#play", "#lr-slider"]) == []
    assert page.evaluate("() => document.querySelector('[data-testid=\"status-text\"]').textContent.trim() !== ''")
    top = page.evaluate("() => document.getElementById('plot-contour').getBoundingClientRect().top")
    assert top < h - 150, top  # the parameter plot shows on the first screen
    shot(page, shots, f"layout-{w}x{h}")
    # Scrolled down (a phone), the top bar and its readout stay in view.
    if w <= 700:
        page.mouse.wheel(0, 1500)
        page.wait_for_function("() => scrollY > 500")
    box = page.locator(".readout").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= h
    assert console.ours() == []


@pytest.mark.parametrize("size", [(1024, 768), (390, 844)], ids=["1024x768", "390x844"])
def test_a_lessons_caption_and_arrows_are_on_screen(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None, size: tuple[int, int]) -> None:
    """A lesson's bar: its caption shown and both arrows inside the screen."""
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    page.goto(f"{server.url}/?lesson=gradient-descent&s3d=0")
    page.wait_for_function(OPEN)
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    assert page.evaluate(OFF, ['[data-testid="lesson-caption"]', '[data-testid="lesson-next"]',
                               '[data-testid="lesson-prev"]']) == []
    caption = page.get_by_test_id("lesson-caption").bounding_box()
    assert caption["height"] > 10 and caption["y"] + caption["height"] <= h
    shot(page, shots, f"layout-lesson-{w}x{h}")
    assert console.ours() == []
