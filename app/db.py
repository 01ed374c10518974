"""Connections to the database that keeps what outlives a process: SQLite (one file: the default, `make run`) or
PostgreSQL (DESCENT_STORE_URL: shared by every app process behind the proxy, see deploy/).

A store (app.saved, app.classroom.records, any later one) names its tables' schema (open_db); the database
makes them once, on first use, so adding a table is a schema string and a store class over one of these.
Connections live for one call, and a call may come from any worker thread.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class SQLiteDB:
    """One SQLite file (WAL mode); `connect()` makes the schema on first use (and the file: none before)."""

    def __init__(self, path: str | Path, schema: str):
        self.path = Path(path)
        self.schema = schema
        self._ready = False
        self._lock = threading.Lock()

    def connect(self) -> sqlite3.Connection:
        """A new autocommit connection (BEGIN/COMMIT are the caller's); close it after use."""
        if not self._ready:
            with self._lock:
                if not self._ready:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                    try:
                        conn.execute("PRAGMA journal_mode=WAL")
                        conn.executescript(self.schema)
                    finally:
                        conn.close()
                    self._ready = True
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA synchronous=FULL")  # a committed save survives a power cut too
        return conn

    @contextlib.contextmanager
    def transaction(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A new connection in one transaction, committed when the block ends, rolled back when it raises, then
        closed; `write` takes the write lock at once (BEGIN IMMEDIATE), so what it counts holds until it commits."""
        conn = self.connect()
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()


SQLITE_FILE = "descent.sqlite3"  # under data_dir: saved runs, challenges and attempts
SCHEMA_LOCK = 0x64657363  # pg_advisory_xact_lock key: one process at a time makes tables ("desc")


class PostgresDB:
    """A PostgreSQL database at `url` (psycopg 3: `pip install 'descent[postgres]'`).

    Several processes start at once against one server: the schema is made under an advisory lock, since
    concurrent CREATE TABLE IF NOT EXISTS of one table can fail in PostgreSQL.
    """

    def __init__(self, url: str, schema: str):
        try:
            import psycopg
        except ImportError as exc:  # an optional dependency
            raise RuntimeError("DESCENT_STORE_URL is a PostgreSQL URL: install psycopg "
                               "(pip install 'descent[postgres]')") from exc
        self._psycopg = psycopg
        self.url = url
        self.schema = schema
        self._ready = False
        self._lock = threading.Lock()

    def connect(self) -> Any:
        """A new connection (`with db.connect() as conn:` commits on success, rolls back on error, closes)."""
        if not self._ready:
            with self._lock:
                if not self._ready:
                    with self._psycopg.connect(self.url) as conn, conn.transaction():
                        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
                        conn.execute(self.schema)
                    self._ready = True
        return self._psycopg.connect(self.url, connect_timeout=10)


def is_postgres(url: str | None) -> bool:
    """A store_url naming PostgreSQL (ValueError for any other non-empty URL)."""
    if not url:
        return False
    if url.startswith(("postgresql://", "postgres://")):
        return True
    raise ValueError("DESCENT_STORE_URL must be a postgresql:// URL (leave it unset for SQLite under DESCENT_DATA_DIR)")


def open_db(data_dir: str | Path, store_url: str | None, sqlite_schema: str,
            postgres_schema: str) -> SQLiteDB | PostgresDB:
    """The database the settings name (PostgreSQL for a postgresql:// store_url, else the SQLite file under
    data_dir that saved runs use), with the store's schema for it, made on first use."""
    if is_postgres(store_url):
        return PostgresDB(str(store_url), postgres_schema)
    return SQLiteDB(Path(data_dir) / SQLITE_FILE, sqlite_schema)
