"""Annotated dependency aliases for the lookups every route shares: settings, store, the run by id."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from starlette.requests import HTTPConnection

from app.settings import Settings
from app.store import Entry, Store


def get_settings(conn: HTTPConnection) -> Settings:
    """The app's settings (limits)."""
    settings: Settings = conn.app.state.settings
    return settings


def get_store(conn: HTTPConnection) -> Store:
    """The app's run store."""
    store: Store = conn.app.state.store
    return store


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
RunId = Annotated[str, Path(description="the run's id (from POST /api/runs)")]


def get_entry(run_id: RunId, store: StoreDep) -> Entry:
    """The run named in the path; 404 naming the id when there is none."""
    return store.get(run_id)


EntryDep = Annotated[Entry, Depends(get_entry)]
