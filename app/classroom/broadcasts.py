"""Watch links: one broadcast per run, reached by its own token; watchers counted; the owner can end it.

A broadcast's token is not the run id (128 other random bits): with it a client can watch the run and fork it,
never change it. Behind the proxy it starts with the process's name, as run ids do ("w2.…": deploy/nginx.conf.in
sends /api/watch/{token}/… to the process that holds the run). Every client of the run (owner and watchers) is
told how many watch (`watchers` messages), and ending the broadcast sends each watcher a `closing` message before
its socket closes (1000).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.errors import RequestError
from app.live.client import Client
from app.saved import now_iso
from app.schemas_socket_out import Closing, Watchers
from app.settings import Settings
from app.store import Entry, Store, new_id

ENDED = "the broadcast ended"


@dataclass
class Broadcast:
    """A run shown to watchers under `name`."""

    token: str
    run_id: str
    name: str
    created: str = field(default_factory=now_iso)
    watchers: set[Client] = field(default_factory=set)

    def info(self) -> dict[str, Any]:
        """What the owner sees of it."""
        return {"token": self.token, "name": self.name, "created": self.created, "watchers": len(self.watchers),
                "live": True}


class Broadcasts:
    """Every live broadcast, by token and by run id."""

    def __init__(self, store: Store, settings: Settings):
        self.store = store
        self.settings = settings
        self.by_token: dict[str, Broadcast] = {}
        self.by_run: dict[str, Broadcast] = {}

    def start(self, entry: Entry, name: str) -> Broadcast:
        """Broadcast the run (again: the same token, the new name)."""
        b = self.by_run.get(entry.id)
        if b is None:
            b = Broadcast(new_id(self.settings.worker), entry.id, name)  # as run ids: random, "<worker>." first
            self.by_token[b.token] = self.by_run[entry.id] = b
        b.name = name
        self.notify(b)
        return b

    def of_run(self, run_id: str) -> Broadcast | None:
        """The run's live broadcast, if any."""
        b = self.by_run.get(run_id)
        return b if b is not None and self._alive(b) else None

    def find(self, token: str) -> tuple[Broadcast, Entry]:
        """The broadcast and its run; 404 naming the token when there is none (ended, or the run is gone)."""
        b = self.by_token.get(token)
        entry = self.store.find(b.run_id) if b is not None else None
        if b is None or entry is None:
            if b is not None:
                self._forget(b)
            raise RequestError(("path", "token"), f"no broadcast with watch token {token[:80]!r} (it ended, or "
                               f"its run was deleted or expired)", status_code=404)
        return b, entry

    def run_id(self, token: str) -> str | None:
        """The run a live watch token shows, or None."""
        b = self.by_token.get(token)
        return b.run_id if b is not None and self._alive(b) else None

    def _alive(self, b: Broadcast) -> bool:
        if self.store.find(b.run_id) is None:
            self._forget(b)
            return False
        return True

    def _forget(self, b: Broadcast) -> None:
        self.by_token.pop(b.token, None)
        if self.by_run.get(b.run_id) is b:
            del self.by_run[b.run_id]

    def check_room(self, b: Broadcast) -> None:
        """429 when the broadcast has its maximum of watchers."""
        cap = self.settings.max_watchers
        if len(b.watchers) >= cap:
            raise RequestError((), f"this broadcast has its maximum of {cap} watchers (max_watchers)", 429)

    def joined(self, b: Broadcast, client: Client) -> None:
        """A watcher came: everyone is told the new count."""
        b.watchers.add(client)
        self.notify(b)

    def left(self, b: Broadcast, client: Client) -> None:
        """A watcher went."""
        b.watchers.discard(client)
        self.notify(b)

    def message(self, b: Broadcast | None) -> Watchers:
        """{"type": "watchers", "count", "live", "name"}."""
        if b is None:
            return Watchers(count=0, live=False, name=None)
        return Watchers(count=len(b.watchers), live=True, name=b.name)

    def notify(self, b: Broadcast) -> None:
        """Tell every client of the run how many watch (nothing once the broadcast has ended)."""
        if self.by_run.get(b.run_id) is not b:
            return
        entry = self.store.find(b.run_id)
        if entry is not None:
            entry.player.broadcast(self.message(b))

    def greet(self, entry: Entry, client: Client) -> None:
        """An owner's socket joined a broadcast run: it learns how many watch (after its hello)."""
        b = self.of_run(entry.id)
        if b is not None:
            client.push(self.message(b))

    def end(self, run_id: str) -> bool:
        """End the run's broadcast: each watcher gets `closing` and its socket closes; False when there was none."""
        b = self.by_run.get(run_id)
        if b is None:
            return False
        self._forget(b)
        watchers, b.watchers = b.watchers, set()
        for c in watchers:
            c.push(Closing(reason=ENDED), flush=True)
            c.close(1000, ENDED)
        entry = self.store.find(run_id)
        for c in entry.player.clients if entry is not None else ():
            if c not in watchers:
                c.push(self.message(None))
        return True
