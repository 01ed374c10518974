"""Share, save, export: a replay link reproduces a run's numbers; charts export as PNG and SVG; a saved run
reopens after a reload; an exported run imports to the same history; saved runs delete.

Page loads are the slow part of a browser test (Plotly is 4 MB of JavaScript), so each test loads two pages
and checks a whole story on them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from tests.browser.conftest import ConsoleLog, Server, d, shot

READY = "() => window.__descent && window.__descent.runId && window.__descent.socketOpen()"


def open_page(page: Any, url: str) -> None:
    """Open the page and wait until a run is connected."""
    page.goto(url)
    page.wait_for_function(READY)


def steps(page: Any, n: int) -> None:
    """Take n steps with the Step button (shift-click: 10) and wait for them."""
    t = d(page, "t")
    for k in [10] * (n // 10) + [1] * (n % 10):
        page.get_by_test_id("step").click(modifiers=["Shift"] if k == 10 else [])
        t += k
        page.wait_for_function(f"() => window.__descent.t === {t}")


def open_drawer(page: Any) -> Any:
    """Open the Runs drawer and wait for its list of saved runs."""
    drawer = page.get_by_test_id("runs-drawer")
    if not drawer.is_visible():
        with page.expect_response(lambda r: r.url.endswith("/api/saved")):
            page.get_by_test_id("runs-toggle").click()
    expect(drawer).to_be_visible()
    return drawer


def history(page: Any, k: int = 0) -> tuple[list[int], list[float]]:
    """Racer k's t and J, as the page holds them."""
    return d(page, f"stepsTOf({k})"), d(page, f"lossesOf({k})")


def get_json(url: str) -> Any:
    """GET a JSON answer of the app."""
    with urllib.request.urlopen(url) as res:
        return json.load(res)


def download(page: Any, click: Any, tmp_path: Path) -> Path:
    """Run `click()`, wait for the download it starts, and keep it under its suggested name."""
    with page.expect_download() as dl:
        click()
    out = tmp_path / dl.value.suggested_filename
    dl.value.save_as(out)
    return out


def test_replay_link_and_chart_exports(
        page: Any, server: Server, console: ConsoleLog, context: Any, tmp_path: Path) -> None:
    """Steps, a live change of γ, more play; the charts export; the replay link opens a second page replayed
    to the same t with the same J at every step, and both go on alike."""
    open_page(page, f"{server.url}/?speed=300&lr=0.05&eps=off&s3d=0&n=60&dseed=4")
    steps(page, 10)
    box = page.get_by_test_id("lr-input")
    box.fill("0.2")
    box.press("Enter")  # live: the run goes on from t = 10 with γ = 0.2
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.t >= 40 && window.__descent.lastStepLr === 0.2")
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'paused'")
    t = d(page, "t")
    ts, losses = history(page)
    assert ts == list(range(t + 1))

    # Every chart card has an export menu: PNG (twice the size on screen) and SVG, through Plotly.
    def export(testid: str, fmt: str) -> Path:
        page.get_by_test_id(testid).click()
        menu = page.get_by_test_id("export-menu")
        expect(menu).to_be_visible()
        out = download(page, lambda: menu.get_by_test_id(f"export-{fmt}").click(), tmp_path)
        expect(menu).to_be_hidden()
        return out

    png = export("export-plot-contour", "png")
    assert png.name == f"descent-linear-regression-parameter-space-t{t}.png"
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    width = int.from_bytes(data[16:20], "big")
    assert abs(width - 2 * page.get_by_test_id("plot-contour").bounding_box()["width"]) <= 2
    svg = export("export-plot-contour", "svg").read_text()
    assert svg.startswith("<?xml") and svg.count("<svg") >= 3 and "contour" in svg  # both layers, stacked
    assert "<svg" in export("export-plot-curves", "svg").read_text()[:400]  # a single Plotly graph

    # The two links: the settings (from t = 0) and the replay (these numbers).
    drawer = open_drawer(page)
    drawer.get_by_test_id("copy-settings").click()
    q = parse_qs(urlparse(drawer.get_by_test_id("share-url").input_value()).query)
    assert q["lr"] == ["0.2"] and q["n"] == ["60"] and q["dseed"] == ["4"] and "replay" not in q
    drawer.get_by_test_id("copy-replay").click()
    page.wait_for_function("() => document.querySelector('[data-testid=share-url]').value.includes('replay=')")
    link = drawer.get_by_test_id("share-url").input_value()
    assert len(link) < 9000

    other = context.new_page()
    other.on("console", console.on_console)
    other.on("pageerror", console.on_page_error)
    try:
        open_page(other, link)
        other.wait_for_function(f"() => window.__descent.t === {t} && window.__descent.steps === {t + 1}")
        assert history(other) == (ts, losses)  # the same numbers, bit for bit
        assert other.get_by_test_id("lr-input").input_value() == "0.2"  # what the run uses now
        assert other.get_by_test_id("data-n").input_value() == "60"
        other.wait_for_function("() => new URLSearchParams(location.search).has('replay')")  # a reload replays
        steps(other, 10)
        steps(page, 10)
        assert history(other) == history(page)
    finally:
        other.close()
    assert console.ours() == []


