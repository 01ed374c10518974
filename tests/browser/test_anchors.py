"""What users of the anchors look for (issue 15): the start dragged on the contour (mouse and touch) with the real
run's path redrawn; momentum β beside γ; a weight typed in on the network diagram and a neuron shown big; new
data; presenter mode; the list of keyboard shortcuts; view toggles through export and import; Space after a slider."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ConsoleLog, Server, d, shot

READY = ("() => window.__descent && window.__descent.socketOpen() && window.__descent.status === 'ready'"
         " && window.__descent.pathLength() >= 1 && !window.__descent.landscapeLoading()")
NET_READY = ("() => window.__descent && window.__descent.socketOpen() && window.__descent.net.problem()"
             " && window.__descent.net.problem().kind === 'network' && window.__descent.net.edgeCount() > 0"
             " && window.__descent.net.decision() !== null")
# The start marker's page position, from the front layer's plot area and axis ranges (as start_drag.js reads it).
START_PX = """() => {
  const gd = document.querySelector('#plot-contour .layer-front');
  const r = gd.querySelector('.nsewdrag').getBoundingClientRect();
  const x = gd._fullLayout.xaxis.range, y = gd._fullLayout.yaxis.range;
  const tr = gd.data[2];  // the start marker (contour.js: catcher, minimum, start, ...)
  return {x: r.left + (tr.x[0] - x[0]) / (x[1] - x[0]) * r.width,
          y: r.top + (y[1] - tr.y[0]) / (y[1] - y[0]) * r.height,
          ranges: [x.slice(), y.slice()], start: [tr.x[0], tr.y[0]]};
}"""


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url) as res:
        return json.load(res)


def open_page(page: Any, url: str, ready: str = READY) -> None:
    page.goto(url)
    page.wait_for_function(ready)


def run_state(page: Any, server: Server) -> dict[str, Any]:
    return dict(get_json(f"{server.url}/api/runs/{d(page, 'runId')}"))


def same_as_server(page: Any, server: Server, n: int) -> list[list[float]]:
    """Wait until the page holds n + 1 steps of racer 0; they are the server's history, step for step."""
    page.wait_for_function(f"() => window.__descent.steps === {n + 1} && window.__descent.t === {n}")
    steps = get_json(f"{server.url}/api/runs/{d(page, 'runId')}/history?format=json")["steps"]
    assert [s["t"] for s in steps] == d(page, "stepsTOf(0)") == list(range(n + 1))
    assert [s["loss"] for s in steps] == d(page, "lossesOf(0)")
    return [s["params"] for s in steps]


