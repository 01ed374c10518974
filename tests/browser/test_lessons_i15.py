"""Issue 15's confusing and cosmetic lesson items in headless Chromium: the lecture's order in the lesson menu, the
stopping-tests lesson with each test firing and marked on the curves, J against examples seen and the epoch in the
readout, the counting lesson's 20 weights and 26 parameters, the lecture's symbols, random guessing without the
gradient's views, the landscape slice saying when its projected path cannot be trusted, and one tick format per
axis. Screenshots (with $DESCENT_SCREENSHOTS) at the issue's five screen sizes where layout matters."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ConsoleLog, Server, d, shot

SIZES = [(1440, 1000), (1280, 720), (1024, 768), (900, 800), (390, 844)]
IDS = [f"{w}x{h}" for w, h in SIZES]
READY = "() => window.__descent && window.__descent.runId && window.__descent.socketOpen() && window.__descent.status"
DONE = "() => ['converged', 'diverged', 'stopped'].includes(window.__descent.status)"
POWER = re.compile(r"^(\d(\.\d+)?×)?10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+$")  # 10⁻³, 2×10⁻³
DECIMAL = re.compile(r"^\d+(\.\d+)?$")  # 0.002, 0.5, 20


def get(server: Server, path: str) -> Any:
    """GET a JSON resource of the server."""
    with urllib.request.urlopen(f"{server.url}{path}") as res:
        return json.load(res)


def open_page(page: Any, server: Server, query: str, size: tuple[int, int] = (1440, 1000)) -> None:
    """The page at `size` with `query`, connected to its run."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{server.url}/?{query}")
    page.wait_for_function(READY)


def play_to_the_end(page: Any) -> None:
    """Play (the page's own button) until every racer has stopped."""
    page.locator("#play").click()
    page.wait_for_function(DONE, timeout=60_000)


def curves(page: Any, name: str, *args: Any) -> Any:
    """A probe of the curves chart."""
    return page.evaluate("([n, a]) => window.__descent.curves(n, ...a)", [name, list(args)])


def on_screen(page: Any, selector: str) -> bool:
    """Whether the element is laid out inside the viewport's width."""
    return bool(page.evaluate("""(sel) => { const e = document.querySelector(sel); if (!e) return false;
      const r = e.getBoundingClientRect(); return r.width > 0 && r.left >= -1 && r.right <= innerWidth + 1; }""",
                              selector))


def tick_labels(page: Any, plot: str, axis: str) -> list[str]:
    """The tick labels Plotly drew on one axis of a chart ("y", "y2", "x")."""
    return list(page.evaluate(f"() => [...document.querySelectorAll('#{plot} .{axis}tick text')]"
                              ".map((t) => t.textContent.trim()).filter(Boolean)"))


def one_format(labels: list[str]) -> bool:
    """All decimals or all powers of ten (Plotly's own mix reads 10, 5, 2, 1, 5, 2, 10⁻¹)."""
    return all(DECIMAL.match(x) for x in labels) or all(POWER.match(x) for x in labels)


