"""Issue 15, "Wrong": a lesson link with extra settings keeps its lesson; random guessing's box is a visible,
editable setting drawn on the contour that does not know the minimum; every input is checked where it is
typed, marked with the reason beside it, and the run is not touched until it is valid."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ConsoleLog, Server, d, shot

OPEN = "() => window.__descent && window.__descent.socketOpen() && window.__descent.box !== null"


def server_state(server: Server, page: Any) -> dict:
    """GET /api/runs/{id} of the page's run."""
    with urllib.request.urlopen(f"{server.url}/api/runs/{d(page, 'runId')}") as res:
        return json.loads(res.read())


def test_a_lesson_link_with_extra_settings_keeps_its_lesson(page: Any, server: Server, console: ConsoleLog) -> None:
    """/?lesson=random-guessing&max=1000 is random guessing with at most 1,000 steps, under its caption."""
    page.goto(f"{server.url}/?lesson=random-guessing&max=1000")
    page.wait_for_function(OPEN)
    assert d(page, "configRacers")[0]["name"] == "random_search"
    expect(page.locator("#stop-max")).to_have_value("1000")
    expect(page.get_by_test_id("lesson-caption")).to_contain_text("Random guessing")
    st = server_state(server, page)
    assert (st["racers"][0] if st.get("racers") else st)["optimizer"]["name"] == "random_search"
    assert st["stop"]["max_steps"] == 1000
    assert console.ours() == []


def test_the_guess_box_is_shown_editable_and_drawn(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """Random guessing's box: around θ⁽⁰⁾ (not the minimum), in four fields, dashed on the contour; a new box is
    used by the server; "from" above "to" is refused beside the field, and the server's box stays."""
    page.goto(f"{server.url}/?opt=random_search&s3d=0&start=1,-1")
    page.wait_for_function(OPEN)
    expect(page.get_by_test_id("guess-box")).to_be_visible()
    page.wait_for_function("() => window.__descent.guessBoxes().length === 1")
    assert d(page, "guessBoxes()") == [[-3, 5, -5, 3]]
    expect(page.get_by_test_id("box-low-1")).to_have_value("-3")

    page.get_by_test_id("box-low-1").fill("0")
    page.get_by_test_id("box-low-1").press("Enter")
    page.wait_for_function("() => window.__descent.guessBoxes()[0][0] === 0")
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.guessCount() >= 20")
    opt = server_state(server, page)
    opt = (opt["racers"][0] if opt.get("racers") else opt)["optimizer"]
    assert opt["low"] == [0, -5] and opt["high"] == [5, 3]
    shot(page, shots, "wrong-guess-box")
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'paused'")

    page.get_by_test_id("box-low-2").fill("7")
    page.get_by_test_id("box-low-2").press("Enter")
    expect(page.get_by_test_id("box-error")).to_contain_text('"from" must be less than "to"')
    expect(page.get_by_test_id("box-low-2")).to_have_class("num invalid")
    opt = server_state(server, page)
    assert (opt["racers"][0] if opt.get("racers") else opt)["optimizer"]["low"] == [0, -5]
    assert console.ours() == []


# (input, typed, words of the reason): each is refused beside the field, and the run stays as it was.
BAD = [
    ("#stop-max", "0", "max steps: a whole number from 1"),
    ("#stop-max", "1e12", "max steps: a whole number from 1"),
    ("#start-1", "1e308", "θ₁⁽⁰⁾: a number from"),
    ("#run-seed", "-1", "run seed: a whole number from 0"),
    ("#run-seed", "1e30", "run seed: a whole number from 0"),
    ('[data-testid="data-x_min"]', "5", '"x from" must be less than "x to"'),
    ("#batch-k", "1000", "mini-batch size k: a whole number from 1 to 100"),
]


@pytest.mark.parametrize("size", [(1440, 1000), (390, 844)], ids=["1440", "390"])
def test_bad_values_are_refused_where_they_are_typed(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None, size: tuple[int, int]) -> None:
    """Each bad value: the field marked invalid, its reason beside it (visible), nothing sent to the run."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{server.url}/?s3d=0")
    page.wait_for_function(OPEN)
    run = d(page, "runId")
    before = server_state(server, page)
    for selector, typed, reason in BAD:
        field = page.locator(selector)
        field.fill(typed)
        field.press("Enter")
        expect(field).to_have_class(re.compile(r"\binvalid\b"))
        error = page.locator(".field-error:not([hidden])", has_text=reason)
        expect(error).to_be_visible()
        shot(page, shots, f"wrong-{size[0]}-{selector.strip('#[]').split('=')[-1].strip(chr(34))}-{typed}")
    assert d(page, "runId") == run  # no new run
    after = server_state(server, page)
    for key in ("stop", "start", "t", "status"):
        assert after[key] == before[key], key
    assert (after.get("racers") or [after])[0]["optimizer"].get("batch_size") is None
    assert console.ours() == []
