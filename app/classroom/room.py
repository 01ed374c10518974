"""The classroom of one app: its broadcasts (watch links) and challenges, and how a guest token finds its run."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from fastapi.concurrency import run_in_threadpool

from app.classroom.broadcasts import Broadcasts
from app.classroom.challenges import WRITE_BACK_EVERY, LiveAttempt
from app.classroom.records import ChallengeRecords
from app.settings import Settings
from app.store import Entry, Store

log = logging.getLogger(__name__)


class Classroom:
    """Broadcasts, challenges and the attempts whose runs this server holds (app.state.classroom)."""

    def __init__(self, store: Store, settings: Settings):
        self.store = store
        self.settings = settings
        self.broadcasts = Broadcasts(store, settings)
        self.records = ChallengeRecords(settings)  # opened on first use
        self.attempts: dict[str, LiveAttempt] = {}  # attempt id -> its live run
        self.boards: dict[str, tuple[float, Any]] = {}  # challenge id -> (monotonic time, the board then)

    def attempt_entry(self, aid: str) -> tuple[LiveAttempt, Entry] | None:
        """The live attempt and its run, or None (no such attempt here, or its run expired)."""
        live = self.attempts.get(aid)
        entry = self.store.find(live.run_id) if live is not None else None
        return None if live is None or entry is None else (live, entry)

    def live_of(self, cid: str) -> dict[str, tuple[LiveAttempt, Entry]]:
        """The live attempts of a challenge by public id."""
        out = {}
        for aid, live in list(self.attempts.items()):
            if live.challenge == cid:
                found = self.attempt_entry(aid)
                if found is not None:
                    out[live.public] = found
        return out

    async def write_back(self) -> int:
        """Write every live attempt's figures that are due to the shared records (how many were written): a
        board read by another process, or after a restart, shows them."""
        now_s = time.monotonic()
        due = []
        for aid in list(self.attempts):
            found = self.attempt_entry(aid)
            if found is not None:
                record = found[0].figures(found[1].run, now_s, found[1].player.playing)[1]
                if record is not None:
                    due.append((aid, record))
        if due:
            await run_in_threadpool(self.records.update_attempts, due)
        return len(due)

    async def write_back_forever(self) -> None:
        """write_back every WRITE_BACK_EVERY seconds (the app's lifespan runs it)."""
        while True:
            await asyncio.sleep(WRITE_BACK_EVERY)
            try:
                await self.write_back()
            except Exception:  # a database hiccup: the next round writes them
                log.exception("writing back the attempts' figures failed")

    def run_of(self, kind: str, token: str) -> str | None:
        """The run a guest token reaches: `watch` tokens, `attempts` ids; None when there is none."""
        if kind == "watch":
            return self.broadcasts.run_id(token)
        found = self.attempt_entry(token)
        return None if found is None else found[1].id