def test_the_lesson_menu_follows_the_lecture(page: Any, server: Server, console: ConsoleLog,
                                             shots: Path | None) -> None:
    """Per-example updates come before the learning rates, the stopping tests right after descent, and the menu
    lists the lessons in the engine's order."""
    open_page(page, server, "lesson=random-guessing")
    ids = [x["id"] for x in get(server, "/api/lessons")]
    assert ids.index("gradient-descent") < ids.index("stopping-tests") < ids.index("per-example") < ids.index(
        "lr-too-small") < ids.index("lr-too-big")
    page.get_by_test_id("lessons-button").click()
    menu = page.get_by_test_id("lesson-menu")
    expect(menu).to_be_visible()
    links = menu.locator("a").evaluate_all("(as) => as.map((a) => new URL(a.href).searchParams.get('lesson'))")
    assert links == ids
    assert page.get_by_test_id("lesson-pick").locator("option").evaluate_all("(os) => os.map((o) => o.value)") == ids
    shot(page, shots, "F-menu")
    assert console.ours() == []


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_the_stopping_lesson_fires_each_test_on_screen(page: Any, server: Server, console: ConsoleLog,
                                                       shots: Path | None, size: tuple[int, int]) -> None:
    """One racer stops by ‖∇J‖₂ ≤ ε, the other by |ΔJ| ≤ δ; the leaderboard says so, and each stop is marked on the
    curves at the step it fired (the gradient test on the ‖∇J‖ curve, the decrease test on J)."""
    open_page(page, server, "lesson=stopping-tests&speed=500", size)
    play_to_the_end(page)
    state = get(server, f"/api/runs/{d(page, 'runId')}")
    reasons = [r["stop_reason"] for r in state["racers"]]
    assert [r["test"] for r in reasons] == ["grad_norm", "delta_loss"]
    page.wait_for_function("() => (window.__descent.curves('stopMarks') || []).length === 2")
    marks = {m["name"]: m for m in curves(page, "stopMarks")}
    assert marks["stop-0"]["yref"] == "y2" and "‖∇J‖ ≤ ε" in marks["stop-0"]["text"]
    assert marks["stop-1"]["yref"] == "y" and "|ΔJ| ≤ δ" in marks["stop-1"]["text"]
    for k, why in enumerate(reasons):
        assert marks[f"stop-{k}"]["x"] == why["t"] and f"t = {why['t']}" in marks[f"stop-{k}"]["text"]
    drawn = page.evaluate("() => [...document.querySelectorAll('#plot-curves .annotation-text')]"
                          ".map((t) => t.textContent)")
    assert sum("≤ ε at t" in x or "≤ δ at t" in x for x in drawn) == 2
    caption = page.get_by_test_id("lesson-caption").inner_text()
    assert f"t = {reasons[0]['t']}" in caption and f"t = {reasons[1]['t']}" in caption
    page.locator("#plot-curves").scroll_into_view_if_needed()
    shot(page, shots, f"F-stopping-{size[0]}x{size[1]}")
    assert console.ours() == []


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_per_example_lesson_plots_j_against_examples_seen(page: Any, server: Server, console: ConsoleLog,
                                                          shots: Path | None, size: tuple[int, int]) -> None:
    """The per-example lesson opens with the curves against examples seen (one example per update against N per
    update) and the epoch in the readout; the menu switches them back to t, and the link remembers the choice."""
    open_page(page, server, "lesson=per-example&speed=1000", size)
    play_to_the_end(page)
    state = get(server, f"/api/runs/{d(page, 'runId')}")
    full, single = state["racers"]
    n = state["problem"]["n"]
    assert (full["examples"], single["examples"]) == (full["t"] * n, single["t"])
    assert curves(page, "xAxis") == "examples"
    # The run's status can arrive before the frame with its last steps is drawn: wait for the curves to end there.
    last_x = "([a, b]) => window.__descent.curves('lastX', 0) === a && window.__descent.curves('lastX', 1) === b"
    page.wait_for_function(last_x, arg=[full["examples"], single["examples"]])
    pick = page.get_by_test_id("curves-x")
    expect(pick).to_have_value("examples")
    assert on_screen(page, '[data-testid="readout-epoch"]')
    leader = min(state["racers"], key=lambda r: r["loss"])
    expect(page.get_by_test_id("readout-epoch")).to_have_text(re.compile(rf"^{leader['examples'] // n}(\.0+)?$"))
    page.locator("#plot-curves").scroll_into_view_if_needed()
    shot(page, shots, f"F-per-example-{size[0]}x{size[1]}")
    pick.select_option("t")
    page.wait_for_function("() => window.__descent.curves('xAxis') === 't'")
    assert curves(page, "lastX", 0) == full["t"] and curves(page, "lastX", 1) == single["t"]
    page.wait_for_function("() => !location.search.includes('xex=1')")
    pick.select_option("examples")
    page.wait_for_function("() => location.search.includes('xex=1')")
    assert console.ours() == []


