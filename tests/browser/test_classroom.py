"""The classroom in headless Chromium: a teacher's page broadcasts, a watcher (its own browser context) follows
with its controls locked, forks, and sees the broadcast end; a challenge with two students (two more contexts)
and the teacher's board with an overlay of their paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import PROBES, VIEWPORT, ConsoleLog, Server, d, shot

READY = "() => window.__descent && window.__descent.runId && window.__descent.socketOpen()"


def steps(page: Any, n10: int) -> None:
    """n10 × 10 steps with shift-click on Step."""
    t = d(page, "t")
    for _ in range(n10):
        page.get_by_test_id("step").click(modifiers=["Shift"])
        t += 10
        page.wait_for_function(f"() => window.__descent.t === {t}")


def guest(browser: Any, url: str, console: ConsoleLog) -> tuple[Any, Any]:
    ctx = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    ctx.add_init_script(PROBES)
    pg = ctx.new_page()
    pg.on("console", console.on_console)
    pg.on("pageerror", console.on_page_error)
    pg.set_default_timeout(20_000)
    pg.goto(url)
    return ctx, pg


def test_watch_live_fork_and_end(page: Any, browser: Any, server: Server, console: ConsoleLog,
                                 shots: Path | None) -> None:
    page.goto(server.url + "/")
    page.wait_for_function(READY)
    steps(page, 2)
    page.get_by_test_id("watch-live").click()
    link = page.get_by_test_id("watch-link").input_value()
    assert "/watch/" in link and d(page, "runId") not in link
    expect(page.get_by_test_id("watch-count")).to_have_text("0 watching")
    ctx1, w1 = guest(browser, link, console)
    ctx2, w2 = guest(browser, link, console)
    try:
        for w in (w1, w2):
            expect(w.get_by_test_id("watching")).to_have_text("watching linear regression · gd")
            w.wait_for_function("() => window.__descent.t === 20 && window.__descent.socketOpen()")
            assert w.evaluate("() => document.querySelector('.sidebar').inert")
        expect(page.get_by_test_id("watch-count")).to_have_text("2 watching")
        expect(w1.get_by_test_id("watch-count")).to_have_text("2 watching")
        steps(page, 3)  # the teacher's steps arrive on the watchers' charts
        w1.wait_for_function("() => window.__descent.t === 50 && window.__descent.steps === 51")
        w2.wait_for_function("() => window.__descent.t === 50")
        assert w1.evaluate("() => window.__descent.lossesOf(0)") == page.evaluate("() => window.__descent.lossesOf(0)")
        shot(page, shots, "classroom-teacher-broadcasting", away=True)
        shot(w1, shots, "classroom-watcher", away=True)
        # a watcher forks: its own run at t = 50, controls back
        w1.get_by_test_id("fork").click()
        w1.wait_for_function("() => !window.__descent.runId.startsWith('watch:') && window.__descent.socketOpen()")
        assert d(w1, "t") == 50 and not w1.evaluate("() => document.querySelector('.sidebar').inert")
        expect(page.get_by_test_id("watch-count")).to_have_text("1 watching")
        w1.get_by_test_id("step").click()
        w1.wait_for_function("() => window.__descent.t === 51")
        assert d(page, "t") == 50  # the fork is the watcher's own
        shot(w1, shots, "classroom-forked", away=True)
        # the teacher ends the broadcast
        page.get_by_test_id("end-broadcast").click()
        expect(w2.get_by_test_id("watching")).to_contain_text("the broadcast ended")
        expect(w2.get_by_test_id("fork")).to_be_hidden()
        expect(page.get_by_test_id("owner-bar")).to_be_hidden()
        shot(w2, shots, "classroom-broadcast-ended", away=True)
    finally:
        ctx1.close()
        ctx2.close()
    assert console.ours() == []


def test_a_challenge_with_two_students_and_the_board(page: Any, browser: Any, server: Server,
                                                     console: ConsoleLog, shots: Path | None) -> None:
    page.goto(server.url + "/")
    page.wait_for_function(READY)
    page.get_by_test_id("challenge-open").click()
    page.get_by_test_id("ch-target").fill("0.3")
    page.get_by_test_id("ch-limit").fill("400")
    page.get_by_test_id("ch-create").click()
    link = page.get_by_test_id("ch-link").input_value()
    assert "/challenge/" in link
    page.keyboard.press("Escape")
    contexts = []
    try:
        students = []
        for name, lr in (("Ada", "0.3"), ("Grace", "0.05")):
            ctx, s = guest(browser, link, console)
            contexts.append(ctx)
            s.get_by_test_id("student-name").fill(name)
            s.get_by_test_id("student-lr").fill(lr)
            s.get_by_test_id("student-start").click()
            s.wait_for_function("() => (window.__descent.runId || '').startsWith('attempt:') && "
                                "window.__descent.socketOpen()")
            assert s.evaluate("() => document.querySelector('.sidebar').inert")
            students.append(s)
        for s in students:
            s.get_by_test_id("student-play").click()
        for s in students:
            s.wait_for_function("() => ['stopped', 'converged'].includes(window.__descent.status)", timeout=60_000)
        rows = page.get_by_test_id("board-row")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("Ada")  # lr 0.3 gets there in fewer steps
        expect(rows.nth(1)).to_contain_text("Grace")
        for box in page.get_by_test_id("overlay-pick").all():
            box.check()
        page.wait_for_function("() => (document.querySelector('[data-testid=board-overlay]').data || []).length === 3")
        expect(students[1].get_by_test_id("board-row")).to_have_count(2)
        shot(page, shots, "classroom-teacher-board", away=True)
        shot(students[0], shots, "classroom-student-ada", away=True)
        shot(students[1], shots, "classroom-student-grace", away=True)
    finally:
        for ctx in contexts:
            ctx.close()
    assert console.ours() == []
