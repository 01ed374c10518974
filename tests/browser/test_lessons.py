"""Lessons in headless Chromium: every lesson link opens the page in its state with no console errors (a screenshot
of each) and a bar that walks to the neighbouring lessons, and a teacher's edited preset travels in its link."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ConsoleLog, Server, settle, shot

READY = "() => window.__descent && window.__descent.runId && window.__descent.socketOpen() && window.__descent.status"


def registry(server: Server) -> dict[str, Any]:
    """GET /api/registry."""
    with urllib.request.urlopen(f"{server.url}/api/registry") as res:
        return dict(json.load(res))


def lessons_of(server: Server) -> list[dict[str, Any]]:
    """The lessons the page is built from (the registry's `lessons`, in order)."""
    lessons = registry(server).get("lessons") or []
    return list(lessons.values()) if isinstance(lessons, dict) else list(lessons)


def needs_networks(server: Server) -> None:
    """Skip when this server runs no networks."""
    if "network" not in registry(server)["problems"]:
        pytest.skip("this server does not offer network runs")


def lecture(page: Any, expr: str) -> Any:
    """Evaluate `window.__descent.lecture.<expr>` (the lecture's read-only test hooks)."""
    return page.evaluate(f"() => window.__descent.lecture.{expr}")


# The ids engine/lessons.py defines, in order: the parametrisation below must name them all.
LESSON_IDS = ["random-guessing", "gradient-arrows", "gradient-descent", "stopping-tests", "per-example", "lr-too-small",
              "lr-too-big", "perceptron", "mlp", "quadratic-vs-cross-entropy", "backpropagation", "softmax"]
LECTURE_VIEW = {"gradient-descent": "guess", "quadratic-vs-cross-entropy": "compare", "backpropagation": "backprop"}
STEPS = 10  # steps each lesson takes before its screenshot (ten a shift-click)


def test_the_lessons_are_the_engines(server: Server) -> None:
    """The page's lesson list is the engine's, in order (a new lesson needs a row in LESSON_IDS)."""
    assert [lesson["id"] for lesson in lessons_of(server)] == LESSON_IDS


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_lesson_link_opens_in_its_state(
        lesson_id: str, page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """`/?lesson=<id>` builds the lesson's run (kind, racers, learning rates), shows its caption, opens its lecture
    view, steps without a console error, and writes the whole set-up into the address (so it can be shared)."""
    lesson = next((x for x in lessons_of(server) if x["id"] == lesson_id), None)
    assert lesson is not None, f"the server has no lesson {lesson_id}"
    spec = lesson["spec"]
    kind = spec["problem"].get("kind", "linear_regression")
    if kind not in registry(server)["problems"]:
        pytest.skip(f"this server does not offer {kind} runs")
    page.goto(f"{server.url}/?lesson={lesson_id}")
    page.wait_for_function(READY)
    expect(page.get_by_test_id("lesson-bar")).to_be_visible()
    expect(page.get_by_test_id("lesson-caption")).to_contain_text(lesson["title"])
    assert lecture(page, "lessons.current()") == lesson_id
    assert lecture(page, "lessons.caption()") == lesson["caption"]
    assert lecture(page, "open()") == LECTURE_VIEW.get(lesson_id)

    # The bar walks the lecture: previous and next are the neighbouring lessons; the top bar's menu lists them all.
    k = LESSON_IDS.index(lesson_id)
    for which, other in (("prev", k - 1), ("next", k + 1)):
        link = page.get_by_test_id(f"lesson-{which}")
        if 0 <= other < len(LESSON_IDS):
            expect(link).to_have_attribute("href", f"/?lesson={LESSON_IDS[other]}")
        else:
            assert link.get_attribute("href") is None
    page.get_by_test_id("lessons-button").click()
    expect(page.get_by_test_id("lesson-menu")).to_be_visible()
    assert page.get_by_test_id("lesson-menu").locator("a").count() == len(LESSON_IDS)
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("lesson-menu")).to_be_hidden()

    # The run is the lesson's: its racers with their learning rates.
    racers = spec.get("racers") or [spec["optimizer"]]
    got = page.evaluate("() => window.__descent.configRacers")
    assert [r["name"] for r in got] == [r["name"] for r in racers]
    assert [r.get("lr") for r in got if "lr" in r] == [r["lr"] for r in racers if "lr" in r]
    assert page.evaluate("() => window.__descent.net.problem()?.kind") == kind

    # The address spells out the set-up, and names the lesson.
    page.wait_for_function("() => window.location.search.includes('lesson=')")
    q = parse_qs(urlparse(page.url).query)
    assert q["lesson"] == [lesson_id]
    assert "seed" in q and "eps" in q

    # A few steps (ten a shift-click), so the picture shows the lesson at work.
    for k in range(1, STEPS // 10 + 1):
        page.get_by_test_id("step").click(modifiers=["Shift"])
        page.wait_for_function(f"() => window.__descent.t >= {10 * k} || window.__descent.status !== 'paused'")
    settle(page, 6)  # the lecture view and the charts draw what they were given
    shot(page, shots, f"lesson-{LESSON_IDS.index(lesson_id) + 1:02d}-{lesson_id}", away=True)
    assert console.ours() == []


def test_teacher_edits_a_preset_and_shares_it(page: Any, server: Server, console: ConsoleLog, context: Any) -> None:
    """Change the learning rate of a lesson (the perceptron) and rewrite its caption: the lesson reads "edited", and
    the link from "Edit & share" opens, in a fresh page, the edited set-up under the new caption."""
    needs_networks(server)
    page.goto(f"{server.url}/?lesson=perceptron")
    page.wait_for_function(READY)
    assert not lecture(page, "lessons.edited()")
    lr = page.get_by_test_id("lr-input")
    lr.fill("0.05")
    lr.press("Enter")
    page.wait_for_function("() => window.__descent.configLr === 0.05")
    page.wait_for_function("() => window.__descent.lecture.lessons.edited()")
    page.get_by_test_id("lesson-share").click()
    caption = "Now with γ = 0.05: the boundary turns twenty times slower. Compare with the preset's."
    page.get_by_test_id("lesson-caption-edit").fill(caption)
    page.wait_for_function("() => document.querySelector('[data-testid=lesson-link]').value.includes('lc=')")
    link = page.get_by_test_id("lesson-link").input_value()
    q = parse_qs(urlparse(link).query)
    assert q["lesson"] == ["perceptron"] and q["lr"] == ["0.05"] and q["lc"] == [caption]

    other = context.new_page()
    other.on("console", console.on_console)
    other.on("pageerror", console.on_page_error)
    try:
        other.goto(link)
        other.wait_for_function(READY)
        assert other.evaluate("() => window.__descent.configLr") == 0.05
        assert lecture(other, "lessons.current()") == "perceptron"
        assert lecture(other, "lessons.caption()") == caption
        expect(other.get_by_test_id("lesson-caption")).to_contain_text("twenty times slower")
        assert lecture(other, "lessons.edited()")
    finally:
        other.close()
    assert console.ours() == []
