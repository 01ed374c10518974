"""One run watched by many: a teacher's run broadcast to WATCHERS websocket clients on loopback.

Starts the real server (uvicorn, one process) on a loopback port, creates a run that plays until paused,
broadcasts it (POST /api/runs/{id}/watch), connects the owner's socket (which plays it at --speed steps a
second) and WATCHERS watcher sockets (/api/watch/{token}/stream, ramped up over a few seconds), then measures for
SECONDS: the frames every watcher received per second (each frame carries every step since the last), the steps
they received against the steps the run took, and the CPU the server used (1.00 = one core; the server is one
Python process) and this load generator used (it runs on the same machine: frames are counted, not parsed).

    python bench/bench_watch.py [--watchers 200] [--seconds 20] [--speed 200] [--port 8181]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time

import httpx
import websockets
from bench_load import cpu_seconds, rss_mb
from common import free_port, report, start_server

RAMP_SECONDS = 4.0
FRAME_PREFIX = '{"type":"frame"'
ENDLESS = {"stop": {"grad_norm": None, "delta_loss": None, "max_steps": None}}


async def watcher(url: str, delay: float, start: asyncio.Event, stop: asyncio.Event, out: dict[str, int],
                  errors: list[str]) -> None:
    """One watcher: counts frames (and their steps) received between `start` and `stop`."""
    await asyncio.sleep(delay)
    try:
        async with websockets.connect(url, max_size=None, open_timeout=60) as ws:
            out["connected"] = 1
            while not stop.is_set():
                try:
                    text = await asyncio.wait_for(ws.recv(), timeout=1.0)
                except TimeoutError:
                    continue
                if start.is_set() and isinstance(text, str) and text.startswith(FRAME_PREFIX):
                    out["frames"] += 1
                    out["steps"] += text.count('"racer":')  # one in each step record, none in the state
    except Exception as exc:  # noqa: BLE001 - a benchmark reports what went wrong and goes on
        errors.append(f"{type(exc).__name__}: {exc}")


async def main_async(port: int, pid: int, watchers: int, seconds: float, speed: float) -> None:
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        run = (await api.post("/api/runs", json=ENDLESS)).json()
        token = (await api.post(f"/api/runs/{run['id']}/watch", json={"name": "bench"})).json()["token"]
        start, stop = asyncio.Event(), asyncio.Event()
        counts = [{"frames": 0, "steps": 0, "connected": 0} for _ in range(watchers)]
        errors: list[str] = []
        url = f"ws://127.0.0.1:{port}/api/watch/{token}/stream"
        tasks = [asyncio.create_task(watcher(url, RAMP_SECONDS * i / watchers, start, stop, counts[i], errors))
                 for i in range(watchers)]
        async with websockets.connect(f"ws://127.0.0.1:{port}/api/runs/{run['id']}/stream", max_size=None) as owner:
            await owner.send(json.dumps({"type": "play", "speed": speed}))
            drain = asyncio.create_task(_drain(owner, stop))
            await asyncio.sleep(RAMP_SECONDS + 2.0)
            watching = (await api.get(f"/api/runs/{run['id']}/watch")).json()["watchers"]
            t0_state = (await api.get(f"/api/runs/{run['id']}")).json()["t"]
            cpu0, own0, load0 = cpu_seconds(pid), cpu_seconds(os.getpid()), os.getloadavg()[0]
            began = time.perf_counter()
            start.set()
            await asyncio.sleep(seconds)
            stop.set()
            elapsed = time.perf_counter() - began
            cpu1, own1, load1 = cpu_seconds(pid), cpu_seconds(os.getpid()), os.getloadavg()[0]
            t1_state = (await api.get(f"/api/runs/{run['id']}")).json()["t"]
            await asyncio.gather(*tasks)
            await drain
            mem = rss_mb(pid)
    rates = sorted(c["frames"] / elapsed for c in counts)
    taken = t1_state - t0_state
    steps = sorted(c["steps"] for c in counts)
    print(f"{watchers} watchers of one run playing at {speed:g} steps/s, {elapsed:.1f} s measured "
          f"({watching} watching per the server)")
    report("frames/s received, slowest watcher", rates[0], "frames/s", "≥ 20 for every watcher")
    report("frames/s received, 10th percentile", rates[len(rates) // 10], "frames/s")
    report("frames/s received, median", statistics.median(rates), "frames/s")
    report("frames/s received, fastest", rates[-1], "frames/s")
    report("watchers under 20 frames/s", sum(r < 20 for r in rates), "")
    report("steps the run took in the window", taken, "steps")
    report("steps received per watcher, fewest / median", steps[0], f"/ {statistics.median(steps):,.0f}")
    report("server CPU (1.00 = one core, all a Python process can use)", (cpu1 - cpu0) / elapsed, "cores")
    report("load generator CPU (this process, same machine)", (own1 - own0) / elapsed, "cores")
    report("server memory at the end", mem, "MiB")
    report("machine load average (1 min) at start / end", load0, f"/ {load1:.2f} (cores: {os.cpu_count()})")
    if errors:
        print(f"{len(errors)} errors, first: {errors[0]}")


async def _drain(ws: object, stop: asyncio.Event) -> None:
    """Read the owner's socket so its frames do not pile up."""
    while not stop.is_set():
        try:
            await asyncio.wait_for(ws.recv(), timeout=1.0)  # type: ignore[attr-defined]
        except TimeoutError:
            continue


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--watchers", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--speed", type=float, default=200.0, help="steps per second the run plays at")
    ap.add_argument("--port", type=int, default=0, help="loopback port (0: a free one)")
    args = ap.parse_args()
    port = args.port or free_port()
    proc = start_server(port)
    try:
        asyncio.run(main_async(port, proc.pid, args.watchers, args.seconds, args.speed))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
