"""Issue 15, "Tests": at each of the issue's five screen sizes, the scripted session (play, click the contour
mid-run, presets, pause at top speed with the 3-D view shown, reset, lesson switch) with the Play button, the
status pill and the readout compared with GET /api/runs/{id} after every action; and at the same size the page's
Broken and Wrong items: no sideways scroll, the readout on screen, a hand-edited lesson link that keeps its
lesson, its caption and "next" arrow on screen, bad values refused beside their field with the run untouched.
One page per size; screenshots per step when $DESCENT_SCREENSHOTS is set."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ConsoleLog, Server, d, shot
from tests.browser.test_layout import OFF, SIZES
from tests.browser.test_truth import OPEN, agree, click_contour
from tests.browser.test_wrong import server_state

# In the page, once the run stands still: the readout's t and J are the server's (J to the four digits shown).
READOUT = """async () => {
  const st = await (await fetch(`/api/runs/${window.__descent.runId}`)).json();
  const num = (key) => Number(document.querySelector(`[data-readout="${key}"]`).textContent
    .replace(/−/g, '-'));
  const loss = (st.racers ? st.racers[0] : st).loss;
  return { t: [num('t'), st.t], loss: [num('loss'), loss] };
}"""

# Bad values typed where the issue found them let through: (field, typed, words of the reason beside it).
BAD = [
    ("#stop-max", "0", "max steps: a whole number from 1"),
    ("#run-seed", "-1", "run seed: a whole number from 0"),
    ('[data-testid="data-x_min"]', "5", '"x from" must be less than "x to"'),
]


def refused_beside(page: Any, selector: str, typed: str, reason: str) -> None:
    """Typed as a person would (click, select all, type, Enter): the field is marked invalid and the reason shows
    just below it, both on the screen (scrolled to, as a person would) and inside its width."""
    field = page.locator(selector)
    field.click()
    field.press("ControlOrMeta+a")
    field.press_sequentially(typed)
    field.press("Enter")
    expect(field).to_have_class(re.compile(r"\binvalid\b"))
    error = page.locator(".field-error:not([hidden])", has_text=reason)
    error.scroll_into_view_if_needed()
    expect(error).to_be_in_viewport()
    expect(field).to_be_in_viewport()
    f, e = field.bounding_box(), error.bounding_box()
    assert -2 <= e["y"] - (f["y"] + f["height"]) <= 80 and e["x"] < f["x"] + f["width"], (selector, f, e)
    assert page.evaluate(OFF, [".field-error:not([hidden])"]) == []


def on_screen(page: Any, w: int) -> None:
    """No sideways scroll; the pill (never empty), the readout and the top bar's links inside the screen."""
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth"), w
    assert page.evaluate(OFF, [".status", ".readout", ".topbar-links > *"]) == []
    expect(page.get_by_test_id("status-text")).not_to_be_empty()
    expect(page.get_by_test_id("readout")).to_be_in_viewport()


def agrees(page: Any, status: str, w: int) -> None:
    """The page agrees with the server on `status` (AGREE), the readout on screen; standing still, its t and J
    are the server's."""
    agree(page, status)
    on_screen(page, w)
    if status != "running":
        got = page.evaluate(READOUT)
        assert got["t"][0] == got["t"][1], got
        assert got["loss"][0] == pytest.approx(got["loss"][1], rel=1e-3), got


