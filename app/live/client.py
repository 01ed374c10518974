"""One websocket watching a run: its own cursor into the history, frame rate, outbox and sender task.

Frames are built lazily from the run's history (which is the buffer), at most `frame_hz` a second (and at
most the server's pace: app/live/pacing.py), so a slow client costs no memory; a client more than
`max_pending_steps` behind has the oldest of its pending steps dropped and is told how many (`"dropped"`).

On a network run a frame also carries racer 0's weights (`network`, when they changed since this client's
last frame) and, at most `grid_hz` a second, the latest decision grid (`grid`, of this client's `grid_n`) and
hidden-unit grids (`hidden`), which the player computes once for every watcher (app/live/netview.py), with
`grid_t`, racer 0's step at the weights they were computed at (grids lag the frame rate).

A client reads the run through its `Feed` (app/live/feed.py), never the player. A guest's client (a watcher's,
a student's: `show_id` false) is never sent the run's id.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from starlette.websockets import WebSocket

from app.live.feed import Feed
from app.live.netview import DEFAULT_PLANE, GRID_HZ, GRID_N, MAX_GRID_HZ, PlaneKey, View, plane_key
from app.live.stepping import encode
from app.schemas_socket_in import SubscribeMsg
from app.schemas_socket_out import Frame, ServerMessage, Subscribed, wire

OUTBOX_HIGH = 256  # a client's reader waits while this many messages wait to be sent to it
OUTBOX_MAX = 1024  # beyond this, the oldest unsent messages of a client are dropped


class Client:
    """One websocket watching a run: cursor, frame rate, what it subscribed to, outbox and a sender task."""

    def __init__(self, ws: WebSocket, feed: Feed, show_id: bool = True):
        self.ws = ws
        self.feed = feed
        self.show_id = show_id
        self.frame_hz = feed.frame_hz
        self.want_steps = True
        self.want_weights = True  # network runs: racer 0's weights in frames
        self.want_grid = True  # network runs: the decision grid (or curve) in frames
        self.want_hidden = True  # network runs with 2 inputs: hidden-unit grids in frames
        self.grid_hz = GRID_HZ
        self.grid_n = GRID_N
        self.plane: PlaneKey = DEFAULT_PLANE  # the plane of the features its grids cover (app/live/netview.py)
        self.cursor: list[int] = []
        self.outbox: deque[dict[str, Any]] = deque(maxlen=OUTBOX_MAX)
        self.held = 0  # step records in the outbox's messages
        self.dirty = False  # new steps or state not yet sent
        self.wake = asyncio.Event()
        self.room = asyncio.Event()  # set while the outbox has room (the reader waits on it)
        self.room.set()
        self.closing: tuple[int, str] | None = None
        self.next_frame = 0.0
        self.frames = 0
        self.sent: dict[str, Any] = {}  # network views: the key of the weights / grid / hidden last sent
        self.next_grid = 0.0  # event-loop time from which this client may get its next grid

    # ----- called by the player -----------------------------------------------------------------
    def mark_dirty(self) -> None:
        """New steps or a new state: a frame is due."""
        self.dirty = True
        self.wake.set()

    def push(self, msg: ServerMessage, flush: bool = False) -> None:
        """Queue a message; `flush` first queues the pending frame, so the message follows the steps before it."""
        if flush:
            self.flush()
        self._queue(self._wired(msg))
        self._queued()

    def flush(self) -> None:
        """Queue the pending frame now, so whatever is queued next follows the steps taken before it.

        A client that reads nothing holds at most max_pending_steps step records in its outbox: past that, the
        frame carries only the newest that fit (none when it is full) and says how many it dropped.
        """
        if self.dirty:
            room = max(0, self.feed.max_pending_steps - self.held)
            self._queue(self.take_frame(cap=room))
            self._queued()

    def _queued(self) -> None:
        if len(self.outbox) >= OUTBOX_HIGH:
            self.room.clear()
        self.wake.set()

    def _queue(self, msg: dict[str, Any]) -> None:
        if len(self.outbox) == self.outbox.maxlen:  # full: the oldest message goes
            self.held -= _steps_in(self.outbox[0])
        self.outbox.append(msg)
        self.held += _steps_in(msg)

    def _wired(self, msg: ServerMessage) -> dict[str, Any]:
        """The message as JSON types, its `state` without the run id for a guest (the feed's cache untouched)."""
        out = wire(msg)
        state = out.get("state")
        if not self.show_id and isinstance(state, dict) and "id" in state:
            out["state"] = {k: v for k, v in state.items() if k != "id"}
        return out

    def close(self, code: int, reason: str) -> None:
        """Send what is queued, then close the socket."""
        self.closing = (code, reason)
        self.wake.set()

    def take_frame(self, cap: int | None = None) -> dict[str, Any]:
        """A frame with every step since this client's cursor, at most `cap` of them (default max_pending_steps):
        the oldest past it are dropped, and counted in `dropped`."""
        steps: list[dict[str, Any]] = []
        dropped = 0
        if self.want_steps:
            limit = self.feed.max_pending_steps if cap is None else cap
            steps, self.cursor, dropped = self.feed.records(self.cursor, limit)
        else:
            self.cursor = self.feed.counts()
        self.dirty = False
        extra: dict[str, Any] = {"dropped": dropped} if dropped else {}
        return self._wired(Frame.model_construct(steps=steps, state=self.feed.state(), **extra, **self.views()))

    def views(self, grids: bool = False) -> dict[str, Any]:
        """The network views this client wants and has not had yet: weights always, grids when due (or whenever
        they are there, with `grids`: hello and reset messages); {} on other runs."""
        net = self.feed.net
        out: dict[str, Any] = {}
        if net is None:
            return out
        if self.want_weights and self.sent.get("network") != net.key():
            out["network"] = net.weights()
            self.sent["network"] = net.key()
        now = asyncio.get_running_loop().time()
        if not grids and now < self.next_grid:
            return out
        added = [(name, view) for name, view in self._grid_views() if self.sent.get(name) != view[0]]
        for name, (key, raw) in added:
            out[name] = raw
            out.setdefault("grid_t", key[1])  # racer 0's step at the weights of the grid
            self.sent[name] = key
        if added:
            self.next_grid = now + 1.0 / self.grid_hz
        return out

    def _grid_views(self) -> list[tuple[str, Any]]:
        """(name, (key, encoded)) of the grids this client wants that exist (from one computation or another)."""
        net = self.feed.net
        assert net is not None
        views = net.views  # read once: a computation replaces the whole dict
        out: list[tuple[str, Any]] = []
        grid, hidden = ("grid", self.grid_n, self.plane), ("hidden", self.plane)
        if self.want_grid and grid in views:
            out.append(("grid", views[grid]))
        if self.want_hidden and hidden in views:
            out.append(("hidden", views[hidden]))
        return out

    def views_wanted(self) -> list[View]:
        """The network views this client's frames carry: ("grid", n, plane) and ("hidden", plane)."""
        return ([("grid", self.grid_n, self.plane)] if self.want_grid else []) + (
            [("hidden", self.plane)] if self.want_hidden else [])

    def grid_waiting(self) -> bool:
        """A newer grid than this client has had is there, held back by its grid_hz."""
        if self.feed.net is None:
            return False
        return any(self.sent.get(name) != view[0] for name, view in self._grid_views())

    def subscribe(self, msg: SubscribeMsg) -> Subscribed:
        """Change what this client's frames carry (fields given as null or left out keep their value); returns
        the `subscribed` answer with every value now in force."""
        if msg.frame_hz is not None:
            self.frame_hz = min(float(msg.frame_hz), self.feed.frame_hz)
        for field, attr in (("steps", "want_steps"), ("weights", "want_weights"), ("grid", "want_grid"),
                            ("hidden", "want_hidden")):
            value = getattr(msg, field)
            if value is not None:
                setattr(self, attr, bool(value))
        if msg.grid_hz is not None:
            self.grid_hz = min(float(msg.grid_hz), MAX_GRID_HZ)
        if msg.grid_n is not None and msg.grid_n != self.grid_n:
            self.grid_n = int(msg.grid_n)
            self.sent.pop("grid", None)
        if msg.plane is not None or msg.x_feature is not None or msg.y_feature is not None:
            pk = plane_key(msg.plane or self.plane[0], msg.x_feature, msg.y_feature)
            net = self.feed.net
            if net is not None:
                net.plane(pk)  # a SettingsError naming the field when the data has no such features
            if pk != self.plane:
                self.plane = pk
                self.sent.pop("grid", None)
                self.sent.pop("hidden", None)
        self.next_grid = 0.0  # the new choice applies at once
        return Subscribed(frame_hz=self.frame_hz, steps=self.want_steps, weights=self.want_weights,
                          grid=self.want_grid, grid_hz=self.grid_hz, grid_n=self.grid_n, hidden=self.want_hidden,
                          plane=self.plane[0], x_feature=self.plane[1] if len(self.plane) > 1 else None,
                          y_feature=self.plane[2] if len(self.plane) > 1 else None)

    # ----- the sender task ------------------------------------------------------------------------
    async def send_loop(self) -> None:
        """Send queued messages in order, and frames at most frame_hz a second; close when asked."""
        loop = asyncio.get_running_loop()
        while True:
            if self.outbox:
                msg = self.outbox.popleft()
                self.held -= _steps_in(msg)
                if len(self.outbox) < OUTBOX_HIGH // 2:
                    self.room.set()
                await self.ws.send_text(await encode(msg))
                continue
            if self.closing is not None:
                await self.ws.close(*self.closing)
                return
            if not self.dirty:
                self.wake.clear()
                if self.grid_waiting():  # a grid held back by grid_hz: a frame when it is due
                    try:
                        await asyncio.wait_for(self.wake.wait(), max(0.0, self.next_grid - loop.time()))
                    except TimeoutError:
                        self.dirty = True
                else:
                    await self.wake.wait()
                continue
            delay = self.next_frame - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
                continue
            # On a fixed beat, so a frame sent a little late does not slow the rate, yet never two within half a
            # period; a frame later than a whole period (after a pause, a busy spell) starts a new beat.
            period = 1.0 / min(self.frame_hz, self.feed.hz)
            now = loop.time()
            late = now - self.next_frame
            self.next_frame = max(self.next_frame + period, now + period / 2) if late < period else now + period
            frame = self.take_frame()
            self.frames += 1
            await self.ws.send_text(await encode(frame))


def _steps_in(msg: dict[str, Any]) -> int:
    """Step records a message carries."""
    steps = msg.get("steps")
    return len(steps) if isinstance(steps, list) else 0
