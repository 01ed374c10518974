"""A fake clock for the app's event loop: time passes only when the loop would wait for a timer.

The play loop ticks and the websocket frames go out on the event loop's clock (`loop.time()`). Run the app on a
`VirtualTimeLoop` (TestClient's `backend_options={"loop_factory": ...}`) and that clock jumps straight to the
next timer whenever the loop has nothing else to do: ticks and frames then follow virtual seconds exactly, however
busy the machine, and a test can compare what it received with how much virtual time passed (`loop.now`).
"""

from __future__ import annotations

import asyncio
import selectors
from typing import Any

REAL_POLL = 0.001  # seconds the loop really waits for input (another thread's call) before time jumps


class _Skipping(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    """A selector that, when nothing is ready, advances the loop's clock by the timeout instead of waiting."""

    def __init__(self, loop: VirtualTimeLoop):
        super().__init__()
        self.loop = loop

    def select(self, timeout: float | None = None) -> list[Any]:
        if timeout is not None and timeout <= 0:
            return list(super().select(timeout))
        ready = list(super().select(REAL_POLL if timeout is None else min(timeout, REAL_POLL)))
        if ready:
            return ready
        if timeout is None:  # no timer: wait for input for real
            return list(super().select(None))
        self.loop.now += timeout
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An asyncio loop on virtual time (`now`, in seconds)."""

    def __init__(self) -> None:
        self.now = 0.0
        super().__init__(_Skipping(self))

    def time(self) -> float:
        return self.now


def loop_factory(made: list[VirtualTimeLoop]) -> Any:
    """A loop factory for TestClient's backend options that keeps the loop it makes in `made`."""

    def make() -> VirtualTimeLoop:
        loop = VirtualTimeLoop()
        made.append(loop)
        return loop

    return make
