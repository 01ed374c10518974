"""Issue 15, charts: the 3-D view keeps drawing while the pointer rests on the Run panel, every weight matrix of a
deep network gets a titled panel of its own, the landscape slice has no blank bands, and the status pill is never
cut off."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import ConsoleLog, Server, d

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
