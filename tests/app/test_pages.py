"""The page, its headers, Plotly served offline, the registry, health and the OpenAPI docs."""

from __future__ import annotations

import json
import re
from typing import Any

from app.live.pacing import MIN_HZ
from app.settings import Settings
from engine.optimizers import OPTIMIZERS
from tests.app.conftest import StrictClient


def test_index_has_registry_limits_and_security_headers(client: StrictClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "'unsafe-eval'" not in csp
    assert "connect-src 'self' ws: wss:" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY" and r.headers["referrer-policy"] == "no-referrer"
    assert "/vendor/plotly.min.js" in r.text
    for script in re.findall(r"<script([^>]*)>(.*?)</script>", r.text, flags=re.S):
        attrs, body = script
        assert "src=" in attrs or 'type="application/json"' in attrs, script  # no inline code (CSP)
        if body.strip():
            json.loads(body)


def test_the_page_answers_head_as_get(client: StrictClient) -> None:
    head, get = client.head("/"), client.get("/")
    assert head.status_code == 200 and head.text == "" and head.headers["content-security-policy"]
    assert head.headers["content-type"] == get.headers["content-type"]


def test_plotly_and_static_are_served_locally(client: StrictClient) -> None:
    r = client.get("/vendor/plotly.min.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    assert len(r.content) > 1_000_000 and b"plotly" in r.content[:2000].lower()
    assert client.get("/static/does-not-exist.js").status_code == 404


def test_registry_and_health(client: StrictClient, settings: Settings) -> None:
    reg = client.get("/api/registry").json()
    assert set(reg["optimizers"]) == set(OPTIMIZERS)
    gd = {s["name"]: s for s in reg["optimizers"]["gd"]["settings"]}
    assert gd["lr"]["default"] == 0.1 and gd["lr"]["log"] is True
    assert "linear_regression" in reg["problems"] and "play" in reg["messages"]
    assert reg["limits"]["max_grid"] == settings.max_grid and "api_token" not in reg["limits"]
    health = client.get("/api/health").json()
    assert health["ok"] is True and health["runs"] == health["playing"] == health["history_rows"] == 0
    assert MIN_HZ <= health["frame_hz"] <= settings.frame_hz and 0 <= health["cpu"] <= 1 and health["lag_ms"] >= 0
    assert health["tick_ms"] >= 0


def test_openapi_documents_every_route(client: StrictClient) -> None:
    spec: dict[str, Any] = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ["/api/runs", "/api/runs/{run_id}", "/api/runs/{run_id}/step", "/api/runs/{run_id}/reset",
                 "/api/runs/{run_id}/racers", "/api/runs/{run_id}/racers/{racer}", "/api/runs/{run_id}/data",
                 "/api/runs/{run_id}/history", "/api/runs/{run_id}/surface", "/api/runs/{run_id}/field",
                 "/api/runs/{run_id}/flow", "/api/registry", "/api/health"]:
        assert path in paths, path
    schemas = spec["components"]["schemas"]
    for name in OPTIMIZERS:  # one schema per optimiser, generated from the engine's tables
        title = "".join(p.capitalize() for p in name.split("_")) + "Optimizer"
        assert title in schemas
    assert schemas["GdOptimizer"]["properties"]["lr"]["exclusiveMinimum"] == 0


def test_docs_are_served_offline_under_the_page_policy(client: StrictClient) -> None:
    for path in ("/docs", "/redoc"):
        r = client.get(path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "'unsafe-eval'" not in csp and "'unsafe-inline'" not in csp.split(
            "script-src")[1].split(";")[0], csp
        assert "http://" not in r.text and "https://" not in r.text, path  # no CDN, no Google fonts
        for src in re.findall(r'(?:src|href)="([^"]+)"', r.text):
            asset = client.get(src)
            assert asset.status_code == 200 and len(asset.content) > 1000, src
    assert client.get("/docs/assets/nothing.js").status_code == 404