def lesson_on_screen(page: Any, title: str) -> None:
    """The lesson's caption (with its title) and both arrows inside the screen, no sideways scroll."""
    expect(page.get_by_test_id("lesson-caption")).to_contain_text(title)
    for tid in ("lesson-caption", "lesson-next", "lesson-prev"):
        expect(page.get_by_test_id(tid)).to_be_in_viewport()
    assert page.evaluate(OFF, ['[data-testid="lesson-caption"]', '[data-testid="lesson-next"]']) == []
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    # Shown in full: not cut off inside its own box (a phone's caption was), nor hidden beneath the screen's edge.
    assert page.evaluate("""() => { const c = document.querySelector('[data-testid="lesson-caption"]');
      return c.scrollHeight <= c.clientHeight + 1 && c.getBoundingClientRect().bottom <= innerHeight; }""")


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_session_and_the_page_at_each_size(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None, size: tuple[int, int]) -> None:
    """The scripted session at one size, the page agreeing with the server after every action, then the bad
    values and the hand-edited lesson link at that size."""
    w, h = size
    name = f"sizes-{w}x{h}"
    page.set_viewport_size({"width": w, "height": h})
    page.goto(f"{server.url}/?speed=200&s3d=0&max=1000000")
    page.wait_for_function(OPEN)
    agrees(page, "ready", w)
    shot(page, shots, f"{name}-0-ready")

    page.get_by_test_id("play").click()
    agrees(page, "running", w)
    page.wait_for_function("() => window.__descent.t > 30")
    click_contour(page)  # mid-run: the run starts again from there, at t = 0, and stands still
    agrees(page, "ready", w)
    assert d(page, "t") == 0
    shot(page, shots, f"{name}-1-clicked")

    page.get_by_test_id("preset-right").click()
    agrees(page, "converged", w)
    expect(page.get_by_test_id("status-text")).to_contain_text("‖∇J‖ ≤ 1e-6")
    shot(page, shots, f"{name}-2-converged")

    # Pause at top speed with the 3-D surface shown: a slow preset, the ε test off so it runs on, the speed
    # slider at its end, the 3-D view switched on in its card.
    page.get_by_test_id("preset-small").click()
    agrees(page, "running", w)
    page.locator("#stop-eps-on").uncheck()
    page.get_by_test_id("speed").press("End")
    expect(page.locator("#speed-out")).to_have_text(re.compile(r"^5,?000 steps/s$"))
    page.get_by_test_id("show-3d").check()
    t0 = d(page, "t")
    page.wait_for_function(f"() => window.__descent.surfaceStep() > 0 && window.__descent.t > {t0 + 1000}",
                           timeout=60_000)
    agrees(page, "running", w)
    page.get_by_test_id("play").click()
    agrees(page, "paused", w)
    # The iterations table's widest numbers (‖∇J‖ = 6.38e−15) fit its card: the γ column was cut off at 1280 px.
    assert page.evaluate("""() => { const w = document.querySelector('.card-table .table-wrap');
      return w.scrollWidth <= w.clientWidth + 1; }""")
    shot(page, shots, f"{name}-3-paused-top-speed")

    page.get_by_test_id("reset").click()
    agrees(page, "ready", w)
    assert d(page, "t") == 0
    shot(page, shots, f"{name}-4-reset")

    # Bad values: marked invalid, the reason beside the field and on screen, the run untouched.
    run, before = d(page, "runId"), server_state(server, page)
    for selector, typed, reason in BAD:
        refused_beside(page, selector, typed, reason)
        shot(page, shots, f"{name}-5-bad-{selector.strip('#[]').split('=')[-1].strip(chr(34))}")
    assert d(page, "runId") == run
    after = server_state(server, page)
    for key in ("stop", "start", "t", "status", "seed", "problem"):
        assert after[key] == before[key], key
    agrees(page, "ready", w)

    # A hand-edited lesson link keeps its lesson; its caption and arrows are on screen; "next" switches lessons.
    page.goto(f"{server.url}/?lesson=random-guessing&max=1000&s3d=0")
    page.wait_for_function(OPEN)
    agrees(page, "ready", w)
    assert d(page, "configRacers")[0]["name"] == "random_search"
    st = server_state(server, page)
    assert (st.get("racers") or [st])[0]["optimizer"]["name"] == "random_search"
    assert st["stop"]["max_steps"] == 1000
    lesson_on_screen(page, "Random guessing")
    shot(page, shots, f"{name}-6-lesson-link")

    nxt = page.get_by_test_id("lesson-next")
    want = re.search(r"lesson=([\w-]+)", nxt.get_attribute("href") or "")
    assert want, "the first lesson has a next one"
    title = (nxt.get_attribute("title") or "").removeprefix("next: ")
    nxt.click()
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('lesson') === '{want.group(1)}'")
    page.wait_for_function(OPEN)
    agrees(page, "ready", w)
    lesson_on_screen(page, title)
    shot(page, shots, f"{name}-7-next-lesson")
    assert console.ours() == []
