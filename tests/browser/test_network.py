"""Networks in headless Chromium: build one in the page, train it, watch its weights and decision regions change."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ConsoleLog, Server, d, shot

NET_READY = ("() => window.__descent && window.__descent.socketOpen() && window.__descent.net.problem()"
             " && window.__descent.net.problem().kind === 'network' && window.__descent.net.edgeCount() > 0"
             " && window.__descent.net.decision() !== null")


def server_state(server: Server, run_id: str) -> dict[str, Any]:
    """GET /api/runs/{id}."""
    with urllib.request.urlopen(f"{server.url}/api/runs/{run_id}") as res:
        return dict(json.load(res))


@pytest.fixture(autouse=True)
def networks_served(server: Server) -> None:
    """These tests need a server that runs networks."""
    with urllib.request.urlopen(f"{server.url}/api/registry") as res:
        if "network" not in json.load(res).get("problems", []):
            pytest.skip("this server does not offer network runs")


def counts_text(page: Any) -> dict[str, int]:
    """The counts the builder shows: {neurons, weights, biases, parameters}."""
    cells = page.get_by_test_id("net-counts").locator("[data-count]")
    return {c.get_attribute("data-count"): int(c.inner_text().replace(",", "")) for c in cells.all()}


def test_build_train_and_watch_the_weights_change(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """Switch to a network, build it (a wider first layer, one more layer), train it on circles: the diagram's
    edges, the weight matrices, the decision regions and the hidden units change, and the accuracy rises."""
    page.goto(f"{server.url}/?speed=250&eps=off&s3d=0")  # the 3-D view is tested elsewhere; slow without a GPU
    page.wait_for_function("() => window.__descent && window.__descent.runId && window.__descent.socketOpen()")
    first = d(page, "runId")
    page.get_by_test_id("kind-switch").get_by_text("neural network").click()
    page.wait_for_function(f"() => window.__descent.runId !== '{first}'")
    page.wait_for_function(NET_READY)
    expect(page.get_by_test_id("plot-net-diagram")).to_be_visible()
    expect(page.get_by_test_id("plot-contour")).to_be_hidden()
    assert d(page, "configLr") == 0.3  # the kind's own optimiser settings

    # The lecture's example, counted as the lecture counts.
    lecture = page.evaluate("async () => (await import('/static/js/panels/network_spec.js')).counts([3, 4, 2])")
    assert lecture == {"neurons": 6, "weights": 20, "biases": 6, "params": 26}

    # Build: circles; hidden 1 gets two more neurons; one more hidden layer.
    page.get_by_test_id("net-dataset").select_option("circles")
    page.wait_for_function("() => window.__descent.net.problem().data === 'circles'")
    assert counts_text(page) == {"neurons": 9, "weights": 28, "biases": 9, "parameters": 37}  # [2, 4, 4, 1]
    page.get_by_test_id("net-more-1").click()
    page.get_by_test_id("net-more-1").click()
    page.get_by_test_id("net-add-layer").click()
    expect(page.get_by_test_id("net-shape")).to_have_text("[2, 6, 4, 4, 1]")
    # 6 + 4 + 4 + 1 neurons; 2·6 + 6·4 + 4·4 + 4·1 weights; a bias per neuron.
    assert counts_text(page) == {"neurons": 15, "weights": 56, "biases": 15, "parameters": 71}
    page.wait_for_function("() => JSON.stringify(window.__descent.net.problem().layers) === '[2,6,4,4,1]'")
    page.wait_for_function(NET_READY + " && window.__descent.net.thumbs() === 14")
    run_id = d(page, "runId")
    assert server_state(server, run_id)["problem"]["counts"] == {"neurons": 15, "weights": 56, "biases": 15,
                                                                 "params": 71}
    assert "hidden=6%2C4%2C4" in page.url or "hidden=6,4,4" in page.url
    shot(page, shots, "net-1-built", away=True)

    # Before training: an edge, the decision regions, the hover text of an edge.
    edge0 = d(page, "net.edge(1, 0, 0)")
    bias0 = d(page, "net.edge(3, 'b', 0)")
    picture0 = d(page, "net.decision()")
    weights0 = d(page, "net.weightZ(0)")
    acc0 = d(page, "net.accuracy()")
    draws0 = d(page, "net.diagramDraws()")
    p = d(page, "net.edgePoint(3, 'b', 0, 0.35)")  # the output's bias: the edge from the last +1 node
    page.mouse.move(p["x"], p["y"])
    page.wait_for_function("() => window.__descent.net.tip().includes('b₄[0] =')")
    tip0 = d(page, "net.tip()")

    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.t > 0")
    page.mouse.move(p["x"], p["y"])  # back over the bias edge: its value changes under the pointer
    page.wait_for_function(f"() => window.__descent.net.tip().includes('b₄[0] =') && window.__descent.net.tip() !== "
                           f"{json.dumps(tip0)}")
    page.wait_for_function("() => window.__descent.t >= 400 && window.__descent.net.accuracy() >= 0.9", timeout=40_000)
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'paused'")
    page.wait_for_timeout(400)  # the last weights and grid of the paused run reach the charts

    edge1 = d(page, "net.edge(1, 0, 0)")
    assert edge1["value"] != edge0["value"]
    assert (edge1["width"], edge1["colour"]) != (edge0["width"], edge0["colour"]) or abs(
        edge1["value"] - edge0["value"]) > 1e-3
    assert d(page, "net.edge(3, 'b', 0)")["value"] != bias0["value"]  # the output's bias is drawn and moves too
    assert d(page, "net.decision()") != picture0
    assert d(page, "net.weightZ(0)") != weights0
    assert d(page, "net.diagramDraws()") > draws0 + 5
    assert d(page, "net.hiddenUpdates()") > 1 and d(page, "net.samples()") > 5
    # It reached 90% while playing (waited for above); SGD on batches of 10 wanders a little after that, so the
    # paused state's test accuracy is checked against the server's, and for being well above the start's.
    acc1 = d(page, "net.accuracy()")
    assert acc1 == server_state(server, run_id)["racers"][0]["test_accuracy"]
    assert acc1 >= 0.75 and acc1 > acc0
    expect(page.get_by_test_id("readout-accuracy")).to_contain_text("%")
    shot(page, shots, "net-2-trained", away=True)

    # The link reopens the same network.
    page.wait_for_function("() => new URLSearchParams(location.search).get('data') === 'circles'")
    q = parse_qs(urlparse(page.url).query)
    assert q["kind"] == ["network"] and q["hidden"] == ["6,4,4"] and q["act"] == ["tanh"]
    page.goto(page.url)
    page.wait_for_function(NET_READY)
    assert d(page, "net.problem()")["layers"] == [2, 6, 4, 4, 1]
    assert page.get_by_test_id("net-width-1").inner_text() == "6"
    assert console.ours() == []


def test_softmax_menus_live_settings_and_back_to_lines(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """Three classes: the menus refuse a sigmoid head and binary cross-entropy; the learning rate stays live;
    a new activation starts a fresh run; back to the regression line, its charts return."""
    page.goto(f"{server.url}/?kind=network&data=spiral&d.classes=3&hidden=16,16&head=softmax&loss=ce"
              "&lr=0.3&batch=10&speed=150&eps=off&s3d=0")
    page.wait_for_function(NET_READY)
    problem = d(page, "net.problem()")
    assert problem["layers"] == [2, 16, 16, 3] and problem["head"] == "softmax" and problem["classes"] == 3
    head = page.get_by_test_id("net-head")
    assert head.locator("option[value=sigmoid]").is_disabled()
    assert page.get_by_test_id("net-loss").locator("option[value=bce]").is_disabled()
    assert counts_text(page) == {"neurons": 35, "weights": 336, "biases": 35, "parameters": 371}

    run_id = d(page, "runId")
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.t >= 30")
    picture0 = d(page, "net.decision()")
    assert picture0["mode"] == "softmax" and picture0["picture"] > 1000
    page.get_by_test_id("lr-input").fill("0.1")
    page.get_by_test_id("lr-input").press("Enter")
    page.wait_for_function("() => window.__descent.lastStepLr === 0.1")
    assert d(page, "runId") == run_id  # live: the same run goes on
    page.wait_for_function(f"() => window.__descent.net.decision().sum !== {picture0['sum']}")
    shot(page, shots, "net-3-spiral", away=True)

    page.get_by_test_id("net-act-1").select_option("relu")
    page.wait_for_function(f"() => window.__descent.runId !== '{run_id}'")
    page.wait_for_function(NET_READY + " && window.__descent.net.problem().activation[0] === 'relu'")
    assert d(page, "net.problem()")["activation"] == ["relu", "tanh"]
    page.get_by_test_id("reset").click()  # the new run went on playing: back to t = 0, paused
    page.wait_for_function("() => window.__descent.t === 0 && window.__descent.status !== 'running'")
    page.get_by_test_id("step").click()
    page.wait_for_function("() => window.__descent.t === 1")

    page.get_by_test_id("kind-switch").get_by_text("regression line").click()
    page.wait_for_function("() => window.__descent.runId && window.__descent.pathLength() >= 1 && window.__descent.box")
    expect(page.get_by_test_id("plot-contour")).to_be_visible()
    expect(page.get_by_test_id("plot-net-diagram")).to_be_hidden()
    page.wait_for_function("() => !location.search.includes('kind=') && !location.search.includes('hidden=')")
    assert console.ours() == []


def test_the_page_says_when_the_server_plays_slower_than_asked(page: Any, server: Server,
                                                               console: ConsoleLog) -> None:
    """A big network on 2,000 points, full batch, asked for 5,000 steps a second: no server keeps up, and beside
    the speed the page shows the rate it really plays at; paused, the note goes."""
    page.goto(f"{server.url}/?kind=network&data=circles&d.n=2000&hidden=64,64&batch=full&speed=5000&eps=off&s3d=0")
    page.wait_for_function(NET_READY)
    expect(page.get_by_test_id("speed-actual")).to_be_hidden()
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.playingRate() !== null", timeout=20_000)
    rate = d(page, "playingRate()")
    assert 0 < rate < 0.8 * 5000
    expect(page.get_by_test_id("speed-actual")).to_have_text(re.compile(r"^playing [\d,]+/s$"))
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'paused'")
    expect(page.get_by_test_id("speed-actual")).to_be_hidden()
    assert console.ours() == []
