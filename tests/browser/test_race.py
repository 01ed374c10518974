"""Races in headless Chromium: optimisers side by side on a test surface, built through the page, retuned live."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from tests.browser.conftest import ConsoleLog, Server
from tests.browser.test_page import d, open_page, shot


def offers_surfaces(server: Server) -> None:
    """The server must offer test surfaces (problem kind "surface") for these tests to mean anything."""
    with urllib.request.urlopen(f"{server.url}/api/registry") as res:
        problems = json.load(res).get("problems", [])
    assert "surface" in problems, f"the server offers {problems}: app/schemas.py PROBLEM_SPECS needs 'surface'"


def run_state(server: Server, run_id: str) -> dict[str, Any]:
    """GET /api/runs/{id}."""
    with urllib.request.urlopen(f"{server.url}/api/runs/{run_id}") as res:
        return json.load(res)


def test_race_of_three_on_rosenbrock(page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """Build a race on Rosenbrock with the page, play it: three paths grow (contour and 3-D), the leaderboard
    lists three racers, a racer retuned mid-run takes its new lr from its next step, and the link reopens it."""
    offers_surfaces(server)
    open_page(page, server, "?speed=60&s3d=0")  # the 3-D view is switched on below: software WebGL is slow
    page.get_by_test_id("kind-switch").get_by_text("test surface").click()
    page.wait_for_function("() => window.__descent.socketOpen() && new URLSearchParams(location.search).get('kind')"
                           " === 'surface'")
    expect(page.get_by_test_id("surface-name")).to_have_value("rosenbrock")  # the default surface
    expect(page.get_by_test_id("surface-formula")).to_contain_text("(a − x)² + b·(y − x²)²")
    expect(page.get_by_test_id("surface-facts")).to_contain_text("(1, 1)")
    page.wait_for_function("() => window.__descent.box && window.__descent.box.x_min <= -2")

    # One racer (plain GD, its lr retuned for Rosenbrock) plus two added live: Adam and RMSProp.
    assert d(page, "configRacers") == [{"name": "gd", "lr": 0.001, "batch_size": None}]
    for name in ("adam", "rmsprop"):
        page.get_by_test_id("add-racer-name").select_option(name)
        page.get_by_test_id("add-racer").click()
    page.wait_for_function("() => window.__descent.racerCount === 3 && window.__descent.leaderRows() === 3")
    expect(page.get_by_test_id("racer")).to_have_count(3)
    expect(page.locator("#lr-panel")).to_be_hidden()  # the cards are the racers' controls now
    rules = page.get_by_test_id("race-rules").inner_text()
    assert "Adam" in rules and "RMSProp" in rules and "m ← β1·m + (1−β1)·g" in rules

    page.get_by_test_id("play").click()
    page.wait_for_function("() => [0, 1, 2].every((k) => window.__descent.pathLength(k) >= 10)")
    before = page.evaluate("() => [0, 1, 2].map((k) => window.__descent.pathLength(k))")
    page.wait_for_function(f"() => [0, 1, 2].every((k) => window.__descent.pathLength(k) > {before}[k])")
    page.wait_for_function("() => window.__descent.stepArrowCount() >= 6")  # Δθ and −∇J at each racer, at least
    names = sorted(row[0] for row in d(page, "leaderTexts()"))
    assert names == ["Adam", "RMSProp", "SGD"]

    # Retune Adam (racer 1) mid-run: its next steps use the new rate; SGD's do not change; nothing restarts.
    t_before = d(page, "t")
    lr_box = page.get_by_test_id("racer").nth(1).get_by_test_id("racer-lr")
    lr_box.fill("0.02")
    lr_box.press("Enter")
    page.wait_for_function("() => window.__descent.lastStepLrOf(1) === 0.02")
    assert d(page, "lastStepLrOf(0)") == 0.001
    assert d(page, "stepsOf(1)") > t_before
    page.wait_for_function("() => window.__descent.leaderTexts().some(([name, , , s]) => name === 'Adam'"
                           " && s.includes('0.02'))")

    shot(page, shots, "race-1-rosenbrock")

    page.get_by_test_id("play").click()  # pause
    page.wait_for_function("() => window.__descent.status === 'paused'")

    # The link holds the race: a new page opens the same three racers on the same surface.
    page.wait_for_function("() => new URLSearchParams(location.search).getAll('r').length === 3"
                           " && location.search.includes('lr%3D0.02')")
    q = parse_qs(urlparse(page.url).query)
    assert q["kind"] == ["surface"] and q["surface"] == ["rosenbrock"]
    again = page.context.new_page()
    again.goto(page.url)
    again.wait_for_function("() => window.__descent && window.__descent.runId && window.__descent.racerCount === 3")
    state = run_state(server, again.evaluate("() => window.__descent.runId"))
    again.close()
    assert state["problem"]["name"] == "rosenbrock" and state["start"] == [-1.2, 1.0]
    assert [(r["optimizer"]["name"], r["optimizer"]["lr"], r["optimizer"]["label"]) for r in state["racers"]] == [
        ("gd", 0.001, "SGD"), ("adam", 0.02, "Adam"), ("rmsprop", 0.05, "RMSProp")]

    # Last (software WebGL is slow): the 3-D view draws every racer's path, each in its colour.
    page.get_by_test_id("show-3d").check()
    page.wait_for_function("() => [0, 1, 2].every((k) => window.__descent.surfacePathLength(k) > 10)")
    assert console.ours() == []


def test_presets_remove_surfaces_and_a_regression_race(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """A one-click racer set plays at once; a racer removed mid-run leaves the others running; Himmelblau shows
    its four minima; a quadratic shows its eigenvalues and step sizes; and linear regression races too."""
    offers_surfaces(server)
    open_page(page, server, "?kind=surface&surface=himmelblau&speed=400&s3d=0")
    # The r= text of a racer keeps every setting: labels with spaces, schedules, pairs, booleans, nulls.
    same = page.evaluate("""async () => {
        const R = await import('/static/js/racers.js');
        const racers = [
          {name: 'gd', lr: 0.001, batch_size: null, momentum: 0.9, nesterov: true, label: 'fast = (1)'},
          {name: 'adam', lr: 0.05, betas: [0.9, 0.99], amsgrad: true, schedule: {name: 'step', step_size: 100,
           gamma: 0.5}},
          {name: 'random_search'},
        ];
        return racers.map((r) => JSON.stringify(R.racerFromText(R.racerToText(r))) === JSON.stringify(r));
    }""")
    assert same == [True, True, True]
    page.wait_for_function("() => document.querySelector('#plot-contour .layer-front').data[1].x.length === 4")

    page.get_by_test_id("race-preset-momentum").click()  # SGD · momentum · Nesterov, played at once
    page.wait_for_function("() => window.__descent.racerCount === 3 && window.__descent.status === 'running'")
    racers = d(page, "configRacers")
    assert [r["name"] for r in racers] == ["gd"] * 3 and racers[1]["momentum"] == 0.9 and racers[2]["nesterov"] is True
    page.wait_for_function("() => window.__descent.stepsOf(2) >= 5")
    page.get_by_test_id("racer").nth(0).get_by_test_id("racer-remove").click()  # SGD leaves, mid-run
    page.wait_for_function("() => window.__descent.racerCount === 2 && window.__descent.leaderRows() === 2")
    # Every racer converges to one of the four minima; the leaderboard says when.
    page.wait_for_function("() => [0, 1].every((k) => window.__descent.racerStatus(k) === 'converged')")
    texts = d(page, "leaderTexts()")
    assert all("converged" in row[3] and "at t = " in row[3] for row in texts), texts
    assert sorted(row[0] for row in texts) == ["Nesterov 0.9", "momentum 0.9"]
    shot(page, shots, "race-2-himmelblau")

    # A quadratic bowl: the Hessian's eigenvalues, 2/λmax, the best fixed step and its rate.
    page.get_by_test_id("surface-name").select_option("quadratic")
    page.get_by_test_id("surface-condition").fill("20")
    page.get_by_test_id("surface-condition").press("Enter")
    facts = page.get_by_test_id("surface-facts")
    expect(facts).to_contain_text("1, 20")
    expect(facts).to_contain_text("2/λmax")
    expect(facts).to_contain_text("0.0952")  # 2/(1 + 20)
    expect(facts).to_contain_text("0.9048")  # (κ−1)/(κ+1)
    assert "sf.condition=20" in page.url

    # Linear regression races as well: the racers' lines on the data, the leaderboard beside them.
    page.get_by_test_id("kind-switch").get_by_text("regression line").click()
    page.get_by_test_id("race-preset-adaptive").click()
    page.wait_for_function("() => window.__descent.racerCount === 3 && window.__descent.leaderRows() === 3")
    page.wait_for_function("() => [0, 1, 2].every((k) => window.__descent.pathLength(k) >= 3)")
    expect(page.get_by_test_id("plot-data")).to_be_visible()
    expect(page.get_by_test_id("leaderboard")).to_be_visible()
    assert console.ours() == []
