"""The page in headless Chromium: play, move the learning rate live, watch the path and the table grow."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from tests.browser.conftest import ConsoleLog, Server, d, shot

READY = "() => window.__descent && window.__descent.runId && window.__descent.pathLength() >= 1"


def open_page(page: Any, server: Server, query: str = "") -> None:
    """Open the page and wait until a run is connected and drawn."""
    page.goto(f"{server.url}/{query}")
    page.wait_for_function(READY)
    page.wait_for_function("() => window.__descent.socketOpen() && window.__descent.box !== null")


def test_play_move_learning_rate_path_and_table_grow(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """Play; the path and the table grow; a new learning rate is used by the very next steps, without reset."""
    open_page(page, server, "?speed=40&lr=0.05&eps=off")
    assert d(page, "status") == "ready"
    expect(page.get_by_test_id("status-word")).to_have_text("ready")
    page.wait_for_function("() => window.__descent.arrowCount() > 0")  # the −∇J field is drawn

    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'running'")
    page.wait_for_function("() => window.__descent.pathLength() >= 8 && window.__descent.tableRows() >= 8")
    path_before = d(page, "pathLength()")
    t_before = d(page, "t")
    assert d(page, "lastStepLr") == 0.05
    expect(page.get_by_test_id("iter-table").locator("tbody tr").first.locator("td").last).to_have_text("0.05")
    shot(page, shots, "1-running")

    # Move the learning-rate slider: the next steps use the new value, and nothing was reset.
    page.get_by_test_id("lr-slider").fill("700")  # log scale: 1e-4 · 10^(5 · 0.7) ≈ 0.316
    lr = d(page, "configLr")
    assert abs(lr - 0.316) < 0.001
    page.wait_for_function(f"() => window.__descent.lastStepLr === {lr}")
    assert d(page, "t") > t_before  # the run went on from where it was
    assert d(page, "steps") > t_before
    page.wait_for_function(f"() => window.__descent.newestRow()[5] === '{lr:.3g}'")
    page.wait_for_function(f"() => window.__descent.lr === {lr}")
    expect(page.get_by_test_id("readout-lr")).to_have_text(f"{lr:.3g}")

    # And the number box: the same, live.
    box = page.get_by_test_id("lr-input")
    box.fill("0.2")
    box.press("Enter")
    page.wait_for_function("() => window.__descent.lastStepLr === 0.2")
    page.wait_for_function(f"() => window.__descent.pathLength() > {path_before}")
    assert d(page, "curveLength()") > t_before
    page.wait_for_function("() => window.__descent.surfacePathLength() > 1")
    shot(page, shots, "2-new-lr")

    # The link holds the new learning rate.
    q = parse_qs(urlparse(page.url).query)
    page.wait_for_function("() => new URLSearchParams(location.search).get('lr') === '0.2'")
    assert q.get("speed") == ["40"]

    page.get_by_test_id("play").click()  # pause
    page.wait_for_function("() => window.__descent.status === 'paused'")
    assert console.ours() == []


def test_presets_click_and_random_search(page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """Presets from 2/λmax diverge and converge, in words; a click on the contour sets the start; random
    guessing starts a fresh run whose guesses are drawn and tabled."""
    open_page(page, server, "?speed=2000&s3d=0")  # the 3-D view is tested above; it is slow without a GPU
    hint = page.get_by_test_id("lr-hint").inner_text()
    assert "2/λmax" in hint and "2/(λmin+λmax)" in hint

    # "too big" is just above 2/λmax: the run diverges and the status says why.
    page.get_by_test_id("preset-big").click()
    page.wait_for_function("() => window.__descent.status === 'diverged'")
    diverged = re.compile(r"at t = \d+: learning rate .* is above 2/λmax")
    expect(page.get_by_test_id("status-text")).to_contain_text(diverged)
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "diverged")
    shot(page, shots, "3-diverged")

    # "about right" converges: ‖∇J‖ ≤ ε, in words.
    page.get_by_test_id("preset-right").click()
    page.wait_for_function("() => window.__descent.status === 'converged'")
    expect(page.get_by_test_id("status-text")).to_contain_text(re.compile(r"‖∇J‖ ≤ 1e-6 at t = \d+"))
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "converged")

    # A click on the parameter plot starts again from the clicked θ (once the landscape drawn is the last asked for).
    page.wait_for_function("() => !window.__descent.landscapeLoading()")
    box = page.evaluate("() => window.__descent.box")
    bb = page.locator("#plot-contour .layer-front .nsewdrag").first.bounding_box()
    page.mouse.click(bb["x"] + bb["width"] * 0.25, bb["y"] + bb["height"] * 0.3)
    page.wait_for_function("() => window.__descent.t === 0 && new URLSearchParams(location.search).has('start')")
    start = [float(v) for v in parse_qs(urlparse(page.url).query)["start"][0].split(",")]
    x_span = box["x_max"] - box["x_min"]
    y_span = box["y_max"] - box["y_min"]
    assert abs(start[0] - (box["x_min"] + 0.25 * x_span)) < 0.03 * x_span
    assert abs(start[1] - (box["y_max"] - 0.3 * y_span)) < 0.03 * y_span
    assert abs(float(page.locator("#start-1").input_value()) - start[0]) < 1e-3
    page.get_by_test_id("step").click()
    page.wait_for_function("() => window.__descent.t === 1")

    # Random guessing: a fresh run; every guess is drawn; the table lists guesses beside the best J.
    first = d(page, "runId")
    page.get_by_test_id("speed").fill("500")  # log scale: about 70 steps/s
    page.get_by_test_id("optimizer").select_option("random_search")
    page.wait_for_function(f"() => window.__descent.runId !== '{first}' && window.__descent.socketOpen()")
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.guessCount() >= 10 && window.__descent.tableRows() >= 10")
    head = page.get_by_test_id("iter-table").locator("thead").inner_text()
    assert "θ̃₁" in head and "best J" in head
    assert page.get_by_test_id("lr-slider").is_disabled()
    assert "opt=random_search" in page.url
    shot(page, shots, "4-random-search")
    assert console.ours() == []


def test_the_link_reopens_the_same_setup(page: Any, server: Server, console: ConsoleLog) -> None:
    """Everything in the query string reaches the run the page creates."""
    query = ("?n=40&slope=-1&intercept=0.5&noise=0.1&dseed=7&opt=gd&lr=0.3&batch=1&eps=1e-4&max=500&seed=3"
             "&start=1,2&s3d=0")
    open_page(page, server, query)
    run_id = d(page, "runId")
    with urllib.request.urlopen(f"{server.url}/api/runs/{run_id}") as res:
        state = json.load(res)
    assert state["racers"][0]["optimizer"]["lr"] == 0.3
    assert state["racers"][0]["optimizer"]["batch_size"] == 1
    assert state["stop"]["grad_norm"] == 1e-4 and state["stop"]["max_steps"] == 500
    assert state["start"] == [1.0, 2.0] and state["seed"] == 3
    assert state["problem"]["n"] == 40
    q = parse_qs(urlparse(page.url).query)
    assert q["slope"] == ["-1"] and q["batch"] == ["1"] and q["dseed"] == ["7"]
    assert page.get_by_test_id("data-n").input_value() == "40"

    # The round trip itself, for set-ups the form cannot make yet (races, optimiser settings, CSV data).
    same = page.evaluate("""async () => {
        const S = await import('/static/js/state.js');
        const configs = [
          {...S.DEFAULTS, racers: [{name: 'random_search'}], start: [0.5, -2], view: {...S.DEFAULTS.view, flow: true}},
          {...S.DEFAULTS, csv: 'x,y\\n0,1\\n1,3\\n', stop: {grad_norm: null, delta_loss: 1e-9, max_steps: null}},
          {...S.DEFAULTS, racers: [{name: 'gd', lr: 0.01, batch_size: 8, momentum: 0.9},
                                   {name: 'adam', lr: 0.001, betas: [0.9, 0.99], amsgrad: true}]},
        ];
        return configs.map((c) => {
          Object.assign(S.config, structuredClone(c));
          const back = S.fromQuery(S.toQuery());
          return JSON.stringify(back) === JSON.stringify(S.fromQuery(new URLSearchParams(S.toQuery()).toString()))
            && JSON.stringify(back.racers) === JSON.stringify(c.racers.map((r) => ({...r})))
              || [JSON.stringify(back), JSON.stringify(c)];
        });
    }""")
    assert same == [True, True, True], same
    assert console.ours() == []


def test_reconnects_and_resyncs_after_a_drop(page: Any, server: Server, console: ConsoleLog) -> None:
    """When the websocket drops mid-run, the page reconnects, resyncs from the hello and plays on."""
    routes: list[Any] = []

    def through(ws: Any) -> None:
        ws.connect_to_server()  # forward everything: the test only wants the power to cut the line
        routes.append(ws)

    page.route_web_socket(re.compile(r"/api/runs/[^/]+/stream$"), through)
    open_page(page, server, "?speed=60&eps=off&s3d=0")
    run_id = d(page, "runId")
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.pathLength() >= 5")
    routes[0].close(code=1012, reason="the test cut the line")
    page.wait_for_function("() => !window.__descent.socketOpen()")
    page.wait_for_function("() => window.__descent.socketOpen()")
    assert len(routes) == 2 and d(page, "runId") == run_id  # the same run, streamed again
    t = d(page, "t")
    page.wait_for_function(f"() => window.__descent.status === 'running' && window.__descent.t > {t} + 5")
    steps, t = page.evaluate("() => [window.__descent.steps, window.__descent.t]")
    assert steps == t + 1  # the history was resynced: every step (t = 0 included), once
    assert console.ours() == []
