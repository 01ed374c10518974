"""The API docs (/docs, /redoc) and the page work offline: no request leaves the app's origin, and every
operation of /openapi.json is rendered."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import ConsoleLog, Server, shot

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


class Requests:
    """Every request the page makes; those to another origin are refused (aborted) and remembered."""

    def __init__(self, page: Any, origin: str) -> None:
        self.origin = origin
        self.seen: list[str] = []
        self.outside: list[str] = []
        page.route("**/*", self.handle)
        page.on("websocket", lambda ws: self.check(ws.url))

    def check(self, url: str) -> bool:
        self.seen.append(url)
        parts = urlsplit(url)
        ours = parts.scheme in ("http", "ws") and parts.netloc == urlsplit(self.origin).netloc
        if not ours and parts.scheme not in ("data", "blob"):
            self.outside.append(url)
            return False
        return True

    def handle(self, route: Any) -> None:
        if self.check(route.request.url):
            route.continue_()
        else:
            route.abort()


def operations(server: Server) -> list[str]:
    """The operationId of every operation in /openapi.json."""
    with urllib.request.urlopen(server.url + "/openapi.json") as res:
        spec = json.load(res)
    return [op["operationId"] for ops in spec["paths"].values() for m, op in ops.items() if m in HTTP_METHODS]


@pytest.fixture
def requests(page: Any, server: Server) -> Requests:
    """The requests of the test's page, checked against the app's origin."""
    return Requests(page, server.url)


def test_swagger_ui_renders_every_operation_offline(page: Any, server: Server, requests: Requests,
                                                    console: ConsoleLog, shots: Path | None) -> None:
    ops = operations(server)
    page.goto(server.url + "/docs")
    page.wait_for_function("n => document.querySelectorAll('.opblock').length === n", arg=len(ops))
    assert page.locator(".opblock").count() == len(ops) >= 35  # every operation, however many the app has
    assert page.locator(".opblock-summary-path", has_text="/api/runs/{run_id}/step").count() == 1
    page.locator(".opblock-summary", has_text="/api/health").first.click()  # open one, as a reader would
    page.wait_for_selector(".opblock.is-open .responses-wrapper")
    shot(page, shots, "docs-swagger", away=True)
    titles = page.locator(".models > div > article > .json-schema-2020-12-head .json-schema-2020-12__title")
    names = set(titles.all_inner_texts())  # the Schemas section: the websocket's messages are there too
    assert {"Hello", "Frame", "ErrorMsg", "ServerMessage", "ClientMessage", "StepMsg"} <= names, sorted(names)
    assert any(u.endswith("/docs/assets/swagger-ui-bundle.js") for u in requests.seen)
    assert any(u.endswith("/openapi.json") for u in requests.seen)
    assert requests.outside == []
    assert console.ours() == []  # no Content-Security-Policy refusal either


def test_redoc_renders_every_operation_offline(page: Any, server: Server, requests: Requests,
                                               console: ConsoleLog, shots: Path | None) -> None:
    ops = operations(server)
    page.goto(server.url + "/redoc")
    selector = "[data-section-id*='/operation/']"
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length === n", arg=[selector, len(ops)])
    ids = page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.sectionId.split('/operation/')[1])")
    assert sorted(ids) == sorted(ops)
    shot(page, shots, "docs-redoc", away=True)
    page.wait_for_function("() => document.body.innerText.includes('Websockets')")
    text = page.inner_text("body")
    assert "SchemaDefinition" not in text  # drawn, not shown as text
    client = text[text.index("Client messages (ClientMessage"):text.index("Server messages (ServerMessage")]
    server = text[text.index("Server messages (ServerMessage"):][:3000]
    assert "add_racer" in client and "speed" in client  # the union of client messages, its first (play) open
    assert "frame" in server and "grid_t" in server  # the union of server messages, its first (hello) open
    assert requests.outside == []
    # ReDoc always asks for its maker's logo from a CDN; the page's policy refuses it before it is requested
    # (ReDoc then shows the words alone). Any other refusal or error fails.
    logo = "Loading the image 'https://cdn.redoc.ly/redoc/logo-mini.svg' violates"
    assert [e for e in console.ours() if logo not in e] == []


def test_the_page_makes_no_request_outside_the_app(page: Any, server: Server, requests: Requests,
                                                   console: ConsoleLog) -> None:
    with page.expect_websocket() as opened:
        page.goto(server.url + "/")
    opened.value.wait_for_event("framereceived")  # the hello: the page is connected to its run
    page.wait_for_function("() => window.Plotly && document.querySelectorAll('.js-plotly-plot').length > 0")
    assert any(u.endswith("/vendor/plotly.min.js") for u in requests.seen)
    assert any(u.startswith("ws://") and "/stream" in u for u in requests.seen)
    assert requests.outside == []
    assert console.ours() == []