def test_the_epoch_counts_batches_when_k_changes_mid_run(page: Any, server: Server, console: ConsoleLog) -> None:
    """Mini-batches of 30 of N = 100 for a few steps, then 7: the readout's epoch is the server's examples / N."""
    open_page(page, server, "batch=30&eps=off&max=100000&speed=5")
    page.get_by_test_id("step").click(modifiers=["Shift"])  # ten steps
    page.wait_for_function("() => window.__descent.t >= 10")
    run_id = d(page, "runId")
    req = urllib.request.Request(f"{server.url}/api/runs/{run_id}", method="PATCH",
                                 data=json.dumps({"optimizer": {"batch_size": 7}}).encode(),
                                 headers={"content-type": "application/json"})
    urllib.request.urlopen(req).close()
    page.get_by_test_id("step").click(modifiers=["Shift"])
    page.wait_for_function("() => window.__descent.t >= 20")
    state = get(server, f"/api/runs/{run_id}")
    ex = state["racers"][0]["examples"]
    assert state["racers"][0]["t"] == 20
    # 30, 30, 30, 10 per epoch: 260 in ten steps (at example 60 of an epoch); then 7s: 7 × 5 + 5, then 7 × 4.
    assert ex == 260 + 35 + 5 + 28
    expect(page.get_by_test_id("readout-epoch")).to_have_text(f"{ex / 100:.3g}".rstrip("0").rstrip("."))
    assert console.ours() == []


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_the_counting_lesson_counts_the_slides_network(page: Any, server: Server, console: ConsoleLog,
                                                       shots: Path | None, size: tuple[int, int]) -> None:
    """The [3, 4, 2] network: its caption says 20 weights and 26 parameters as on the slide, and the page's counts
    (from the server's network) agree; the caption is on screen."""
    open_page(page, server, "lesson=mlp", size)
    caption = page.get_by_test_id("lesson-caption")
    expect(caption).to_contain_text("(3 × 4) + (4 × 2) = 20")
    expect(caption).to_contain_text("20 + 4 + 2 = 26")
    net = get(server, f"/api/runs/{d(page, 'runId')}/network")
    assert net["counts"]["weights"] == 20 and net["counts"]["params"] == 26
    assert on_screen(page, '[data-testid="lesson-caption"]')
    shot(page, shots, f"F-counting-{size[0]}x{size[1]}")
    assert console.ours() == []


