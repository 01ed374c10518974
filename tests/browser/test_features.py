"""Networks on data with k features in headless Chromium: the counting lesson's [3, 4, 2] network on the
3-feature set (the slide's sums beside the diagram, three named input nodes, a slice through x1 and x2) trains;
Iris opens with its column names and standardisation, and the plane picker switches to the principal components."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import ConsoleLog, Server, d, shot

READY = "() => window.__descent && window.__descent.runId && window.__descent.socketOpen() && window.__descent.status"


def test_counting_lesson_is_the_slides_network_and_trains(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    page.goto(f"{server.url}/?lesson=mlp")
    page.wait_for_function(READY)
    p = d(page, "net.problem()")
    assert p["layers"] == [3, 4, 2] and p["data"] == "spheres" and p["head"] == "softmax"
    assert p["counts"] == {"neurons": 6, "weights": 20, "biases": 6, "params": 26}
    sums = page.get_by_test_id("net-counting")
    expect(sums).to_contain_text("4 + 2 = 6 neurons")
    expect(sums).to_contain_text("(3 × 4) + (4 × 2) = 20 weights")
    expect(sums).to_contain_text("20 + 4 + 2 = 26 parameters")
    expect(page.get_by_test_id("lesson-caption")).to_contain_text("(3 × 4) + (4 × 2) = 20")
    for name, value in (("neurons", "6"), ("weights", "20"), ("biases", "6"), ("parameters", "26")):
        expect(page.locator(f'[data-testid="net-counts"] [data-count="{name}"]')).to_have_text(value)
    # The decision regions are a slice, and say so.
    expect(page.get_by_test_id("net-plane")).to_be_visible()
    expect(page.get_by_test_id("net-plane-text")).to_contain_text("a slice through x1 and x2, the other features "
                                                                  "held at their means (x3 = ")
    page.get_by_test_id("play").click()
    page.wait_for_function("() => (window.__descent.net.trainAccuracy() ?? 0) > 0.9", timeout=60_000)
    page.get_by_test_id("play").click()  # pause
    page.wait_for_function("() => window.__descent.status !== 'running'")
    page.wait_for_function("() => window.__descent.net.decisionUpdates() > 1")
    shot(page, shots, "features-lesson-3-4-2", away=True)
    assert console.ours() == []


def test_iris_columns_standardisation_and_the_pca_plane(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    page.goto(f"{server.url}/?kind=network&hidden=5&head=softmax&loss=ce&data=iris&opt=adam&lr=0.05")
    page.wait_for_function(READY)
    p = d(page, "net.problem()")
    assert p["layers"][0] == 4 and p["columns"][0] == "sepal_length" and p["standardize"] is not None
    expect(page.get_by_test_id("net-standardize")).to_contain_text("sepal_length 5.8")
    picker = page.get_by_test_id("net-plane")
    assert picker.locator("option").count() == 6 + 1  # the 6 pairs of 4 features, and the principal components
    picker.select_option("2,3")
    expect(page.get_by_test_id("net-plane-text")).to_contain_text("a slice through petal_length and petal_width")
    picker.select_option("pca")
    expect(page.get_by_test_id("net-plane-text")).to_contain_text("the first two principal components")
    before = d(page, "net.decisionUpdates()")
    page.get_by_test_id("step").click(modifiers=["Shift"])
    page.wait_for_function("() => window.__descent.t >= 10")
    # Frames keep to the plane picked: the grid of the new weights still covers the principal components.
    page.wait_for_function(f"() => window.__descent.net.decisionUpdates() > {before}")
    expect(page.get_by_test_id("net-plane-text")).to_contain_text("principal components")
    shot(page, shots, "features-iris-pca", away=True)
    assert console.ours() == []


def test_playground_input_features_change_the_input_layer(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    page.goto(f"{server.url}/?kind=network&data=circles&hidden=3")
    page.wait_for_function(READY)
    assert d(page, "net.problem()")["layers"] == [2, 3, 1]
    page.get_by_test_id("net-feature-x1_sq").check()
    page.get_by_test_id("net-feature-x2_sq").check()
    page.wait_for_function("() => window.__descent.net.problem()?.layers?.[0] === 4")
    p = d(page, "net.problem()")
    assert p["input_names"] == ["x1", "x2", "x1²", "x2²"] and p["counts"]["params"] == 4 * 3 + 3 + 3 + 1
    expect(page.get_by_test_id("net-counting")).to_contain_text("(4 × 3) + (3 × 1) = 15 weights")
    page.wait_for_function("() => window.location.search.includes('d.features=x1%2Cx2%2Cx1_sq%2Cx2_sq')")
    page.reload()  # the link keeps the inputs
    page.wait_for_function(READY)
    page.wait_for_function("() => window.__descent.net.problem()?.layers?.[0] === 4")
    expect(page.get_by_test_id("net-feature-x1_sq")).to_be_checked()
    shot(page, shots, "features-playground-inputs", away=True)
    assert console.ours() == []
