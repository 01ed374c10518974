"""The page behind the proxy, in headless Chromium: when the process holding its run dies, the page says so
(the proxy's 410) and offers to start the run again, which lands on a living process."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.deploy.stack import Stack

READY = "() => window.__descent && window.__descent.runId && window.__descent.socketOpen()"


def test_the_page_says_its_process_died_and_starts_the_run_again_elsewhere(stack: Stack, context: Any) -> None:
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    owner = ""
    try:
        page.goto(f"{stack.url}/")
        page.wait_for_function(READY)
        run_id = page.evaluate("() => window.__descent.runId")
        owner = run_id.partition(".")[0]
        assert owner in stack.ports, run_id
        stack.kill(owner)

        notice = page.get_by_test_id("toast-error").filter(has_text="is not answering")
        expect(notice).to_contain_text(f"({owner})", timeout=30_000)  # a busy machine: the page reconnects first
        expect(notice).to_contain_text("reopen it from its last save or from its link")
        notice.get_by_test_id("toast-action").click()  # "Start it again": a new run, on the living process
        page.wait_for_function(f"() => window.__descent.runId && !window.__descent.runId.startsWith('{owner}.')"
                               " && window.__descent.socketOpen()")
        assert errors == []
    finally:
        page.close()
        if owner and stack.apps[owner].poll() is not None:
            stack.spawn(owner)
            stack.wait(owner)
