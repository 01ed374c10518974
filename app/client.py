"""One websocket watching a run: its own cursor into the history, frame rate, outbox and sender task.

Frames are built lazily from the run's history (which is the buffer), at most `frame_hz` a second, so a
slow client costs no memory; a client more than `max_pending_steps` behind has the oldest of its pending
steps dropped and is told how many (`"dropped"`).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket

from app.stepping import encode

if TYPE_CHECKING:
    from app.player import Player

OUTBOX_HIGH = 256  # a client's reader waits while this many messages wait to be sent to it
OUTBOX_MAX = 1024  # beyond this, the oldest unsent messages of a client are dropped


class Client:
    """One websocket watching a run: cursor, frame rate, outbox and a sender task."""

    def __init__(self, ws: WebSocket, player: Player):
        self.ws = ws
        self.player = player
        self.frame_hz = float(player.settings.frame_hz)
        self.want_steps = True
        self.grid_every: int | None = None
        self.cursor: list[int] = []
        self.outbox: deque[dict[str, Any]] = deque(maxlen=OUTBOX_MAX)
        self.dirty = False  # new steps or state not yet sent
        self.wake = asyncio.Event()
        self.room = asyncio.Event()  # set while the outbox has room (the reader waits on it)
        self.room.set()
        self.closing: tuple[int, str] | None = None
        self.next_frame = 0.0
        self.frames = 0

    # ----- called by the player -----------------------------------------------------------------
    def mark_dirty(self) -> None:
        """New steps or a new state: a frame is due."""
        self.dirty = True
        self.wake.set()

    def push(self, msg: dict[str, Any], flush: bool = False) -> None:
        """Queue a message; `flush` first queues the pending frame, so the message follows the steps before it."""
        if flush and self.dirty:
            self.outbox.append(self.take_frame())
        self.outbox.append(msg)
        if len(self.outbox) >= OUTBOX_HIGH:
            self.room.clear()
        self.wake.set()

    def close(self, code: int, reason: str) -> None:
        """Send what is queued, then close the socket."""
        self.closing = (code, reason)
        self.wake.set()

    def take_frame(self) -> dict[str, Any]:
        """A frame with every step since this client's cursor (the oldest dropped past the cap)."""
        run = self.player.run
        counts = [r.history.n for r in run.racers]
        cursor = (self.cursor + [0] * len(counts))[: len(counts)]
        steps: list[dict[str, Any]] = []
        dropped = 0
        if self.want_steps:
            starts, dropped = self.player.tail(cursor, counts, self.player.settings.max_pending_steps)
            for i, r in enumerate(run.racers):
                if starts[i] < counts[i]:
                    steps.extend(r.history.records(starts[i], counts[i], racer=i))
        self.cursor = counts
        self.dirty = False
        frame: dict[str, Any] = {"type": "frame", "steps": steps, "state": self.player.state()}
        if dropped:
            frame["dropped"] = dropped
        return frame

    def subscribe(self, frame_hz: float | None, steps: bool | None, grid_every: int | None) -> None:
        """Change what this client's frames carry (None keeps a value)."""
        if frame_hz is not None:
            self.frame_hz = min(float(frame_hz), float(self.player.settings.frame_hz))
        if steps is not None:
            self.want_steps = steps
        if grid_every is not None:
            self.grid_every = grid_every

    # ----- the sender task ------------------------------------------------------------------------
    async def send_loop(self) -> None:
        """Send queued messages in order, and frames at most frame_hz a second; close when asked."""
        loop = asyncio.get_running_loop()
        while True:
            if self.outbox:
                msg = self.outbox.popleft()
                if len(self.outbox) < OUTBOX_HIGH // 2:
                    self.room.set()
                await self.ws.send_text(await encode(msg))
                continue
            if self.closing is not None:
                await self.ws.close(*self.closing)
                return
            if not self.dirty:
                self.wake.clear()
                await self.wake.wait()
                continue
            delay = self.next_frame - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
                continue
            self.next_frame = loop.time() + 1.0 / self.frame_hz
            frame = self.take_frame()
            self.frames += 1
            await self.ws.send_text(await encode(frame))