# ----- the start dragged -------------------------------------------------------------------------------
def test_dragging_the_start_recomputes_the_real_path_at_once(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    open_page(page, f"{server.url}/?s3d=0")
    at = page.evaluate(START_PX)
    page.mouse.move(at["x"], at["y"])
    page.mouse.down()
    for k in range(1, 13):
        page.mouse.move(at["x"] + 14 * k, at["y"] - 9 * k)
    page.wait_for_function("() => window.__descent.t === 200")  # the path is drawn while the button is held
    page.mouse.up()
    page.wait_for_function("() => window.__descent.status === 'paused' && window.__descent.t === 200")
    after = page.evaluate(START_PX)
    assert after["ranges"] == at["ranges"]  # a drag of the start is not a zoom
    state = run_state(page, server)
    assert state["start"] == after["start"] and state["start"] != at["start"]
    assert abs(after["x"] - (at["x"] + 14 * 12)) < 3 and abs(after["y"] - (at["y"] - 9 * 12)) < 3
    params = same_as_server(page, server, 200)
    assert params[0] == state["start"]
    assert d(page, "pathLength()") > 20
    shot(page, shots, "drag-start")
    assert console.ours() == []


def test_a_finger_drags_the_start_too_and_a_playing_run_plays_on(page: Any, server: Server,
                                                                  console: ConsoleLog) -> None:
    open_page(page, f"{server.url}/?s3d=0&speed=20&max=100000")
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'running' && window.__descent.t > 2")
    at = page.evaluate(START_PX)
    cdp = page.context.new_cdp_session(page)
    touch = lambda kind, x, y: cdp.send("Input.dispatchTouchEvent", {  # noqa: E731
        "type": kind, "touchPoints": [] if kind == "touchEnd" else [{"x": x, "y": y, "id": 1}]})
    touch("touchStart", at["x"], at["y"])
    for k in range(1, 9):
        touch("touchMove", at["x"] - 10 * k, at["y"] + 6 * k)
    touch("touchEnd", 0, 0)
    page.wait_for_function("() => window.__descent.status === 'running'")
    moved = page.evaluate(START_PX)
    # Left and down, as the finger went (the playing run may have grown the landscape meanwhile: no pixel check).
    assert moved["start"][0] < at["start"][0] and moved["start"][1] < at["start"][1]
    assert run_state(page, server)["start"] == moved["start"]
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'paused'")
    assert console.ours() == []


# ----- momentum β ------------------------------------------------------------------------------------
def test_momentum_beta_beside_gamma_is_a_live_setting(page: Any, server: Server, console: ConsoleLog) -> None:
    open_page(page, f"{server.url}/?s3d=0")
    field = page.get_by_test_id("beta-field")
    expect(field).to_be_visible()
    page.get_by_test_id("step").click()
    page.wait_for_function("() => window.__descent.t === 1")
    page.get_by_test_id("beta-input").fill("0.9")
    page.get_by_test_id("beta-input").press("Enter")
    page.wait_for_function(f"async () => (await (await fetch('/api/runs/{d(page, 'runId')}')).json())"
                           ".racers[0].optimizer.momentum === 0.9")
    state = run_state(page, server)
    assert state["t"] == 1 and state["racers"][0]["optimizer"]["label"] == "momentum 0.9"  # not reset
    assert page.get_by_test_id("beta-slider").input_value() == "900"
    page.get_by_test_id("optimizer").select_option("adam")
    expect(page.locator("#beta-name")).to_have_text("β₁")
    page.wait_for_function("() => window.__descent.status === 'ready' && window.__descent.socketOpen()")
    page.get_by_test_id("beta-input").fill("0.5")
    page.get_by_test_id("beta-input").press("Enter")
    page.wait_for_function("async () => (await (await fetch('/api/runs/' + window.__descent.runId)).json())"
                           ".racers[0].optimizer.betas[0] === 0.5")
    page.get_by_test_id("optimizer").select_option("adagrad")
    expect(field).to_be_hidden()  # AdaGrad has no momentum
    assert console.ours() == []


# ----- new data --------------------------------------------------------------------------------------
def test_new_data_draws_the_next_data_seed(page: Any, server: Server, console: ConsoleLog) -> None:
    open_page(page, f"{server.url}/?s3d=0")
    expect(page.get_by_test_id("new-data-seed")).to_have_text("data seed 0")
    first = d(page, "runId")
    before = get_json(f"{server.url}/api/runs/{first}/data")
    page.get_by_test_id("new-data").click()
    page.wait_for_function(f"() => window.__descent.runId !== '{first}' && window.__descent.socketOpen()")
    expect(page.get_by_test_id("new-data-seed")).to_have_text("data seed 1")
    expect(page.get_by_test_id("data-seed")).to_have_value("1")
    config = get_json(f"{server.url}/api/runs/{d(page, 'runId')}/config")["config"]
    assert config["problem"]["data"]["seed"] == 1
    assert get_json(f"{server.url}/api/runs/{d(page, 'runId')}/data") != before
    page.locator("body").press("n")  # the key does the same
    expect(page.get_by_test_id("new-data-seed")).to_have_text("data seed 2")
    assert console.ours() == []


# ----- presenter mode ----------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(1440, 1000), (1280, 720)])
def test_presenter_mode_hides_the_controls_and_enlarges_the_charts(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None, size: tuple[int, int]) -> None:
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    open_page(page, f"{server.url}/?s3d=0")
    normal = page.locator("#plot-contour").bounding_box()
    page.locator("body").press("p")
    expect(page.locator("body")).to_have_class("presenting")
    expect(page.locator(".sidebar")).to_be_hidden()
    expect(page.locator("#copy-link")).to_be_hidden()
    wider = normal["width"] + 100
    page.wait_for_function(f"() => document.querySelector('#plot-contour').getBoundingClientRect().width > {wider}")
    big = page.locator("#plot-contour").bounding_box()
    assert big["width"] > 0.5 * w and big["height"] >= normal["height"] - 1
    assert float(page.locator(".readout b").first.evaluate("el => getComputedStyle(el).fontSize")[:-2]) >= 20
    assert page.evaluate("() => document.documentElement.scrollWidth") <= w  # nothing off the side
    page.wait_for_function("() => location.search.includes('present=1')")  # a copied link opens presenting
    shot(page, shots, f"presenter-{w}x{h}", away=True)
    page.keyboard.press("Escape")
    expect(page.locator("body")).not_to_have_class("presenting")
    expect(page.locator(".sidebar")).to_be_visible()
    page.wait_for_function("() => !location.search.includes('present=1')")
    page.get_by_test_id("present-toggle").click()  # the button, and a link that opens presenting
    expect(page.locator("body")).to_have_class("presenting")
    open_page(page, f"{server.url}/?s3d=0&present=1")
    expect(page.locator("body")).to_have_class("presenting")
    page.get_by_test_id("present-toggle").click()
    expect(page.locator(".sidebar")).to_be_visible()
    assert console.ours() == []


# ----- shortcuts, and Space wherever the focus is --------------------------------------------------------
def test_the_shortcut_list_is_the_table_the_keys_use(page: Any, server: Server, console: ConsoleLog,
                                                     shots: Path | None) -> None:
    open_page(page, f"{server.url}/?s3d=0")
    table = page.evaluate("async () => (await import('/static/js/shortcuts.js')).SHORTCUTS"
                          ".map((s) => [s.label, s.what])")
    assert [k for k, _ in table][:4] == ["Space", "s or →", "Shift + s or →", "r"]
    page.locator("body").press("?")
    dialog = page.get_by_test_id("shortcuts")
    expect(dialog).to_be_visible()
    rows = dialog.locator("tr").all()
    assert [[r.locator("th").inner_text(), r.locator("td").inner_text()] for r in rows] == table
    shot(page, shots, "shortcuts")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_test_id("keys-toggle").click()
    expect(dialog).to_be_visible()
    page.get_by_test_id("shortcuts-close").click()
    expect(dialog).to_be_hidden()
    # Each key does what the list says.
    page.locator("body").press("s")
    page.wait_for_function("() => window.__descent.t === 1")
    page.locator("body").press("Shift+ArrowRight")
    page.wait_for_function("() => window.__descent.t === 11")
    page.locator("body").press("r")
    page.wait_for_function("() => window.__descent.t === 0 && window.__descent.status === 'ready'")
    assert console.ours() == []


def test_space_plays_after_the_slider_and_a_toggle_but_not_while_typing(page: Any, server: Server,
                                                                        console: ConsoleLog) -> None:
    open_page(page, f"{server.url}/?s3d=0&speed=20&max=100000")
    slider = page.get_by_test_id("lr-slider")
    box = slider.bounding_box()
    page.mouse.click(box["x"] + 0.3 * box["width"], box["y"] + box["height"] / 2)  # the slider touched
    lr = d(page, "configLr")
    page.keyboard.press(" ")
    page.wait_for_function("() => window.__descent.status === 'running'")
    expect(page.get_by_test_id("play")).to_contain_text("Pause")
    page.wait_for_function("() => window.__descent.t > 0")  # paused at t = 0 the run says "ready"
    page.keyboard.press(" ")
    page.wait_for_function("() => window.__descent.status === 'paused'")
    assert d(page, "configLr") == lr  # Space did not move the slider
    arrows = page.get_by_test_id("show-arrows")
    arrows.click()  # a toggle has the focus now
    ticked = arrows.is_checked()
    page.keyboard.press(" ")
    page.wait_for_function("() => window.__descent.status === 'running'")
    assert arrows.is_checked() == ticked  # Space played; it did not tick the box
    page.wait_for_function("() => window.__descent.t > 0")
    page.get_by_test_id("play").focus()
    page.keyboard.press(" ")  # on the Play button: one toggle, not two
    page.wait_for_function("() => window.__descent.status === 'paused'")
    page.get_by_test_id("lr-input").click()
    page.keyboard.press(" ")  # typing: not a shortcut
    page.get_by_test_id("lr-input").press("s")
    assert d(page, "status") == "paused"
    assert console.ours() == []


# ----- view toggles through export and import -------------------------------------------------------------
def test_import_restores_the_view_toggles_of_the_export(page: Any, server: Server, console: ConsoleLog,
                                                        tmp_path: Path) -> None:
    open_page(page, f"{server.url}/?s3d=0")
    page.get_by_test_id("show-arrows").uncheck()
    page.get_by_test_id("show-flow").check()
    page.get_by_test_id("log-j").uncheck()
    page.locator("body").press("Shift+s")
    page.wait_for_function("() => window.__descent.t === 10")
    page.get_by_test_id("runs-toggle").click()
    drawer = page.get_by_test_id("runs-drawer")
    with page.expect_download() as dl:
        drawer.get_by_test_id("export-json").click()
    path = tmp_path / "run.json"
    dl.value.save_as(path)
    doc = json.loads(path.read_text())
    assert doc["page"]["view"] == {"arrows": False, "flow": True, "logJ": False, "logGrad": True, "surface3d": False,
                                   "stepArrows": True, "byExamples": False}
    page.get_by_test_id("runs-toggle").click()
    # Back to the defaults, then import: the exported toggles come back, in the boxes and on the charts.
    page.get_by_test_id("show-arrows").check()
    page.get_by_test_id("show-flow").uncheck()
    page.get_by_test_id("log-j").check()
    before = d(page, "runId")
    page.get_by_test_id("runs-toggle").click()
    drawer.get_by_test_id("import-file").set_input_files(str(path))
    page.wait_for_function(f"() => window.__descent.runId !== '{before}' && window.__descent.t === 10")
    expect(page.get_by_test_id("show-arrows")).not_to_be_checked()
    expect(page.get_by_test_id("show-flow")).to_be_checked()
    expect(page.get_by_test_id("log-j")).not_to_be_checked()
    page.wait_for_function("() => window.__descent.arrowCount() === 0")
    page.wait_for_function("() => location.search.includes('arrows=0') && location.search.includes('logJ=0')")
    # The server takes such a document as it is (the page's part is ignored there).
    req = urllib.request.Request(f"{server.url}/api/runs/import", data=path.read_bytes(),
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req) as r:
        assert r.status == 201
    assert console.ours() == []


# ----- the network diagram: a weight typed in, a neuron shown big -----------------------------------------
def test_click_an_edge_to_set_its_weight_and_a_neuron_to_see_it_big(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    open_page(page, f"{server.url}/?kind=network&data=circles&hidden=4&s3d=0", NET_READY)
    page.wait_for_function("() => window.__descent.net.thumbs() === 4")
    at = d(page, "net.edgePoint(0, 1, 2, 0.35)")
    page.mouse.click(at["x"], at["y"])
    box = page.get_by_test_id("weight-edit")
    expect(box).to_be_visible()
    expect(box).to_contain_text("W₁[1, 2]")
    page.get_by_test_id("weight-input").fill("1.25")
    page.get_by_test_id("weight-input").press("Enter")
    expect(box).to_be_hidden()
    url = f"{server.url}/api/runs/{d(page, 'runId')}/network"
    page.wait_for_function(f"async () => (await (await fetch('{url}')).json()).layers[0].W[1][2] === 1.25")
    page.wait_for_function("() => window.__descent.net.edge(0, 1, 2).value === 1.25")  # the diagram shows it
    events = get_json(f"{server.url}/api/runs/{d(page, 'runId')}/config")["events"]
    assert events[-1] == {"clock": 0, "type": "weight", "racer": 0, "layer": 0, "i": 1, "j": 2, "value": 1.25}
    # A bias edge, and a refusal said at the box.
    at = d(page, "net.edgePoint(1, 'b', 0, 0.5)")
    page.mouse.click(at["x"], at["y"])
    expect(box).to_contain_text("b₂[0]")
    page.get_by_test_id("weight-input").fill("1e9")
    page.get_by_test_id("weight-input").press("Enter")
    expect(box).to_be_visible()
    expect(page.get_by_test_id("weight-input")).to_have_class("num invalid")
    page.get_by_test_id("weight-input").press("Escape")
    expect(box).to_be_hidden()
    # A hidden neuron, then the output, shown big.
    at = d(page, "net.nodePoint(1, 3)")
    page.mouse.click(at["x"], at["y"])
    zoom = page.get_by_test_id("neuron-zoom")
    expect(zoom).to_be_visible()
    expect(zoom).to_contain_text("h₁,₄")
    page.wait_for_function("() => window.__descent.net.zoomPaints() > 0")
    size = zoom.locator("canvas").bounding_box()
    assert size["width"] > 150 and size["height"] > 100
    shot(page, shots, "neuron-zoom")
    at = d(page, "net.nodePoint(2, 0)")
    page.mouse.click(at["x"], at["y"])
    expect(zoom).to_contain_text("ŷ")
    page.keyboard.press("Escape")
    expect(zoom).to_be_hidden()
    assert console.ours() == []