def test_the_perceptron_and_the_step_by_step_view_use_the_lectures_symbols(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """The perceptron: b is the pre-activation in caption and formula box alike, the target is y⁽ⁱ⁾ (not t); plain
    gradient descent's step-by-step view shows θ ← θ − γ∇J(θ), not torch's momentum formula."""
    open_page(page, server, "lesson=perceptron")
    caption = page.get_by_test_id("lesson-caption").inner_text()
    assert "σ(b)" in caption and "wᵀx + b" not in caption
    box = page.locator(".net-formula").inner_text()
    assert "y = σ(b)" in box and "y⁽ⁱ⁾" in box and "t log" not in box and "(1 − t)" not in box
    open_page(page, server, "lr=0.1&lv=explain")
    formula = page.get_by_test_id("explain-formula")
    expect(formula).to_have_text("θ ← θ − γ∇J(θ)")
    shot(page, shots, "F-explain-gd")
    open_page(page, server, "lr=0.1&o.momentum=0.9&lv=explain")
    expect(page.get_by_test_id("explain-formula")).to_contain_text("μ·b")
    assert console.ours() == []


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_random_guessing_has_no_gradient_views(page: Any, server: Server, console: ConsoleLog,
                                               shots: Path | None, size: tuple[int, int]) -> None:
    """No −∇J arrows, no step arrows, no ‖∇J‖ curve, no ε line (the stop test is off on the server); J stays; the
    chart and the caption say why. The ‖∇J‖ ticks and J ticks each have one format."""
    open_page(page, server, "lesson=random-guessing&speed=500", size)
    play_to_the_end(page)
    state = get(server, f"/api/runs/{d(page, 'runId')}")
    assert state["stop"]["grad_norm"] is None
    assert d(page, "arrowCount()") == 0 and d(page, "stepArrowCount()") == 0
    assert not page.locator("#show-arrows").is_checked() and not page.locator("#show-step-arrows").is_checked()
    assert curves(page, "gradVisible", 0) is False and curves(page, "epsLine") is False
    # J keeps every step (the status can come before the frame with the last steps is drawn: wait for it)
    page.wait_for_function("(n) => window.__descent.curves('curveLength', 0) === n", arg=state["racers"][0]["t"] + 1)
    assert any("no gradient" in n for n in curves(page, "notes"))
    expect(page.get_by_test_id("lesson-caption")).to_contain_text("uses no gradient")
    page.locator("#plot-curves").scroll_into_view_if_needed()
    shot(page, shots, f"F-random-{size[0]}x{size[1]}")
    labels = tick_labels(page, "plot-curves", "y")
    assert len(labels) >= 2 and one_format(labels), labels
    assert console.ours() == []


def test_in_a_race_only_the_guesser_loses_its_gradient_curve(page: Any, server: Server, console: ConsoleLog) -> None:
    """Gradient descent against random guessing: descent's ‖∇J‖ curve and ε line stay, guessing's curve goes."""
    open_page(page, server, "lesson=gradient-descent&lv=&speed=500")
    play_to_the_end(page)
    assert curves(page, "gradVisible", 0) is True and curves(page, "gradVisible", 1) is False
    assert curves(page, "epsLine") is True
    for axis in ("y", "y2"):
        labels = tick_labels(page, "plot-curves", axis)
        assert len(labels) >= 2 and one_format(labels), (axis, labels)
    assert console.ours() == []


def test_the_landscape_slice_says_when_its_projected_path_is_not_to_be_trusted(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """The slice's readout weighs how far the path leaves the plane against how far it went, in words."""
    open_page(page, server, "lesson=mlp&lv=landscape&speed=500")
    page.get_by_test_id("step").click(modifiers=["Shift"])
    trust = page.get_by_test_id("slice-trust")
    page.wait_for_function("() => Number(document.querySelector('.ls-trust')?.dataset.distance) > 0",
                           timeout=30_000)
    expect(trust).to_be_visible()
    off = float(trust.get_attribute("data-off") or "nan")
    dist = float(trust.get_attribute("data-distance") or "nan")
    if off / dist > 0.2:
        assert trust.get_attribute("data-trust") == "no"
        expect(trust).to_contain_text("the projected path is not to be trusted")
    else:
        assert trust.get_attribute("data-trust") == "yes"
        expect(trust).to_contain_text("its projection shows where descent went")
    shot(page, shots, "F-slice")
    assert console.ours() == []


def test_the_cross_entropy_chart_has_round_ticks(page: Any, server: Server, console: ConsoleLog,
                                                 shots: Path | None) -> None:
    """Both J axes of the race chart tick at round numbers (one or two significant digits), not 0.0272, 0.0545."""
    open_page(page, server, "lesson=quadratic-vs-cross-entropy")
    page.wait_for_function("() => document.querySelectorAll('.lc-race .y2tick text, [data-testid=\"lecture-compare\"] "
                           ".y2tick text').length >= 3")
    for axis in ("y", "y2"):
        labels = page.evaluate(f"() => [...document.querySelectorAll('[data-testid=\"lecture-compare\"] .{axis}tick "
                               "text')].map((t) => t.textContent.trim())")
        values = [float(x.replace("−", "-")) for x in labels]
        assert len(values) >= 3, labels
        assert all(len(re.sub(r"\D", "", x).strip("0")) <= 2 for x in labels), labels  # 1.5, 0.25, 20; not 0.0272
        steps = {round(b - a, 9) for a, b in zip(values, values[1:], strict=False)}
        assert len(steps) == 1, labels  # evenly spaced
    shot(page, shots, "F-compare")
    assert console.ours() == []
