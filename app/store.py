"""Runs held in memory by id: a limit on how many, idle expiry, and a clean shutdown."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.errors import RequestError
from app.limits import exempt
from app.live.pacing import Pacer
from app.live.player import Player
from app.settings import Settings
from engine.run import Run

log = logging.getLogger(__name__)


def new_id(worker: str | None = None) -> str:
    """An unguessable run id: 128 random bits, URL-safe; behind a proxy, "<worker>." first (the process that
    holds the run: deploy/nginx.conf.in routes every request and the websocket of the run to it)."""
    token = secrets.token_urlsafe(16)
    return token if worker is None else f"{worker}.{token}"


@dataclass
class Entry:
    """One held run: its player (which owns the run and its lock) and when it was made and last used."""

    id: str
    player: Player
    owner: str | None = None  # the client (app.limits.client_key) that made it; None: made by the server
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    last_used: float = field(default_factory=time.monotonic)

    @property
    def run(self) -> Run:
        """The engine run."""
        return self.player.run

    def touch(self) -> None:
        """Someone used the run: it does not expire for another idle period."""
        self.last_used = time.monotonic()

    def idle(self, now: float) -> float:
        """Seconds since last use; 0 while someone watches it or it plays."""
        if self.player.clients or self.player.playing:
            return 0.0
        return now - self.last_used


class Store:
    """Runs by id."""

    def __init__(self, settings: Settings, pacer: Pacer | None = None):
        self.settings = settings
        self.pacer = pacer or Pacer(settings.frame_hz)
        self.entries: dict[str, Entry] = {}
        self.recount_every = 0.25  # seconds: how stale the count of step records held may be
        self._rows, self._rows_at = 0, -float("inf")

    def __len__(self) -> int:
        return len(self.entries)

    def check_room(self, owner: str | None = None) -> None:
        """503 when the server holds max_runs runs; 429 when this client holds max_runs_per_client."""
        if len(self.entries) >= self.settings.max_runs:
            raise RequestError(
                (), f"the server holds its maximum of {self.settings.max_runs} runs (max_runs); delete one "
                f"(DELETE /api/runs/{{id}}) or wait for idle runs to expire", status_code=503)
        cap = self.settings.max_runs_per_client
        if not exempt(owner) and sum(e.owner == owner for e in self.entries.values()) >= cap:
            raise RequestError(
                (), f"this client holds its maximum of {cap} runs (max_runs_per_client); delete one "
                f"(DELETE /api/runs/{{id}}) or wait for idle runs to expire", status_code=429)

    def add(self, run: Run, owner: str | None = None) -> Entry:
        """Hold a new run made by `owner` (a client key; app.limits.OwnerDep); 503 or 429 past the limits."""
        self.check_room(owner)
        run_id = new_id(self.settings.worker)
        entry = Entry(run_id, Player(run_id, run, self.settings, self.pacer, self.full), owner)
        self.entries[run_id] = entry
        return entry

    def rows(self, fresh: bool = False) -> int:
        """Step records held by all runs together (recounted at most every `recount_every` seconds, unless fresh)."""
        now = time.monotonic()
        if fresh or now - self._rows_at >= self.recount_every:
            self._rows = sum(r.history.n for e in self.entries.values() for r in e.run.racers)
            self._rows_at = now
        return self._rows

    def history_bytes(self) -> int:
        """Bytes of the step-history buffers of all runs together."""
        return sum(r.history.nbytes for e in self.entries.values() for r in e.run.racers)

    def full(self) -> str | None:
        """Why no run may take more steps now (the server holds max_history_rows step records), or None."""
        cap = self.settings.max_history_rows
        if self.rows() < 0.9 * cap or self.rows(fresh=True) < cap:  # near the cap, the count is always fresh
            return None
        return (f"the server holds its maximum of {cap:,} step records (max_history_rows): no run can take more "
                f"steps until runs are deleted, reset or expire")

    def get(self, run_id: str) -> Entry:
        """The run with this id (and mark it used); 404 naming the id otherwise."""
        entry = self.entries.get(run_id)
        if entry is None:
            mine = self.settings.worker is not None and run_id.startswith(f"{self.settings.worker}.")
            why = "it may have expired, or this server process restarted since" if mine else "it may have expired"
            raise RequestError(("path", "id"), f"no run with id {run_id[:80]!r} ({why})", status_code=404)
        entry.touch()
        return entry

    def owned_by(self, owner: str | None) -> list[Entry]:
        """The runs this client made, oldest first (run ids are capabilities: nobody lists another's)."""
        return sorted((e for e in self.entries.values() if e.owner == owner), key=lambda e: e.created)

    def find(self, run_id: str) -> Entry | None:
        """The run with this id, or None."""
        return self.entries.get(run_id)

    def delete(self, run_id: str) -> None:
        """Forget a run: stop its player and close its sockets (1000, "run deleted")."""
        entry = self.get(run_id)
        del self.entries[run_id]
        entry.player.close_all(1000, "run deleted")

    def expire(self, now: float | None = None) -> list[str]:
        """Delete runs idle for longer than idle_seconds; returns their ids."""
        now = time.monotonic() if now is None else now
        old = [i for i, e in self.entries.items() if e.idle(now) > self.settings.idle_seconds]
        for run_id in old:
            entry = self.entries.pop(run_id)
            entry.player.close_all(1000, "run expired")
        if old:
            log.info("expired %d idle runs", len(old))
        return old

    async def sweep_forever(self) -> None:
        """Expire idle runs every sweep_seconds (the app's lifespan runs this as a task)."""
        while True:
            await asyncio.sleep(self.settings.sweep_seconds)
            self.expire()

    def shutdown(self) -> None:
        """Stop every player and close every socket (1001, "server shutting down")."""
        for entry in self.entries.values():
            entry.player.close_all(1001, "server shutting down")

    async def aclose(self, timeout: float = 5.0) -> None:
        """shutdown(), then wait (at most `timeout` s) until every play loop has really stopped."""
        tasks = [t for e in self.entries.values() if (t := e.player.task) is not None]
        self.shutdown()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
