"""Saved runs: a small store interface, kept in SQLite by default and in PostgreSQL when given its URL.

A saved record is `{name, created, kind, t, config, events, clock, summary}`: what `engine.build.replay`
needs to rebuild the run bit for bit (`config`, `events`, `clock`), and what a list shows. Each save is one
transaction, so a crash mid-save loses nothing saved before it (and leaves no half-written record).

The methods are blocking (stdlib sqlite3, psycopg); routes call them in a worker thread (run_in_threadpool).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from app.db import SQLITE_FILE, PostgresDB, SQLiteDB, is_postgres
from app.errors import dumps
from app.limits import exempt
from app.settings import Settings

SUMMARY_COLUMNS = ("id", "name", "created", "kind", "t")


class SavedFull(Exception):
    """Saving would pass a limit: `status` 503 (the server's), 429 (this client's) or 409 (the record's size)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class SavedStore(Protocol):
    """Where saved runs live."""

    def save(self, name: str, record: dict[str, Any], owner: str | None = None) -> str:
        """Keep `record` (kind, t, config, events, clock, summary; created: now) under `name`; returns its id."""
        ...

    def list(self, owner: str | None = None) -> list[dict[str, Any]]:
        """{id, name, created, kind, t} of the runs `owner` saved, newest first."""
        ...

    def get(self, sid: str) -> dict[str, Any] | None:
        """The whole record with its id, or None."""
        ...

    def delete(self, sid: str) -> bool:
        """Forget a saved run; False when there was none."""
        ...

    def close(self) -> None:
        """Release connections (nothing is lost by not calling it)."""
        ...


def new_saved_id() -> str:
    """An unguessable saved-run id: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def now_iso() -> str:
    """The time now, ISO 8601 in UTC to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _full_message(cap: int, whose: str, setting: str) -> str:
    return (f"{whose} keeps its maximum of {cap:,} saved runs ({setting}); delete one "
            f"(DELETE /api/saved/{{id}}) to save another")


def check_caps(total: int, mine: int, owner: str | None, max_total: int, max_per_owner: int) -> None:
    """Raise SavedFull when one more saved run would pass either limit."""
    if total >= max_total:
        raise SavedFull(_full_message(max_total, "the server", "max_saved"), 503)
    if not exempt(owner) and mine >= max_per_owner:
        raise SavedFull(_full_message(max_per_owner, "this client", "max_saved_per_client"), 429)


def _row(name: str, record: dict[str, Any], max_bytes: int) -> tuple[str, dict[str, Any], str]:
    """(id, record with name and created, record as JSON text); SavedFull (409) past max_bytes."""
    created = str(record.get("created") or now_iso())
    full = {"name": name, "created": created, **{k: v for k, v in record.items() if k not in ("name", "created")}}
    text = dumps(full)
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise SavedFull(f"the run is too large to save: {size:,} bytes of config and live changes (at most "
                        f"{max_bytes:,}, max_record_bytes)", 409)
    return new_saved_id(), full, text


# ----- SQLite (the default) ------------------------------------------------------------------------
SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS saved (
    id TEXT PRIMARY KEY,
    owner TEXT,
    name TEXT NOT NULL,
    created TEXT NOT NULL,
    kind TEXT NOT NULL,
    t INTEGER NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS saved_by_owner ON saved (owner, created);
"""


class SQLiteSaved:
    """Saved runs in one SQLite file (WAL mode; a connection per call, so any worker thread may call)."""

    def __init__(self, path: str | Path, max_total: int = 10_000, max_per_owner: int = 200,
                 max_bytes: int = 8 * 1024 * 1024):
        self.db = SQLiteDB(path, SQLITE_SCHEMA)  # the file is made on first use: an app that never saves has none
        self.path = self.db.path
        self.max_total = max_total
        self.max_per_owner = max_per_owner
        self.max_bytes = max_bytes

    def _connect(self) -> sqlite3.Connection:
        return self.db.connect()

    def save(self, name: str, record: dict[str, Any], owner: str | None = None) -> str:
        """One IMMEDIATE transaction: count (for the limits) and insert, or nothing at all."""
        sid, full, text = _row(name, record, self.max_bytes)
        with self.db.transaction(write=True) as conn:
            total = conn.execute("SELECT count(*) FROM saved").fetchone()[0]
            mine = conn.execute("SELECT count(*) FROM saved WHERE owner IS ?", (owner,)).fetchone()[0]
            check_caps(total, mine, owner, self.max_total, self.max_per_owner)
            conn.execute("INSERT INTO saved (id, owner, name, created, kind, t, record) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (sid, owner, name, full["created"], str(full.get("kind", "")), int(full.get("t", 0)), text))
        return sid

    def list(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Newest first."""
        conn = self._connect()
        try:
            rows = conn.execute(
                "SELECT id, name, created, kind, t FROM saved WHERE owner IS ? ORDER BY created DESC, rowid DESC",
                (owner,)).fetchall()
        finally:
            conn.close()
        return [dict(zip(SUMMARY_COLUMNS, r, strict=True)) for r in rows]

    def get(self, sid: str) -> dict[str, Any] | None:
        """The record, or None."""
        conn = self._connect()
        try:
            row = conn.execute("SELECT record FROM saved WHERE id = ?", (sid,)).fetchone()
        finally:
            conn.close()
        return None if row is None else {"id": sid, **json.loads(row[0])}

    def delete(self, sid: str) -> bool:
        """True when there was such a run."""
        conn = self._connect()
        try:
            return conn.execute("DELETE FROM saved WHERE id = ?", (sid,)).rowcount > 0
        finally:
            conn.close()

    def close(self) -> None:
        """Nothing to release: connections live for one call."""


# ----- PostgreSQL (DESCENT_STORE_URL=postgresql://...) ---------------------------------------------
POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS descent_saved (
    seq BIGSERIAL,
    id TEXT PRIMARY KEY,
    owner TEXT,
    name TEXT NOT NULL,
    created TEXT NOT NULL,
    kind TEXT NOT NULL,
    t BIGINT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS descent_saved_by_owner ON descent_saved (owner, created);
"""


class PostgresSaved:
    """Saved runs in a PostgreSQL table `descent_saved` (psycopg 3; install `descent[postgres]`), shared by every
    app process that is given the same URL.

    The record is kept as JSON text, not jsonb, so every float comes back exactly as it was saved.
    """

    def __init__(self, url: str, max_total: int = 10_000, max_per_owner: int = 200,
                 max_bytes: int = 8 * 1024 * 1024):
        self.db = PostgresDB(url, POSTGRES_SCHEMA)
        self.url = url
        self.max_total = max_total
        self.max_per_owner = max_per_owner
        self.max_bytes = max_bytes

    def _connect(self) -> Any:
        return self.db.connect()

    def save(self, name: str, record: dict[str, Any], owner: str | None = None) -> str:
        """One transaction (the table locked against other saves while the limits are counted)."""
        sid, full, text = _row(name, record, self.max_bytes)
        with self._connect() as conn, conn.transaction():
            conn.execute("LOCK TABLE descent_saved IN SHARE ROW EXCLUSIVE MODE")
            total = conn.execute("SELECT count(*) FROM descent_saved").fetchone()[0]
            mine = conn.execute("SELECT count(*) FROM descent_saved WHERE owner IS NOT DISTINCT FROM %s",
                                (owner,)).fetchone()[0]
            check_caps(total, mine, owner, self.max_total, self.max_per_owner)
            conn.execute(
                "INSERT INTO descent_saved (id, owner, name, created, kind, t, record) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (sid, owner, name, full["created"], str(full.get("kind", "")), int(full.get("t", 0)), text))
        return sid

    def list(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Newest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, name, created, kind, t FROM descent_saved WHERE owner IS NOT DISTINCT FROM %s "
                "ORDER BY created DESC, seq DESC", (owner,)).fetchall()
        return [dict(zip(SUMMARY_COLUMNS, r, strict=True)) for r in rows]

    def get(self, sid: str) -> dict[str, Any] | None:
        """The record, or None."""
        with self._connect() as conn:
            row = conn.execute("SELECT record FROM descent_saved WHERE id = %s", (sid,)).fetchone()
        return None if row is None else {"id": sid, **json.loads(row[0])}

    def delete(self, sid: str) -> bool:
        """True when there was such a run."""
        with self._connect() as conn:
            return bool(conn.execute("DELETE FROM descent_saved WHERE id = %s", (sid,)).rowcount)

    def close(self) -> None:
        """Nothing to release: connections live for one call."""


def open_saved(settings: Settings) -> SavedStore:
    """The store the settings name: PostgreSQL for a postgresql:// store_url, else SQLite under data_dir."""
    caps = {"max_total": settings.max_saved, "max_per_owner": settings.max_saved_per_client,
            "max_bytes": settings.max_record_bytes}
    if is_postgres(settings.store_url):
        return PostgresSaved(str(settings.store_url), **caps)
    return SQLiteSaved(Path(settings.data_dir) / SQLITE_FILE, **caps)
