"""The lecture's views in headless Chromium: the backprop table of a two-layer sigmoid network (hover a row, its node
or edge lights up in the diagram; it follows the run), cross-entropy vs quadratic as two surfaces in one 3-D plot,
random guessing vs descent, a network's loss-landscape slice, and one update step by step."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ConsoleLog, Server, settle, shot

READY = "() => window.__descent && window.__descent.runId && window.__descent.socketOpen() && window.__descent.status"
TWO_LAYER = "/?lesson=backpropagation"  # [2, 3, 1], sigmoid hidden units and output, cross-entropy


def lecture(page: Any, expr: str) -> Any:
    """Evaluate `window.__descent.lecture.<expr>`."""
    return page.evaluate(f"() => window.__descent.lecture.{expr}")


def needs_networks(server: Server) -> None:
    """Skip when this server runs no networks."""
    with urllib.request.urlopen(f"{server.url}/api/registry") as res:
        if "network" not in json.load(res).get("problems", []):
            pytest.skip("this server does not offer network runs")


def test_backprop_table_hover_and_follow(page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """The lecture's table for a two-layer sigmoid network: its stages top-down, every gradient beside its finite
    difference; hovering a row highlights its edge, node or bias in the diagram; the table follows the run."""
    needs_networks(server)
    page.goto(server.url + TWO_LAYER)
    page.wait_for_function(READY)
    assert lecture(page, "open()") == "backprop"
    expect(page.get_by_test_id("plot-net-diagram")).to_be_visible()
    page.wait_for_function("() => window.__descent.lecture.backprop.fetches() > 0")
    assert lecture(page, "backprop.stages()") == ["loss", "head", "linear", "activation", "linear", "input"]
    # Forward J, y*, y, b, z1..3, a1..3, x1..2; backward g_y, g_b, g_β1..3, g_β0, g_z1..3, g_a1..3, g_α (6),
    # g_b (3), g_x1..2.
    assert lecture(page, "backprop.rows()") == 12 + 23
    assert lecture(page, "backprop.maxRelError()") < 1e-6

    page.locator('[data-quantity="grad_weight"]').nth(4).hover()  # a first-layer weight: g_α
    mark = lecture(page, "backprop.highlighted()")
    assert mark is not None and mark["type"] == "edge"
    assert "weight" in page.evaluate("() => window.__descent.net.tip()")
    page.locator('[data-quantity="post"]').nth(1).hover()  # z_2: hidden unit 2
    assert lecture(page, "backprop.highlighted()") == {"type": "node", "l": 1, "i": 1}
    page.locator('[data-quantity="grad_bias"]').first.hover()  # g_β0: the output's bias
    assert lecture(page, "backprop.highlighted()") == {"type": "bias-edge", "l": 1, "j": 0}
    expect(page.locator(".bp-row.on").first).to_be_visible()
    shot(page, shots, "lecture-backprop-hover")
    page.mouse.move(5, 890)
    page.wait_for_function("() => window.__descent.lecture.backprop.highlighted() === null")

    # It follows the run: a step, then playing (at most ~4 requests a second), then a pause.
    before = lecture(page, "backprop.fetches()")
    page.get_by_test_id("step").click()
    page.wait_for_function(f"() => window.__descent.lecture.backprop.t() === 1 && "
                           f"window.__descent.lecture.backprop.fetches() > {before}")
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.t > 60", timeout=20_000)
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'paused'")
    page.wait_for_function("() => window.__descent.lecture.backprop.t() === window.__descent.t")
    assert console.ours() == []


def test_loss_compare_two_surfaces_racing(page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """On a linear-regression page the view draws the figure's small default network: cross-entropy and quadratic
    cost as two surfaces in one 3-D plot, cross-entropy on top, and both descent paths revealed step by step."""
    page.goto(f"{server.url}/?lv=compare")
    page.wait_for_function(READY)
    assert lecture(page, "open()") == "compare"
    page.wait_for_function("() => window.__descent.lecture.compare.surfaces() === 2", timeout=20_000)
    assert lecture(page, "compare.source()") == "default"
    assert lecture(page, "compare.surfaceNames()") == ["cross-entropy", "quadratic"]
    assert lecture(page, "compare.ceAboveQuadratic()") is True
    page.wait_for_function("() => window.__descent.lecture.compare.shown() > 1")
    page.wait_for_function("() => window.__descent.lecture.compare.shown() === "
                           "window.__descent.lecture.compare.steps()", timeout=15_000)
    expect(page.get_by_test_id("cmp-summary")).to_contain_text("cross-entropy")
    settle(page)
    shot(page, shots, "lecture-loss-compare")
    assert console.ours() == []


def test_guess_vs_descent(page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """Not a race yet: the view offers one; then random search and descent race, each with its table, and the best J
    against the number of evaluations of J on log scales."""
    page.goto(f"{server.url}/?lv=guess&speed=200")
    page.wait_for_function(READY)
    page.get_by_test_id("guess-start").click()
    page.wait_for_function("() => window.__descent.racerCount === 2 && window.__descent.status === 'running'")
    page.wait_for_function("() => window.__descent.lecture.guess.drawn().rs > 150", timeout=20_000)
    page.get_by_test_id("play").click()
    assert lecture(page, "guess.logAxes()") == ["log", "log"]
    assert lecture(page, "guess.tableRows('rs')") > 5 and lecture(page, "guess.tableRows('gd')") > 5
    expect(page.get_by_test_id("guess-summary")).to_contain_text("evaluations of J")
    settle(page)
    shot(page, shots, "lecture-guess-vs-descent")
    assert console.ours() == []


def test_step_by_step_predicts_the_next_theta(page: Any, server: Server, console: ConsoleLog,
                                              shots: Path | None) -> None:
    """The mode shows θₜ, ∇J(θₜ), γ∇J(θₜ) and θₜ₊₁ before the step; after "Take this step" the run's θ is that θₜ₊₁.
    With momentum, the buffer's state before and after is shown too; Play in this mode goes one step at a time."""
    page.goto(f"{server.url}/?lr=0.5&start=-1,6&o.momentum=0.9&lv=explain")
    page.wait_for_function(READY)
    page.wait_for_function("() => window.__descent.lecture.explain.next() !== null")
    for step in (1, 2):
        predicted = lecture(page, "explain.next()")
        page.get_by_test_id("explain-step").click()
        page.wait_for_function(f"() => window.__descent.t === {step}")
        page.wait_for_function(f"() => window.__descent.lecture.explain.t() === {step}")
        assert lecture(page, "runParams()") == predicted
        assert lecture(page, "explain.theta()") == predicted
        check = lecture(page, "explain.check()")
        assert check["same"] and check["maxDiff"] == 0
    expect(page.get_by_test_id("explain-check")).to_contain_text("exactly the θₜ₊₁ shown before it")
    vectors = page.get_by_test_id("explain-vectors")
    for label in ("θt", "∇J(θt)", "γ∇J(θt)", "momentum buffer b", "θt+1"):
        expect(vectors).to_contain_text(label)
    expect(page.get_by_test_id("explain-stop")).to_contain_text("max steps")
    expect(page.get_by_test_id("explain-arrows")).to_be_visible()
    shot(page, shots, "lecture-step-by-step")

    # Play now means: one update, a pause to read it, the next.
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.lecture.explain.auto() && window.__descent.status === 'paused'")
    t0 = page.evaluate("() => window.__descent.t")
    page.wait_for_function(f"() => window.__descent.t === {t0 + 1}", timeout=10_000)
    # ... then the pause to read it: paused at t0 + 1, with that step explained.
    page.wait_for_function(f"() => window.__descent.status === 'paused'"
                           f" && window.__descent.lecture.explain.t() === {t0 + 1}")
    assert page.evaluate("() => [window.__descent.t, window.__descent.status]") == [t0 + 1, "paused"]
    page.get_by_test_id("explain-auto").click()
    assert not lecture(page, "explain.auto()")
    assert console.ours() == []


def test_network_landscape_slice(page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """A 51 × 51 slice through the current weights (its centre is the run's J), with the trajectory projected;
    the PCA directions of the trajectory on demand."""
    needs_networks(server)
    page.goto(f"{server.url}/?lesson=mlp&lv=landscape&speed=250")
    page.wait_for_function(READY)
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.t > 150", timeout=20_000)
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.status === 'paused'")
    t = page.evaluate("() => window.__descent.t")
    page.wait_for_function(f"() => window.__descent.lecture.landscape.grid() !== null && "
                           f"document.querySelector('[data-ls=readout]').textContent.includes('t = {t} ')")
    assert lecture(page, "landscape.grid()") == [51, 51]
    assert page.evaluate("() => window.__descent.stepsTOf(0).at(-1)") == t
    run_loss = page.evaluate("() => window.__descent.lossesOf(0).at(-1)")  # J(θₜ), as the run recorded it
    assert lecture(page, "landscape.centreLoss()") == pytest.approx(run_loss, rel=1e-9)
    page.get_by_test_id("slice-directions").select_option("pca")
    page.wait_for_function("() => window.__descent.lecture.landscape.directions() === 'pca'")
    settle(page)
    shot(page, shots, "lecture-landscape-pca")
    assert console.ours() == []
