"""Stepping a run without blocking the event loop: time-bounded chunks, sliced record building and encoding."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from app.errors import dumps
from app.views import run_state
from engine.run import Run

TICK_BUDGET = 0.02  # seconds of stepping per play tick at most (and per slice of a long step request)
RECORD_SLICE = 2_000  # step records built or encoded between yields to the event loop


def step_within(run: Run, n: int, budget: float, per_step: float | None) -> tuple[int, float]:
    """Take up to n step rounds, stopping once `budget` seconds are spent; returns (rounds done, seconds per step).

    `per_step` None: not measured yet, so the first chunk is one step (a huge network's step may take seconds).
    """
    start = time.perf_counter()
    deadline = start + budget
    done = 0
    while done < n and any(r.active for r in run.racers):
        left = deadline - time.perf_counter()
        chunk = 1 if per_step is None else max(1, min(n - done, int(left / per_step * 0.8)))
        active = sum(r.active for r in run.racers)
        t0 = time.perf_counter()
        taken = run.step(chunk)
        took = (time.perf_counter() - t0) / chunk
        if per_step is None:
            per_step = max(took, 1e-7)
        elif taken == chunk * active:  # a full chunk: a fair measure (a run that stopped early is not)
            # Smoothed: one slow chunk (a GC pause, a busy moment) must not starve the next ticks.
            per_step = max(0.5 * per_step + 0.5 * took, 1e-7)
        done += chunk
        if time.perf_counter() >= deadline:
            break
    return done, (per_step if per_step is not None else 1e-7)


def _step_and_measure(run: Run, n: int, budget: float, per_step: float | None) -> tuple[int, float]:
    """step_within, then the state's figures (a network's train/test metrics: a full forward pass, cached per
    step) computed here too, so building the state on the event loop is cheap."""
    out = step_within(run, n, budget, per_step)
    run_state(run, playing=False)
    return out


async def step_slice(run: Run, n: int, budget: float, per_step: float | None) -> tuple[int, float]:
    """One slice of up to n step rounds, about `budget` seconds long (call it holding the run's lock).

    A run whose single step costs more than half the budget (or is not measured yet) steps in a worker
    thread, so the event loop stays free however big the network; the rest step here, which is cheaper.
    If the caller is cancelled meanwhile, the slice still finishes before the lock is given back.
    """
    if per_step is not None and per_step <= budget / 2:
        return step_within(run, n, budget, per_step)
    work = asyncio.ensure_future(asyncio.to_thread(_step_and_measure, run, n, budget, per_step))
    try:
        return await asyncio.shield(work)
    except asyncio.CancelledError:
        while not work.done():  # the thread still steps the run: wait for it before the lock is released
            try:
                await asyncio.wait([work])
            except asyncio.CancelledError:
                continue
        raise


async def advance(run: Run, rounds: int, budget: float = TICK_BUDGET, per_step: float | None = None) -> float:
    """Take `rounds` step rounds (fewer when every racer stops) in time slices, yielding between them (a replay's
    steps); returns the seconds per step measured."""
    target = run.clock + rounds
    while run.clock < target and any(r.active for r in run.racers):
        _, per_step = await step_slice(run, target - run.clock, budget, per_step)
        await asyncio.sleep(0)
    return per_step if per_step is not None else 1e-7


async def records_between(
    run: Run, starts: list[int], counts: list[int], chunk: int = RECORD_SLICE
) -> list[dict[str, Any]]:
    """Step records of rows [starts[i], counts[i]) of each racer, yielding to the event loop between chunks.

    Call it holding the player's lock (so no reset or racer change replaces a history meanwhile).
    """
    out: list[dict[str, Any]] = []
    for i, r in enumerate(run.racers):
        for a in range(starts[i], counts[i], chunk):
            out.extend(r.history.records(a, min(a + chunk, counts[i]), racer=i))
            if counts[i] - starts[i] > chunk:
                await asyncio.sleep(0)
    return out


class Raw(str):
    """JSON text encoded already (a network's weights or grid, shared by every watcher): `encode` puts it into
    a message as it is, where it stands for the value it encodes."""


async def encode(msg: dict[str, Any]) -> str:
    """Strict JSON text of a message; the step records of a big one are encoded in slices, yielding between.

    Top-level values that are `Raw` are spliced in as they are.
    """
    raw = {k: v for k, v in msg.items() if isinstance(v, Raw)}
    steps = msg.get("steps")
    big = isinstance(steps, list) and len(steps) > RECORD_SLICE
    if not raw and not big:
        return dumps(msg)
    tail: list[str] = []
    if big:
        assert isinstance(steps, list)
        parts = []
        for a in range(0, len(steps), RECORD_SLICE):
            parts.append(dumps(steps[a : a + RECORD_SLICE])[1:-1])
            await asyncio.sleep(0)
        tail.append('"steps":[' + ",".join(parts) + "]")
    tail += [f"{dumps(k)}:{v}" for k, v in raw.items()]
    head = dumps({k: v for k, v in msg.items() if k not in raw and not (big and k == "steps")})
    return head[:-1] + ("," if head != "{}" else "") + ",".join(tail) + "}"
