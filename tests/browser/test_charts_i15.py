"""Issue 15, charts: the 3-D view keeps drawing while the pointer rests on the Run panel, every weight matrix of a
deep network gets a titled panel of its own, the landscape slice has no blank bands, and the status pill is never
cut off."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ConsoleLog, Server, d, shot

OPEN = "() => window.__descent && window.__descent.socketOpen() && window.__descent.box !== null"
NET_OPEN = "() => window.__descent && window.__descent.socketOpen() && window.__descent.net.problem()"


def test_the_3d_path_grows_while_the_pointer_rests_on_the_run_panel(
        page: Any, server: Server, console: ConsoleLog) -> None:
    """After a click on Play the pointer stays on the Run panel: the 3-D path still grows (it used to wait for the
    pointer to leave, for the whole run, unless a new landscape happened to redraw it)."""
    page.goto(f"{server.url}/?speed=40&lr=0.05&eps=off")
    page.wait_for_function(OPEN)
    box = d(page, "box")
    page.get_by_test_id("play").click()  # the pointer stays on Play
    page.wait_for_function("() => window.__descent.status === 'running' && window.__descent.pathLength() >= 8")
    page.wait_for_function("() => window.__descent.surfacePathLength() > 1")
    assert page.evaluate("() => document.getElementById('run-panel').matches(':hover')")
    assert d(page, "box") == box  # drawn by a live update, not by a new landscape
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'paused'")
    assert console.ours() == []


# Each weight heatmap as drawn: [title, width, height] (px of its plot area), from Plotly's own layout.
PANELS = """() => { const fl = document.getElementById('plot-net-weights')._fullLayout;
  return (document.getElementById('plot-net-weights').data || []).map((_, l) => {
    const ax = l === 0 ? '' : String(l + 1);
    return [fl.annotations[l]?.text ?? '', fl['xaxis' + ax]._length, fl['yaxis' + ax]._length]; }); }"""
SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹"


@pytest.mark.parametrize("size", [(1440, 1000), (390, 844)], ids=["1440x1000", "390x844"])
def test_every_weight_matrix_of_a_deep_network_has_a_titled_panel(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None, size: tuple[int, int]) -> None:
    """Layers [2, 8, 8, 8, 8, 8, 1]: six matrices, each in a panel at least 60 px a side, titled Wˡ with its shape
    (the output's 8×1 matrix was a thin untitled sliver)."""
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    page.goto(f"{server.url}/?kind=network&data=circles&hidden=8,8,8,8,8&s3d=0")
    page.wait_for_function(NET_OPEN)
    page.wait_for_function("() => (document.getElementById('plot-net-weights').data || []).length === 6")
    panels = page.evaluate(PANELS)
    layers = [2, 8, 8, 8, 8, 8, 1]
    for l, (title, width, height) in enumerate(panels):
        sup = "".join(SUP[int(c)] for c in str(l + 1))
        assert re.search(rf"W{sup}\b.*{layers[l]}×{layers[l + 1]}", title), (l, title)
        assert width >= 60 and height >= 60, (l, width, height)
    page.get_by_test_id("plot-net-weights").scroll_into_view_if_needed()
    shot(page, shots, f"i15-weights-deep-{w}x{h}")
    assert console.ours() == []


# The slice plot's axis ranges against the grid the server computed, and its plot area in px.
SLICE = """() => { const g = document.querySelector('[data-testid=slice-plot]'), fl = g._fullLayout, z = g.data[0];
  return {x: fl.xaxis.range, y: fl.yaxis.range, gx: [z.x[0], z.x.at(-1)], gy: [z.y[0], z.y.at(-1)],
          w: fl.xaxis._length, h: fl.yaxis._length,
          blank: z.z.flat().filter((v) => v === null || !Number.isFinite(v)).length}; }"""


@pytest.mark.parametrize("size", [(1440, 1000), (1280, 720)], ids=["1440x1000", "1280x720"])
def test_the_landscape_slice_fills_its_axes(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None, size: tuple[int, int]) -> None:
    """The slice J(θ + α·d₁ + β·d₂) covers its whole plot area, square (α and β on one scale) and every cell
    coloured: the axes used to stretch past the grid (blank bands above and below it, or beside it)."""
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    page.goto(f"{server.url}/?lesson=mlp&lv=landscape")
    page.wait_for_function(OPEN.replace("box !== null", "status"))
    for dirs in ("filter", "random"):
        page.get_by_test_id("slice-directions").select_option(dirs)
        page.wait_for_function(f"() => window.__descent.lecture.landscape.directions() === '{dirs}'"
                               " && document.querySelector('[data-testid=slice-plot]')._fullLayout?.xaxis")
        s = page.evaluate(SLICE)
        for got, want in ((s["x"], s["gx"]), (s["y"], s["gy"])):
            assert got == pytest.approx(want, rel=1e-6, abs=1e-9), s
        assert abs(s["w"] - s["h"]) <= 2 and s["blank"] == 0, s
        shot(page, shots, f"i15-landscape-{dirs}-{w}x{h}")
    assert console.ours() == []


# The status pill and its message: [text, scrollWidth, clientWidth, scrollHeight, clientHeight] of each part shown.
PILL = """() => ['.status', '.status-word', '.status-text'].map((sel) => { const e = document.querySelector(sel);
  return [e.textContent.trim(), e.scrollWidth, e.clientWidth, e.scrollHeight, e.clientHeight]; })"""
PILL_SIZES = [(1440, 1000), (1280, 720), (1024, 768), (900, 800), (390, 844)]


def readable(page: Any) -> list:
    """The parts of the status pill that are empty or cut (by an ellipsis, or by the two-line clamp)."""
    return [p for p in page.evaluate(PILL) if not p[0] or p[1] > p[2] or p[3] > p[4]]


@pytest.mark.parametrize("size", PILL_SIZES, ids=[f"{w}x{h}" for w, h in PILL_SIZES])
def test_the_status_pill_is_readable(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None, size: tuple[int, int]) -> None:
    """A network run's READY (its readout has a fifth number, which squeezed the pill) and a divergence's message
    are shown whole: not cut off with "…", not clamped, not empty."""
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    page.goto(f"{server.url}/?kind=network&data=circles&hidden=8,8&s3d=0")
    page.wait_for_function(NET_OPEN + " && window.__descent.status === 'ready'")
    expect(page.get_by_test_id("status-word")).to_have_text("ready")
    assert readable(page) == []
    if w >= 1280:  # the pill keeps room for a two-line message (it had shrunk to 215 px at 1440)
        assert page.evaluate("() => document.querySelector('.status').clientWidth") >= 240
    shot(page, shots, f"i15-pill-network-{w}x{h}")
    page.goto(f"{server.url}/?s3d=0&speed=2000")
    page.wait_for_function(OPEN)
    page.get_by_test_id("preset-big").click()
    expect(page.get_by_test_id("status-text")).to_contain_text("is above 2/λmax")
    assert readable(page) == []
    shot(page, shots, f"i15-pill-diverged-{w}x{h}")
    assert console.ours() == []
