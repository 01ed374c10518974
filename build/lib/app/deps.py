"""Annotated dependency aliases for the lookups every route shares: settings, store, the run by id.

They are `async def` (they never block): FastAPI runs a plain `def` dependency in a worker thread, and under
load every such hop costs the request a turn of the busy event loop (seconds at 100 playing clients).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from starlette.requests import HTTPConnection

from app.settings import Settings
from app.store import Entry, Store


async def get_settings(conn: HTTPConnection) -> Settings:
    """The app's settings (limits)."""
    settings: Settings = conn.app.state.settings
    return settings


async def get_store(conn: HTTPConnection) -> Store:
    """The app's run store."""
    store: Store = conn.app.state.store
    return store


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
RunId = Annotated[str, Path(description="the run's id (from POST /api/runs)")]


async def get_entry(run_id: RunId, store: StoreDep) -> Entry:
    """The run named in the path; 404 naming the id when there is none."""
    return store.get(run_id)


EntryDep = Annotated[Entry, Depends(get_entry)]
