"""What the server offers: the registries (menus, settings, formulas) with the limits, and a health check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.bounds import publish_registry
from app.deps import SettingsDep, StoreDep
from app.schemas import PROBLEM_SPECS, Health, error_responses
from app.schemas_socket_in import CLIENT_MESSAGES
from app.settings import Settings
from engine import registry

router = APIRouter(prefix="/api", tags=["registry"], responses=error_responses(401))


def registry_payload(settings: Settings) -> dict[str, Any]:
    """engine.registry.describe() plus problem kinds, websocket message types and the server's limits (with the
    bounds they narrow written in: app/bounds.py)."""
    return publish_registry({
        **registry.describe(),
        "problems": list(PROBLEM_SPECS),
        "messages": list(CLIENT_MESSAGES),
        "limits": settings.limits(),
    }, settings)


@router.get("/registry", summary="Optimizers, schedules, stopping tests, problem kinds and limits")
async def get_registry(settings: SettingsDep) -> dict[str, Any]:
    """Everything the page's menus and controls are built from."""
    return registry_payload(settings)


@router.get("/health", response_model=Health, summary="Health check")
async def health(store: StoreDep) -> dict[str, Any]:
    """{"ok": true, ...} while the server is up, with its load: runs held and playing, its pace, CPU share and
    event-loop lag, and the step records the runs hold (and their memory)."""
    pacer = store.pacer
    return {"ok": True, "runs": len(store), "playing": pacer.playing, "frame_hz": round(pacer.hz, 2),
            "cpu": round(min(max(pacer.busy, 0.0), 1.0), 3), "lag_ms": round(max(pacer.lag, 0.0) * 1e3, 2),
            "tick_ms": round(max(pacer.tick, 0.0) * 1e3, 3),
            "history_rows": store.rows(fresh=True), "history_mb": round(store.history_bytes() / 2**20, 3)}
