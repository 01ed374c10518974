"""The Play button, the status pill and the readout say what the server says, after every action of a scripted
session (issue 15, "The Play button lies"); the longest task at top speed with the 3-D view shown is reported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import ConsoleLog, Server, d, shot

OPEN = "() => window.__descent && window.__descent.socketOpen() && window.__descent.box !== null"

# In the page: polls (every 100 ms, at most 15 s) until the page and GET /api/runs/{id} agree: the pill's word is
# the server's status, the button says Pause while it runs, Replay when it finished and Play otherwise, the
# pill's text is never empty, and when the run stands still the readout's t is the server's t. Resolves when
# they agree; rejects with the last disagreement.
AGREE = """() => new Promise((resolve, reject) => {
  const t0 = performance.now();
  let last = '';
  const look = async () => {
    const id = window.__descent.runId;
    const res = id ? await fetch(`/api/runs/${id}`) : null;
    if (res && res.ok) {
      const st = await res.json();
      const word = document.querySelector('[data-testid="status-word"]').textContent.trim();
      const text = document.querySelector('[data-testid="status-text"]').textContent.trim();
      const label = document.querySelector('#play .label').textContent.trim();
      const t = Number(document.querySelector('[data-readout="t"]').textContent);
      const terminal = ['converged', 'diverged', 'stopped'].includes(st.status);
      const want = st.status === 'running' ? 'Pause' : terminal ? 'Replay' : 'Play';
      if (word === st.status && label === want && text && (st.status === 'running' || t === st.t)) {
        resolve(true);
        return;
      }
      last = JSON.stringify({ server: [st.status, st.t], page: [word, label, text, t] });
    }
    if (performance.now() - t0 > 15000) reject(new Error(`the page and the server disagree: ${last}`));
    else setTimeout(look, 100);
  };
  look();
})"""


def agree(page: Any, status: str) -> None:
    """Wait until the page shows `status` and agrees with the server on it (AGREE)."""
    page.wait_for_function(f"() => window.__descent.status === '{status}'")
    page.evaluate(AGREE)


def click_contour(page: Any) -> None:
    """Click the middle of the parameter plot's area (a new start θ⁽⁰⁾ there)."""
    box = page.locator("#plot-contour .layer-front .nsewdrag").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)


