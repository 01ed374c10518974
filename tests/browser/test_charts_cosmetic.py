"""Issue 15, "Cosmetic": card titles and footers not cut off with "…", the divergence message shown in full at
1440 px, a random-guessing racer's menu wide enough for its name, and one colour per racer up to the limit."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ConsoleLog, Server, shot

OPEN = "() => window.__descent && window.__descent.socketOpen() && window.__descent.box !== null"
# Shown elements whose text is cut: [selector, text, scrollWidth, clientWidth, scrollHeight, clientHeight].
CLIPPED = """(sels) => sels.flatMap((sel) => [...document.querySelectorAll(sel)]
  .filter((e) => e.offsetParent !== null && e.textContent.trim())
  .filter((e) => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
  .map((e) => [sel, e.textContent.trim().slice(0, 60), e.scrollWidth, e.clientWidth,
               e.scrollHeight, e.clientHeight]))"""
TEXTS = [".card-head h3", ".card-foot", ".card-foot > span"]
SIZES = [(1440, 1000), (1280, 720), (1024, 768), (900, 800), (390, 844)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_card_titles_and_footers_are_not_clipped(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None, size: tuple[int, int]) -> None:
    """Every chart card's title line and footer shows its whole text (it wraps rather than ending in "…")."""
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    page.goto(f"{server.url}/?s3d=0")
    page.wait_for_function(OPEN)
    assert page.evaluate(CLIPPED, TEXTS) == []
    shot(page, shots, f"cosmetic-cards-{w}x{h}")
    assert console.ours() == []


def test_the_divergence_message_is_shown_in_full_at_1440(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """γ = 1 diverges: the status pill says the whole "learning rate 1 is above 2/λmax = …" at 1440 × 1000."""
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{server.url}/?s3d=0&lr=1")
    page.wait_for_function(OPEN)
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'diverged'")
    text = page.get_by_test_id("status-text")
    assert "is above 2/λmax" in text.text_content()
    assert page.evaluate(CLIPPED, [".status-text"]) == []
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    shot(page, shots, "cosmetic-diverged-1440x1000")
    assert console.ours() == []


def test_the_random_guessing_racer_menu_shows_its_name(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """"random search vs GD": the first card's menu is wider than the words "random search" plus its arrow."""
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{server.url}/?s3d=0")
    page.wait_for_function(OPEN)
    page.get_by_test_id("race-preset-random").click()
    page.wait_for_function("() => window.__descent.racerCount === 2")
    room = page.evaluate("""() => { const s = document.querySelector('[data-testid="racer-opt"]');
      const span = document.createElement('span'); span.style.font = getComputedStyle(s).font;
      span.style.whiteSpace = 'pre'; span.textContent = s.options[s.selectedIndex].text; document.body.append(span);
      const need = span.getBoundingClientRect().width; span.remove();
      const cs = getComputedStyle(s);
      const inner = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      return [s.options[s.selectedIndex].text, need, inner]; }""")
    name, need, width = room
    assert name == "random search" and width >= need + 8, room  # 8 px: the menu's arrow
    shot(page, shots, "cosmetic-racer-menu-1440x1000")
    assert console.ours() == []


def test_no_two_racers_share_a_colour_up_to_the_limit(page: Any, server: Server, console: ConsoleLog) -> None:
    """The palette has a distinct colour for each of max_racers racers (racer 13 is not racer 1's orange)."""
    with urllib.request.urlopen(f"{server.url}/api/registry") as res:
        limit = json.loads(res.read())["limits"]["max_racers"]
    page.goto(f"{server.url}/?s3d=0")
    page.wait_for_function(OPEN)
    colours = page.evaluate("(n) => import('/static/js/charts/theme.js')"
                            ".then((m) => Array.from({length: n}, (_, k) => m.racerColour(k).toLowerCase()))", limit)
    assert len(set(colours)) == limit, colours
    assert console.ours() == []


@pytest.mark.parametrize("size", [(1440, 1000), (1280, 720)], ids=["1440x1000", "1280x720"])
def test_the_split_lecture_view_keeps_the_contour_near_square(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None, size: tuple[int, int]) -> None:
    """Lecture beside the charts: the parameter plot's area is about as tall as it is wide (not a tall strip)."""
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    page.goto(f"{server.url}/?s3d=0")
    page.wait_for_function(OPEN)
    page.locator("#lecture-toggle").click()
    page.wait_for_function("() => document.querySelector('.layout').dataset.lectureMode === 'split'")
    # Plotly takes the card's new size on the resize that follows: wait for the plot area to settle near square.
    page.wait_for_function("""() => { const r = document.querySelector('#plot-contour .layer-front .nsewdrag')
      ?.getBoundingClientRect();
      return r && r.width > 150 && r.height / r.width > 0.75 && r.height / r.width < 1.33; }""")
    shot(page, shots, f"cosmetic-split-{w}x{h}")
    assert console.ours() == []
