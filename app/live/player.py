"""One Player per run: it owns the run, its lock and its play loop; every change to a run goes through it.

The play loop is app/live/play_loop.py. Messages from clients are handled between ticks (one asyncio thread),
so a `set` takes effect on the next step. Each watching websocket is a `Client` (app/live/client.py) with its
own cursor into the history; a client reads the run only through the player's `Feed` (app/live/feed.py).

On a network run, `feed.net` holds the latest weights and grids every watcher shares (app/live/netview.py) and
`grids` keeps them fresh, within a time budget (app/live/grids.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from app.errors import RequestError
from app.live.client import Client
from app.live.feed import Feed, tail
from app.live.grids import GridKeeper
from app.live.pacing import Pacer
from app.live.play_loop import PlayLoop
from app.live.stepping import TICK_BUDGET, records_between
from app.run_specs import server_stop
from app.schemas_socket_out import ErrorMsg, Hello, RacersMsg, Reset, ServerMessage, StatusMsg
from app.settings import Settings
from app.views import records
from engine.edits import set_weight
from engine.run import Run
from engine.settings import SettingsError

log = logging.getLogger(__name__)


class Player:
    """The run's controller: steps, live changes, play/pause, and its watching clients."""

    def __init__(self, run_id: str, run: Run, settings: Settings, pacer: Pacer | None = None,
                 full: Callable[[], str | None] = lambda: None):
        self.id = run_id
        self.run = run
        self.settings = settings
        self.pacer = pacer or Pacer(settings.frame_hz)
        self.full = full  # why the server takes no more steps now (its memory for histories is spent), or None
        self.lock = asyncio.Lock()  # held while stepping, so REST steps and the play loop never interleave
        self.clients: list[Client] = []
        self.feed = Feed(run_id, run, settings, self.pacer, lambda: self.playing)
        self.loop = PlayLoop(run_id, run, self.lock, self.pacer, full, self.changed, self._say)
        self._sig = self.feed.signature()
        self.status_count = 0  # status messages broadcast so far
        self.closed = False  # the run was deleted, expired or the server is going down: a long step ends early
        self.net = self.feed.net
        self.grids = GridKeeper(run_id, self.net, self.lock, self.clients) if self.net is not None else None

    # ----- reading ----------------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        """The play loop is running."""
        return self.loop.running

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The play loop's task while it plays."""
        return self.loop.task

    def state(self) -> dict[str, Any]:
        """The run's state with its id (cached until the next change)."""
        return self.feed.state()

    def status_message(self) -> StatusMsg:
        """{"type": "status", ...}: the run's status in words and each racer's."""
        return StatusMsg.model_validate(self.feed.status())

    # ----- notifying ---------------------------------------------------------------------------------
    def changed(self) -> None:
        """The run changed: frames are due, and a status message if any status changed."""
        self.feed.changed()
        for c in self.clients:
            c.mark_dirty()
        if self.grids is not None:
            self.grids.poke()
        sig = self.feed.signature()
        if sig != self._sig:
            self._sig = sig
            self.status_count += 1
            self.broadcast(self.status_message(), flush=True)

    def broadcast(self, msg: ServerMessage, flush: bool = False) -> None:
        """Queue a message for every client."""
        for c in self.clients:
            c.push(msg, flush)

    def _say(self, message: str) -> None:
        """Tell every watcher why the run stopped playing (after the steps before it)."""
        self.broadcast(ErrorMsg(message=message, field=None, to=None), flush=True)

    async def attach(self, client: Client) -> None:
        """A new watcher: it gets a hello with the state and the latest steps (at most hello_steps)."""
        async with self.lock:
            counts = self.feed.counts()
            starts, dropped = tail([0] * len(counts), counts, self.settings.hello_steps)
            steps = await records_between(self.run, starts, counts)
            client.cursor = counts
            extra: dict[str, Any] = {"dropped": dropped} if dropped else {}
            if self.grids is not None:
                await self.grids.compute([client])
            self.clients.append(client)
            client.push(Hello.model_construct(state=self.state(), steps=steps, **extra, **client.views(grids=True)))
        if self.grids is not None:
            self.grids.start()

    def detach(self, client: Client) -> None:
        """A watcher left; the last one to leave a playing run stops it (synchronous: safe under cancellation)."""
        if client in self.clients:
            self.clients.remove(client)
        if not self.clients and self.playing:
            self.pause()
        if self.grids is not None:
            self.grids.poke()  # its task ends when nobody watches

    def close_all(self, code: int, reason: str) -> None:
        """Stop playing and close every watcher's socket after what is queued for it."""
        self.loop.stop()
        self.closed = True
        if self.grids is not None:
            self.grids.stop()
        for c in self.clients:
            c.close(code, reason)

    # ----- play / pause -------------------------------------------------------------------------------
    def play(self, speed: float) -> bool:
        """Play at `speed` steps/s; False (nothing started) when every racer has finished."""
        if not 0 < speed <= self.settings.max_speed:
            raise SettingsError("speed", f"must be > 0 and ≤ {self.settings.max_speed:g} steps per second, got {speed}")
        self._check_room()
        self.loop.speed = float(speed)
        if not any(r.active for r in self.run.racers):
            return False
        self.loop.start()
        self.changed()
        return True

    def _check_room(self) -> None:
        """503 when the server takes no more steps (its memory for step records is spent)."""
        full = self.full()
        if full is not None:
            raise RequestError((), full, status_code=503)

    def pause(self) -> None:
        """Stop playing (the steps already taken stay)."""
        self.loop.stop()
        self.changed()

    # ----- changes (REST and websocket alike) ------------------------------------------------------------
    async def step(self, n: int) -> list[dict[str, Any]]:
        """Take n steps now (in time-bounded slices, yielding between them); returns the new step records.

        503 when the server holds max_history_rows step records; fewer than n steps when it fills meanwhile."""
        limit = self.settings.max_steps_per_request
        if not 1 <= n <= limit:
            raise SettingsError("n", f"must be between 1 and {limit:,}, got {n}")
        self._check_room()
        async with self.lock:
            cursor = [r.history.n for r in self.run.racers]
            left = n
            while left > 0:
                if self.full() is not None or self.closed:  # no memory left for step records, or the run is gone
                    break
                done = await self.loop.slice(left, TICK_BUDGET)
                left -= done
                if not any(r.active for r in self.run.racers):
                    break
                if left > 0:
                    self.changed()
                    await asyncio.sleep(0)
            records = await records_between(self.run, cursor, [r.history.n for r in self.run.racers])
        self.changed()
        return records

    async def history(self, racers: list[int]) -> list[dict[str, Any]]:
        """Every step record of the given racers (built without blocking the event loop for long)."""
        async with self.lock:
            counts = [r.history.n if i in racers else 0 for i, r in enumerate(self.run.racers)]
            return await records_between(self.run, [0] * len(counts), counts)

    async def set(self, optimizer: dict[str, Any] | None, stop: dict[str, Any] | None, racer: int = 0) -> None:
        """Change a racer's optimiser settings and/or the stopping tests; both are checked before either applies."""
        async with self.lock:
            self.run.change(optimizer, server_stop(stop, self.settings), racer)
        self.changed()

    async def set_weight(self, layer: int, i: int | None, j: int, value: float, racer: int = 0) -> None:
        """Set W[i][j] of a network's `layer` (i None: the bias b[j]) live, logged for replays; the next step
        starts from it, and watchers get the new weights in their next frame."""
        async with self.lock:
            set_weight(self.run, layer, i, j, value, racer=racer)
            if self.net is not None and racer == 0:
                self.net.epoch += 1  # racer 0's weights jumped without a step: frames and grids carry them again
        self.changed()

    async def reset(self, params: list[float] | None) -> None:
        """Start again (and stop playing); watchers get a reset message with the t = 0 steps."""
        async with self.lock:
            self.loop.stop()
            for c in self.clients:
                c.flush()
            self.run.reset(params)
            if self.net is not None and self.grids is not None:
                self.net.epoch += 1
                await self.grids.compute(self.clients)
        self.feed.changed()
        steps, counts = records(self.run)
        for c in self.clients:
            c.cursor = list(counts)
            c.dirty = False
            c.push(Reset.model_construct(state=self.state(), steps=steps, **c.views(grids=True)))
        self.changed()

    async def add_racer(self, spec: dict[str, Any], field: str = "racer") -> int:
        """Add a racer at the run's start; returns its index. Errors name `field` (the request's own name)."""
        if len(self.run.racers) >= self.settings.max_racers:
            raise SettingsError(field or "racers", f"a run holds at most {self.settings.max_racers} racers")
        async with self.lock:
            for c in self.clients:
                c.flush()
            n = len(self.run.racers)
            try:
                i = self.run.add_racer(spec)
            except SettingsError as exc:
                raise _renamed(exc, f"racers.{n}", field) from None
        for c in self.clients:
            c.cursor.append(0)
        self.feed.changed()
        self.broadcast(RacersMsg.model_construct(action="added", racer=i, state=self.state()))
        self.changed()
        return i

    async def remove_racer(self, i: int) -> None:
        """Remove racer i (later racers move down one index)."""
        async with self.lock:
            for c in self.clients:
                c.flush()
            self.run.remove_racer(i)
            if self.net is not None:
                self.net.epoch += 1  # racer 0 may be another racer now
        for c in self.clients:
            if i < len(c.cursor):
                del c.cursor[i]
        self.feed.changed()
        self.broadcast(RacersMsg.model_construct(action="removed", racer=i, state=self.state()))
        self.changed()

    def subscribed(self, client: Client) -> None:
        """A client changed what it wants: its frames (and grids) follow its new choice at once."""
        client.mark_dirty()
        if self.grids is not None:
            self.grids.poke()


def _renamed(exc: SettingsError, old: str, new: str) -> SettingsError:
    """The same error with its field's prefix `old` replaced by `new`."""
    if not exc.field.startswith(old):
        return exc
    rest = exc.field[len(old):].lstrip(".")
    return SettingsError(".".join(p for p in (new, rest) if p) or "racers", exc.message)
