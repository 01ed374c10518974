"""Challenges and their attempts, kept beside saved runs: the same SQLite file or PostgreSQL database, reached
through app/db.py as saved runs are (tables made once, on first use), one transaction per write.

A challenge row holds its record (title, goal, limit, what students may change, the run configuration every
attempt starts from) and the teacher's key; an attempt row holds the student's name, settings and last known
status, t, J, accuracy, score and a thinned path, so the board and its paths survive a restart. Adding an
attempt counts the limits (students per challenge, attempts per student, board size) in the same transaction.
Blocking methods: routes call them in a worker thread.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from app.db import SQLiteDB, is_postgres, open_db
from app.errors import dumps
from app.settings import Settings
from app.store import new_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS {p}challenges (
    id TEXT PRIMARY KEY,
    owner TEXT,
    key TEXT NOT NULL,
    created TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS {p}attempts (
    id TEXT PRIMARY KEY,
    challenge TEXT NOT NULL,
    public TEXT NOT NULL,
    student TEXT NOT NULL,
    created TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS {p}attempts_by_challenge ON {p}attempts (challenge, created);
"""


class Refused(Exception):
    """A limit would be passed: the message, the HTTP status and the field it is about."""

    def __init__(self, message: str, status: int, field: tuple[str, ...] = ()):
        super().__init__(message)
        self.status = status
        self.field = field


class ChallengeRecords:
    """Challenges and attempts in SQL tables: SQLite (the default) or PostgreSQL (`descent_` tables)."""

    def __init__(self, settings: Settings):
        self.max_challenges = settings.max_challenges
        self.max_students = settings.max_students
        self.max_attempts = settings.max_attempts
        self.max_board = settings.max_board
        self.worker = settings.worker  # attempt ids start with it, as run ids do (the process holds the run)
        self.pg = is_postgres(settings.store_url)
        self.p = "descent_" if self.pg else ""
        # app/db.py makes the tables once, on first use (under an advisory lock on PostgreSQL)
        self.db = open_db(settings.data_dir, settings.store_url, SCHEMA.format(p=""), SCHEMA.format(p="descent_"))

    # ----- connections ------------------------------------------------------------------------------
    def _sql(self, query: str) -> str:
        query = query.replace("{p}", self.p)
        return query.replace("?", "%s") if self.pg else query

    @contextlib.contextmanager
    def _tx(self, write: bool = False) -> Iterator[Any]:
        """A connection in one transaction (a write transaction locks out other writers while it counts)."""
        if self.pg:
            pg: Any = self.db.connect()  # a psycopg connection
            with pg as conn, conn.transaction():
                if write:
                    conn.execute(f"LOCK TABLE {self.p}attempts IN SHARE ROW EXCLUSIVE MODE")
                yield conn
            return
        assert isinstance(self.db, SQLiteDB)
        with self.db.transaction(write) as conn:  # BEGIN IMMEDIATE for a write
            yield conn

    def _one(self, conn: Any, query: str, args: tuple[Any, ...] = ()) -> Any:
        return conn.execute(self._sql(query), args).fetchone()

    # ----- challenges ---------------------------------------------------------------------------------
    def create(self, record: dict[str, Any], owner: str | None) -> tuple[str, str]:
        """Keep a new challenge; returns (its id, the teacher's key). Refused (503) past max_challenges."""
        cid, key = secrets.token_urlsafe(9), secrets.token_urlsafe(16)
        with self._tx(write=True) as conn:
            if self._one(conn, "SELECT count(*) FROM {p}challenges")[0] >= self.max_challenges:
                raise Refused(f"the server keeps its maximum of {self.max_challenges:,} challenges "
                              f"(max_challenges)", 503)
            conn.execute(self._sql("INSERT INTO {p}challenges (id, owner, key, created, record) "
                                   "VALUES (?, ?, ?, ?, ?)"),
                         (cid, owner, key, record["created"], dumps(record)))
        return cid, key

    def challenge(self, cid: str) -> dict[str, Any] | None:
        """{id, key, owner, **record}, or None."""
        with self._tx() as conn:
            row = self._one(conn, "SELECT key, owner, record FROM {p}challenges WHERE id = ?", (cid,))
        return None if row is None else {"id": cid, "key": row[0], "owner": row[1], **json.loads(row[2])}

    # ----- attempts ------------------------------------------------------------------------------------
    def add_attempt(self, cid: str, student: str, name: str, record: dict[str, Any]) -> tuple[str, str]:
        """Keep a new attempt of `student` (the name folded); returns (its id, its public id on the board)."""
        aid, public = new_id(self.worker), secrets.token_urlsafe(6)  # "<worker>.": routed to the run's process
        with self._tx(write=True) as conn:
            total = self._one(conn, "SELECT count(*) FROM {p}attempts WHERE challenge = ?", (cid,))[0]
            if total >= self.max_board:
                raise Refused(f"this challenge's board is full: {self.max_board:,} attempts (max_board)", 429)
            mine = self._one(conn, "SELECT count(*) FROM {p}attempts WHERE challenge = ? AND student = ?",
                             (cid, student))[0]
            if mine >= self.max_attempts:
                raise Refused(f"{name} has made the maximum of {self.max_attempts} attempts at this challenge "
                              f"(max_attempts)", 429, ("body", "name"))
            if not mine:
                students = self._one(conn, "SELECT count(DISTINCT student) FROM {p}attempts WHERE challenge = ?",
                                     (cid,))[0]
                if students >= self.max_students:
                    raise Refused(f"this challenge has its maximum of {self.max_students} students (max_students)",
                                  429, ("body", "name"))
            conn.execute(self._sql("INSERT INTO {p}attempts (id, challenge, public, student, created, record) "
                                   "VALUES (?, ?, ?, ?, ?, ?)"),
                         (aid, cid, public, student, record["created"], dumps(record)))
        return aid, public

    def update_attempts(self, records: list[tuple[str, dict[str, Any]]]) -> None:
        """Replace attempts' records (their latest status, t, J, score and path), in one transaction."""
        with self._tx() as conn:
            for aid, record in records:
                conn.execute(self._sql("UPDATE {p}attempts SET record = ? WHERE id = ?"), (dumps(record), aid))

    def attempt(self, aid: str) -> dict[str, Any] | None:
        """{id, challenge, public, **record}, or None."""
        with self._tx() as conn:
            row = self._one(conn, "SELECT challenge, public, record FROM {p}attempts WHERE id = ?", (aid,))
        return None if row is None else {"id": aid, "challenge": row[0], "public": row[1], **json.loads(row[2])}

    def attempts(self, cid: str) -> list[dict[str, Any]]:
        """Every attempt of a challenge, oldest first: {id, public, **record}."""
        with self._tx() as conn:
            rows = conn.execute(self._sql("SELECT id, public, record FROM {p}attempts WHERE challenge = ? "
                                          "ORDER BY created, id"), (cid,)).fetchall()
        return [{"id": r[0], "public": r[1], **json.loads(r[2])} for r in rows]


def now() -> str:
    """The time now (ISO 8601, UTC, to the microsecond: attempts made within one second keep their order)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")
