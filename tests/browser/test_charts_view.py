"""Issue 15, "Confusing": what the parameter plot, the 3-D view and the data chart frame. After a divergence a
reset or a new run shows the run's own box again (a person's zoom stays); in "Learning rate too big" the
diverging racer is clipped and faded so the converging zig-zag stays in sight; the default contour is centred
on θ* with the start well inside; the data chart holds the line h(x; θₜ) at t = 0 and along the run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ConsoleLog, Server, settle, shot

OPEN = "() => window.__descent && window.__descent.socketOpen() && window.__descent.box !== null"
FRONT = "document.querySelector('#plot-contour .layer-front')"
# The axis ranges shown: the contour's (its mouse layer and its axes layer) and the 3-D scene's.
VIEW = f"""() => {{
  const f = {FRONT}, b = document.querySelector('#plot-contour .layer-back');
  const s = document.getElementById('plot-surface').layout?.scene;
  return {{x: f.layout.xaxis.range, y: f.layout.yaxis.range, bx: b.layout.xaxis.range, by: b.layout.yaxis.range,
          sx: s ? s.xaxis.range : null, sy: s ? s.yaxis.range : null}};
}}"""
SAME = """(want) => { const f = document.querySelector('#plot-contour .layer-front');
  const s = document.getElementById('plot-surface').layout?.scene;
  const near = (r, w) => !!r && Math.abs(r[0] - w[0]) < 1e-9 && Math.abs(r[1] - w[1]) < 1e-9;
  return near(f.layout.xaxis.range, want.x) && near(f.layout.yaxis.range, want.y)
    && (!want.sx || (near(s.xaxis.range, want.x) && near(s.yaxis.range, want.y))); }"""
WIDER = f"(w) => {{ const r = {FRONT}.layout.xaxis.range; return r[1] - r[0] > 3 * (w[1] - w[0]); }}"
# Every server message's type as the page receives it ("status:<status>" for status messages).
RECORD_MESSAGES = """window.__socketMessages = [];
window.WebSocket = class extends window.WebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', (e) => { try { const m = JSON.parse(e.data);
      window.__socketMessages.push(m.type === 'status' ? `status:${m.status}` : m.type); } catch (err) { } });
  }
};"""
TERMINAL = "() => ['converged', 'diverged', 'stopped'].includes(window.__descent.status)"


def view(page: Any) -> dict:
    """The ranges the contour and the 3-D view show."""
    return page.evaluate(VIEW)


def test_a_reset_and_a_new_run_after_a_divergence_show_the_runs_box(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """γ = 1 diverges and the view grows after the path; Reset, Replay and a new run come back to the box."""
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.add_init_script(RECORD_MESSAGES)
    page.goto(f"{server.url}/?lr=1")
    page.wait_for_function(OPEN)
    home = view(page)
    assert home["sx"] == home["x"] and home["bx"] == home["x"]
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'diverged'")
    page.wait_for_function(WIDER, arg=home["x"])  # the landscape grew to hold the path
    page.wait_for_function("() => !window.__descent.landscapeLoading()")
    settle(page)
    first = view(page)
    shot(page, shots, "charts-diverged-1440x1000")

    page.get_by_test_id("reset").click()
    page.wait_for_function("() => window.__descent.status === 'ready'")
    page.wait_for_function(SAME, arg={**home, "sx": True})
    assert view(page)["bx"] == home["x"] and view(page)["by"] == home["y"]
    shot(page, shots, "charts-after-reset-1440x1000")

    # Replay (a reset and play at once) diverges again within a fraction of a second: the view grows from the
    # run's own box as the first time, not from the grown one (nor from a box the server fits to the new path).
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'diverged' && !window.__descent.landscapeLoading()")
    expect(page.get_by_test_id("play")).to_contain_text("Replay")
    before = page.evaluate("() => window.__socketMessages.length")
    page.get_by_test_id("play").click()  # Replay
    # The page may draw only the latest state, so "running" need not show; the server's messages say it all:
    # a reset, then (after it) the status diverged again.
    page.wait_for_function("""(n) => { const m = window.__socketMessages, r = m.indexOf('reset', n);
      return r >= n && m.indexOf('status:diverged', r) > r && window.__descent.status === 'diverged'; }""",
                           arg=before)
    page.wait_for_function("() => !window.__descent.landscapeLoading()")
    settle(page)
    again = view(page)["x"]
    assert again[1] - again[0] <= 1.01 * (first["x"][1] - first["x"][0]), (first, again)

    # A new run (another optimiser) after the divergence: its own box.
    old = page.evaluate("() => window.__descent.runId")
    page.select_option("#optimizer", "adam")
    page.wait_for_function("(old) => window.__descent.runId !== old && window.__descent.status === 'ready'", arg=old)
    page.wait_for_function(SAME, arg={**home, "sx": True})
    assert console.ours() == []


def test_a_zoom_by_hand_survives_a_reset_but_not_another_problem(
        page: Any, server: Server, console: ConsoleLog) -> None:
    """A box dragged on the contour stays through a reset and a new run of the same problem; a test surface starts
    with its whole box."""
    page.goto(f"{server.url}/?s3d=0")
    page.wait_for_function(OPEN)
    home = view(page)
    area = page.locator("#plot-contour .layer-front .nsewdrag").bounding_box()
    page.mouse.move(area["x"] + area["width"] * 0.3, area["y"] + area["height"] * 0.3)
    page.mouse.down()
    page.mouse.move(area["x"] + area["width"] * 0.6, area["y"] + area["height"] * 0.7, steps=8)
    page.mouse.up()
    narrower = f"(w) => {{ const r = {FRONT}.layout.xaxis.range; return r[1] - r[0] < 0.5 * (w[1] - w[0]); }}"
    page.wait_for_function(narrower, arg=home["x"])
    zoomed = view(page)
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.t >= 5")
    page.get_by_test_id("reset").click()
    page.wait_for_function("() => window.__descent.status === 'ready' && window.__descent.t === 0")
    settle(page)
    assert view(page)["x"] == zoomed["x"] and view(page)["y"] == zoomed["y"]
    old = page.evaluate("() => window.__descent.runId")
    page.select_option("#optimizer", "adam")  # a new run of the same problem
    page.wait_for_function("(old) => window.__descent.runId !== old && window.__descent.status === 'ready'"
                           " && !window.__descent.landscapeLoading() && window.__descent.box !== null", arg=old)
    settle(page)
    assert view(page)["x"] == zoomed["x"] and view(page)["y"] == zoomed["y"]
    page.get_by_test_id("kind-switch").get_by_text("test surface").click()
    page.wait_for_function(f"() => {{ const r = {FRONT}.layout.xaxis.range, b = window.__descent.box;"
                           " return b && r[0] === b.x_min && r[1] === b.x_max && window.__descent.t === 0; }")
    assert view(page)["x"] != zoomed["x"]
    assert console.ours() == []


def test_lr_too_big_clips_the_diverging_racer(page: Any, server: Server, console: ConsoleLog,
                                              shots: Path | None) -> None:
    """The lesson's two racers: the view stays on the run's box and the diverging path is thin and faded."""
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{server.url}/?lesson=lr-too-big")
    page.wait_for_function(OPEN)
    home = view(page)
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.racerStatus(1) === 'diverged'")
    page.wait_for_function(TERMINAL, timeout=60_000)
    page.wait_for_function("() => !window.__descent.landscapeLoading()")
    settle(page)
    assert view(page)["x"] == home["x"] and view(page)["y"] == home["y"]
    paths = page.evaluate(f"() => {FRONT}.data.filter((t) => t.name === 'path')"
                          ".map((t) => [t.opacity ?? 1, t.line.width, t.mode, t.x.length])")
    (op0, w0, _, n0), (op1, w1, mode1, _) = paths
    assert op0 == 1 and w0 > 2 and n0 > 20  # the converging zig-zag, drawn in full
    assert op1 < 0.5 and w1 <= 1 and mode1 == "lines"
    shot(page, shots, "charts-lr-too-big-1440x1000")
    assert console.ours() == []


FRAMED = f"""() => {{
  const f = {FRONT}, r = f.layout;
  const star = f.data.find((t) => t.marker?.symbol === 'star');
  const start = f.data.find((t) => t.marker?.symbol === 'circle-open');
  const frac = (p) => [(p[0] - r.xaxis.range[0]) / (r.xaxis.range[1] - r.xaxis.range[0]),
                       (p[1] - r.yaxis.range[0]) / (r.yaxis.range[1] - r.yaxis.range[0])];
  return {{star: frac([star.x[0], star.y[0]]), start: frac([start.x[0], start.y[0]])}};
}}"""
# The data chart: its y range, and the y values of the line h(x; θₜ) (the trace after the points and θ*'s line).
DATA = """() => { const g = document.getElementById('plot-data');
  return {range: g.layout.yaxis.range, h: g.data[2].y, x: g.data[2].x}; }"""

SIZES = [(1440, 1000), (1024, 768), (390, 844)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_default_page_frames_the_minimum_and_the_line(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None, size: tuple[int, int]) -> None:
    """θ* in the middle of the contour, the start well inside; the line h = 0 inside the data chart at t = 0."""
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    page.goto(f"{server.url}/?flow=1")
    page.wait_for_function(OPEN)
    page.wait_for_function("() => document.getElementById('plot-data').data?.[0]?.x?.length > 0")
    f = page.evaluate(FRAMED)
    assert all(0.4 < v < 0.6 for v in f["star"]), f
    assert all(0.15 < v < 0.85 for v in f["start"]), f
    data = page.evaluate(DATA)
    lo, hi = data["range"]
    assert data["h"] == [0, 0] and all(lo < y < hi for y in data["h"]), data
    shot(page, shots, f"charts-default-{w}x{h}")
    assert console.ours() == []


def test_the_data_chart_holds_the_converging_line_at_every_t(
        page: Any, server: Server, console: ConsoleLog) -> None:
    """The zig-zag at γ = 0.68: h(x; θₜ) at the chart's ends lies inside its y range for every step of the run."""
    page.goto(f"{server.url}/?lr=0.68&s3d=0")
    page.wait_for_function(OPEN)
    page.wait_for_function("() => document.getElementById('plot-data').data?.[0]?.x?.length > 0")
    # The y range and the line as drawn, at every animation frame while it plays.
    page.evaluate("""() => { window.__seen = []; const g = document.getElementById('plot-data');
      const f = () => { window.__seen.push([[...g.layout.yaxis.range], [...g.data[2].y]]);
        if (window.__descent.status !== 'converged') requestAnimationFrame(f); }; f(); }""")
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'converged'", timeout=60_000)
    settle(page)
    seen = page.evaluate("() => window.__seen")
    assert len(seen) > 10
    out = [(r, ys) for r, ys in seen if not all(r[0] <= y <= r[1] for y in ys)]
    assert out == [], out[:3]
    assert console.ours() == []