def test_save_reload_reopen_export_import_delete(
        page: Any, server: Server, console: ConsoleLog, tmp_path: Path, shots: Path | None) -> None:
    """A race is saved; after a reload it reopens from the list with the same state and set-up; its JSON
    export imports to the same history; bad files are refused in words; the saved run deletes."""
    open_page(page, f"{server.url}/?n=40&dseed=7&seed=3&r=gd;lr=0.1;momentum=0.9&r=adam;lr=0.05&s3d=0&eps=off")
    steps(page, 20)
    racers = [history(page, 0), history(page, 1)]
    before = get_json(f"{server.url}/api/runs/{d(page, 'runId')}")

    name = f"race {uuid.uuid4().hex[:8]}"
    drawer = open_drawer(page)
    drawer.get_by_test_id("save-name").fill(name)
    drawer.get_by_test_id("save-run").click()
    item = drawer.get_by_test_id("saved-item").filter(has_text=name)
    expect(item).to_have_count(1)
    expect(item).to_contain_text("t = 20")
    expect(item.locator(".badge")).to_have_text("paused")  # the status, from the saved record
    sid = item.get_attribute("data-sid")
    shot(page, shots, "share-runs-drawer")

    # A reload starts afresh at t = 0; reopening the saved run brings back its state and its set-up.
    page.goto(f"{server.url}/?s3d=0")
    page.wait_for_function(READY)
    fresh = d(page, "runId")
    assert page.get_by_test_id("data-n").input_value() == "100"
    drawer = open_drawer(page)
    drawer.get_by_test_id("saved-item").filter(has_text=name).get_by_test_id("saved-open").click()
    page.wait_for_function(f"() => window.__descent.runId !== '{fresh}' && window.__descent.stepsOf(1) === 21")
    expect(drawer).to_be_hidden()
    assert [history(page, 0), history(page, 1)] == racers
    after = get_json(f"{server.url}/api/runs/{d(page, 'runId')}")
    for key in ("t", "seed", "stop", "start"):
        assert after[key] == before[key], key
    for a, b in zip(after["racers"], before["racers"], strict=True):
        assert (a["t"], a["params"], a["loss"], a["optimizer"]) == (b["t"], b["params"], b["loss"], b["optimizer"])
    assert page.get_by_test_id("data-n").input_value() == "40"
    assert page.locator("#run-seed").input_value() == "3"
    assert d(page, "configRacers") == [{"name": "gd", "lr": 0.1, "batch_size": None, "momentum": 0.9},
                                       {"name": "adam", "lr": 0.05, "batch_size": None}]
    q = parse_qs(urlparse(page.url).query)
    assert q["n"] == ["40"] and q["seed"] == ["3"] and len(q["r"]) == 2

    # Export: the run as JSON (importable) and the history as CSV.
    drawer = open_drawer(page)
    path = download(page, lambda: drawer.get_by_test_id("export-json").click(), tmp_path)
    assert path.name == "descent-linear-regression-t20.json"
    doc = json.loads(path.read_text())
    assert doc["format"] == "descent-run" and doc["clock"] == 20 and len(doc["history"]["steps"]) == 2 * 21
    csv = download(page, lambda: drawer.get_by_test_id("history-csv").click(), tmp_path)
    lines = csv.read_text().splitlines()
    assert csv.suffix == ".csv" and lines[0].startswith("racer,t,theta1,theta2,loss") and len(lines) == 1 + 2 * 21

    # Import into a page showing another run: the same history, step for step.
    page.locator("#run-seed").fill("5")
    page.locator("#run-seed").press("Enter")
    page.wait_for_function("() => window.__descent.t === 0 && window.__descent.socketOpen()")
    other = d(page, "runId")
    open_drawer(page).get_by_test_id("import-file").set_input_files(str(path))
    page.wait_for_function(f"() => window.__descent.runId !== '{other}' && window.__descent.stepsOf(1) === 21")
    imported = get_json(f"{server.url}/api/runs/{d(page, 'runId')}/history?format=json")["steps"]
    got = [(s["racer"], s["t"], s["loss"], s["params"]) for s in imported]
    assert got == [(s["racer"], s["t"], s["loss"], s["params"]) for s in doc["history"]["steps"]]
    assert page.locator("#run-seed").input_value() == "3"

    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    open_drawer(page).get_by_test_id("import-file").set_input_files(str(bad))
    expect(page.get_by_test_id("toast-error").last).to_contain_text("not a Descent run")

    # Delete asks first; then the line and the record are gone.
    item = open_drawer(page).locator(f'[data-sid="{sid}"]')
    item.get_by_test_id("saved-delete").click()
    expect(item).to_contain_text("Delete for good?")
    item.get_by_test_id("saved-delete-yes").click()
    expect(item).to_have_count(0)
    try:
        urllib.request.urlopen(f"{server.url}/api/saved/{sid}")
        raise AssertionError("the saved run is still there")
    except urllib.error.HTTPError as exc:
        assert exc.code == 404

    # Every kind's set-up maps from a run's spec back to the page's config (what reopening relies on).
    same = page.evaluate("""async () => {
        const S = await import('/static/js/state.js');
        const R = await import('/static/js/replay.js');
        const keep = structuredClone(S.config);
        const gd = {name: 'gd', label: 'gd', schedule: {name: 'constant'}, lr: 0.3, momentum: 0, dampening: 0,
                    nesterov: false, weight_decay: 0, batch_size: 10};
        const cases = [
          {kind: 'network', start: null, net: {...keep.net, hidden: [3, 5], activation: ['relu', 'tanh'],
                                               init: 'normal', init_sigma: 0.2, data: {...keep.net.data, seed: 4}}},
          {kind: 'surface', surface: {name: 'rastrigin', settings: {A: 5}}, start: [1.5, -2]},
          {kind: 'linear_regression', csv: 'x,y\\n0,1\\n1,3\\n',
           stop: {grad_norm: null, delta_loss: 1e-9, max_steps: 50}},
        ];
        const out = cases.map((c) => {
          Object.assign(S.config, structuredClone(keep), c, {racers: [{name: 'gd', lr: 0.3, batch_size: 10}]});
          const spec = S.runSpec();
          const back = R.pageConfig(spec, {stop: spec.stop, racers: [{optimizer: gd}]}, keep);
          Object.assign(S.config, back);
          const again = S.runSpec();
          return JSON.stringify(again) === JSON.stringify(spec) || [JSON.stringify(spec), JSON.stringify(again)];
        });
        Object.assign(S.config, keep);
        return out;
    }""")
    assert same == [True, True, True], same
    assert console.ours() == []
