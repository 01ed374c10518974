"""Keeping a network run's decision and hidden-unit grids fresh for its watchers, within a time budget.

One task per watched network run: when racer 0's weights have moved and a watcher may take a new grid (its
grid_hz and frame rate allow), it computes the stale grids once for every watcher (app/live/netview.py), in a
worker thread, holding the run's lock, so the weights hold still and the engine's inspection network (which
hidden-unit grids and backprop tables share) has one user at a time. After a computation that took c seconds
it waits at least 4c before the next, so grid work stays under GRID_SHARE (20 %) of wall time whatever the
network's size; each client also caps its own grid rate (grid_hz, 5 a second by default).

It knows the run only by its shared views (NetView), its lock and the list of its watchers, each seen through
the narrow `Watcher` protocol below: neither the player nor the client class. Every time it reads or keeps is
the event loop's clock (`loop.time()`), as the clients' frame times are.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import Protocol

from starlette.concurrency import run_in_threadpool

from app.live.netview import GRID_SHARE, NetView, View

log = logging.getLogger(__name__)


class Watcher(Protocol):
    """What the grid task reads of a watching client (app/live/client.py's Client is one)."""

    next_grid: float  # event-loop time from which it may take its next grid
    next_frame: float  # event-loop time of its next frame
    wake: asyncio.Event  # set to make its sender look again

    def views_wanted(self) -> list[View]: ...


class GridKeeper:
    """The grid task of one network run: computes stale grids when a watcher may take them, within budget."""

    def __init__(self, name: str, net: NetView, lock: asyncio.Lock, watchers: Sequence[Watcher]):
        self.name = name  # for the task's name and the log
        self.net = net
        self.lock = lock  # the run's lock: the weights hold still while grids are computed
        self.watchers = watchers  # the run's watchers (the player's own list: it changes as they come and go)
        self.task: asyncio.Task[None] | None = None
        self.wake = asyncio.Event()
        self.free_at = 0.0  # event-loop time before which no new grid is computed (the time budget)

    def poke(self) -> None:
        """Something changed (weights, watchers, subscriptions): look again."""
        self.wake.set()

    def start(self) -> None:
        """Run the task while anybody watches (it ends by itself when nobody does)."""
        if self.watchers and (self.task is None or self.task.done()):
            self.task = asyncio.create_task(self._loop(), name=f"grids {self.name[:8]}")

    def stop(self) -> None:
        """Cancel the task (the run is closing)."""
        if self.task is not None:
            self.task.cancel()
            self.task = None

    @staticmethod
    def wanted(clients: Sequence[Watcher]) -> AbstractSet[View]:
        """The views (grid of a size over a plane, hidden units over a plane) these clients want."""
        return {v for c in clients for v in c.views_wanted()}

    async def compute(self, clients: Sequence[Watcher]) -> bool:
        """Compute the grids these clients want that are older than the weights (call it holding the run's lock);
        False when there were none."""
        stale = self.net.stale(self.wanted(clients))
        if not stale:
            return False
        keep = set(self.wanted(self.watchers)) | set(self.wanted(clients))
        cost = await run_in_threadpool(self.net.compute, stale, keep)
        self.free_at = asyncio.get_running_loop().time() + cost * (1.0 / GRID_SHARE - 1.0)
        return True

    def due(self) -> float | None:
        """When the first watcher that wants a grid older than the weights may take a new one (None: nobody)."""
        clients = self.watchers
        stale = self.net.stale(self.wanted(clients))
        # A client takes grids with its frames: not before its grid rate, nor before its frame rate allows.
        times = [max(c.next_grid, c.next_frame) for c in clients if stale & set(c.views_wanted())]
        return min(times) if times else None

    async def _loop(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            if not self.watchers:
                break
            due = self.due()
            if due is None:
                continue
            wait = max(due, self.free_at) - asyncio.get_running_loop().time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                async with self.lock:
                    computed = await self.compute(self.watchers)
            except Exception:  # a bug in the engine: no grids for a while, rather than no grids at all
                log.exception("grids of run %s failed", self.name[:8])
                await asyncio.sleep(1.0)
                computed = False
            if computed:
                for c in self.watchers:
                    c.wake.set()  # its sender sends the grid now, or when its grid_hz allows
            self.wake.set()  # look again: the weights may have moved meanwhile