def test_button_pill_and_readout_follow_the_server(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """Play, click the contour mid-run, a preset, reset, Play again, Pause, and a lesson switch: after each, the
    page and the server agree."""
    page.goto(f"{server.url}/?speed=200&s3d=0")
    page.wait_for_function(OPEN)
    agree(page, "ready")
    expect(page.get_by_test_id("status-text")).not_to_be_empty()  # READY says so

    page.get_by_test_id("play").click()
    agree(page, "running")
    page.wait_for_function("() => window.__descent.t > 30")
    click_contour(page)  # the run starts again from there, at t = 0, and stands still
    agree(page, "ready")
    assert d(page, "t") == 0
    shot(page, shots, "truth-1-clicked")

    page.get_by_test_id("preset-right").click()  # from θ⁽⁰⁾ at the best fixed step: converges in a few hundred
    agree(page, "converged")
    expect(page.get_by_test_id("status-text")).to_contain_text("‖∇J‖ ≤ 1e-6")
    shot(page, shots, "truth-2-converged")

    page.get_by_test_id("reset").click()
    agree(page, "ready")
    page.get_by_test_id("preset-small").click()  # slow: still running when paused
    agree(page, "running")
    page.get_by_test_id("play").click()
    agree(page, "paused")
    page.keyboard.press(" ")
    agree(page, "running")
    page.keyboard.press(" ")
    agree(page, "paused")

    page.goto(f"{server.url}/?lesson=gradient-descent")
    page.wait_for_function(OPEN)
    agree(page, "ready")
    page.get_by_test_id("lesson-next").click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('lesson') === 'stopping-tests'")
    page.wait_for_function(OPEN)
    agree(page, "ready")
    assert console.ours() == []


LONGTASKS = """window.__longtasks = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longtasks.push(e.duration); })
  .observe({ type: 'longtask', buffered: true });"""


def test_pause_at_top_speed_with_the_3d_view(
        page: Any, server: Server, console: ConsoleLog, shots: Path | None) -> None:
    """At 5,000 steps/s with the 3-D surface shown, Pause is acted on and the page agrees with the server; the
    longest task while playing and the time from the click to the paused pill are printed (not asserted)."""
    page.add_init_script(LONGTASKS)
    page.goto(f"{server.url}/?speed=5000&eps=off&max=1000000&s3d=1")
    page.wait_for_function(OPEN)
    page.evaluate("() => { window.__longtasks.length = 0; }")
    page.get_by_test_id("play").click()
    agree(page, "running")
    page.wait_for_function("() => window.__descent.t > 20000", timeout=60_000)
    page.get_by_test_id("play").hover()  # as a person reaching for Pause: the 3-D view waits meanwhile
    lag = page.evaluate("""() => new Promise((done) => {
      const t0 = performance.now();
      document.getElementById('play').click();
      const look = () => (window.__descent.status === 'paused' ? done(performance.now() - t0)
        : requestAnimationFrame(look));
      look();
    })""")
    agree(page, "paused")
    tasks = page.evaluate("() => window.__longtasks")
    shot(page, shots, "truth-3-paused-top-speed")
    print(f"\nlong tasks at 5000 steps/s with 3-D: {len(tasks)}, longest {max(tasks, default=0):.0f} ms, "
          f"total {sum(tasks):.0f} ms; click on Pause to a paused pill: {lag:.0f} ms")
    assert console.ours() == []


def test_a_new_start_after_a_divergence_shows_the_runs_own_box(page: Any, server: Server, console: ConsoleLog) -> None:
    """A diverging run grows the landscape to hold its path; the next run from θ⁽⁰⁾ (a preset) is drawn in the
    run's own box again (issue 15, "Confusing": the view stayed zoomed out at ±30)."""
    page.goto(f"{server.url}/?speed=2000&s3d=0")
    page.wait_for_function(OPEN)
    own = d(page, "box")
    page.get_by_test_id("preset-big").click()
    agree(page, "diverged")
    page.wait_for_function(f"() => window.__descent.box.x_max - window.__descent.box.x_min > "
                           f"{1.5 * (own['x_max'] - own['x_min'])}")
    page.get_by_test_id("preset-right").click()
    agree(page, "converged")
    page.wait_for_function("() => !window.__descent.landscapeLoading()")
    assert d(page, "box") == own
    assert console.ours() == []


def test_space_plays_after_the_learning_rate_slider_was_moved(page: Any, server: Server, console: ConsoleLog) -> None:
    """The slider keeps the focus after a drag; Space plays and pauses all the same (as its tooltip says)."""
    page.goto(f"{server.url}/?speed=100&s3d=0")
    page.wait_for_function(OPEN)
    page.get_by_test_id("lr-slider").focus()
    page.keyboard.press("ArrowLeft")  # moves the slider, as it should
    page.keyboard.press(" ")
    agree(page, "running")
    page.wait_for_function("() => window.__descent.t > 0")  # paused before its first step, a run says "ready"
    page.keyboard.press(" ")
    agree(page, "paused")
    assert console.ours() == []


def test_random_guessing_switches_off_what_needs_a_gradient(page: Any, server: Server, console: ConsoleLog) -> None:
    """Choosing random guessing turns off the −∇J arrows, the step arrows and the ε test, which do not apply."""
    page.goto(f"{server.url}/?s3d=0")
    page.wait_for_function(OPEN)
    first = d(page, "runId")
    page.get_by_test_id("optimizer").select_option("random_search")
    page.wait_for_function(f"() => window.__descent.runId !== '{first}' && window.__descent.socketOpen()")
    page.wait_for_function("() => window.__descent.arrowCount() === 0")
    assert not page.locator("#stop-eps-on").is_checked()
    assert not page.locator("#show-arrows").is_checked()
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__descent.guessCount() >= 5")
    assert d(page, "stepArrowCount()") == 0
    assert console.ours() == []
