"""Load test on loopback: many websocket clients each playing its own run, while REST latency is timed.

Starts the real server (uvicorn, one process, a free loopback port), opens CLIENTS websocket clients (ramped
up over a couple of seconds, as a classroom arrives), each creating its own run and playing it; once all are
playing, it measures for SECONDS: frames received by every client, the latency of REST requests made
meanwhile (GET /api/runs/{id} and POST /api/runs/{id}/step, n = 10), the server's own view of its load every
half second (GET /api/health: its pace and its event loop's worst lag), the server's resident memory at the
start and the end of the window (runs keep their whole history, so memory grows by the step records they
hold: the bytes per record held are printed) and the CPU it used (1.00 = one core: the server is one Python
process).

The machine's load average is printed too: the load generator runs on the same machine, and figures taken
while other processes hold the CPU say little about the server.

Each run plays at the page's default speed (50 steps a second) unless --speed says otherwise; faster runs ask
more of the server than it has, and it then plays them more slowly than asked (app/live/pacing.py): the steps per
second each run really played are printed.

    python bench/bench_load.py [--clients 100] [--seconds 60] [--speed 50] [--no-deflate]
    python bench/bench_load.py --proxy [--speed 200]   # through nginx: 1, then 2 app processes (bench/proxy.py)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from pathlib import Path

import httpx
import websockets
from common import free_port, report, start_server

RAMP_SECONDS = 3.0  # clients arrive over this long
FRAME_PREFIX = '{"type":"frame"'  # frames are counted without parsing them (the load generator stays cheap)


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Window:
    """The measured window: opens once every client is playing, closes `seconds` later."""

    def __init__(self, clients: int, seconds: float):
        self.waiting = clients
        self.seconds = seconds
        self.opened = asyncio.Event()
        self.start = self.end = 0.0

    def ready(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self.start = time.perf_counter()
            self.end = self.start + self.seconds
            self.opened.set()


async def client(port: int, delay: float, speed: float, window: Window, frames: list[int], errors: list[str],
                 ids: list[str], rates: list[float] | None = None) -> None:
    """One student: a run, played over the websocket; counts the frames of the window (and, given `rates`,
    adds the steps/s its run played between the window's first and last frame, read from their state)."""
    await asyncio.sleep(delay)
    count = 0
    ready = False
    first = last = None
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            body = {"optimizer": {"name": "gd", "lr": 0.001}, "stop": {"grad_norm": None, "max_steps": None}}
            run = (await http.post("/api/runs", json=body)).json()
        ids.append(run["id"])
        url = f"ws://127.0.0.1:{port}/api/runs/{run['id']}/stream"
        async with websockets.connect(url, max_size=None, open_timeout=60) as ws:
            await ws.recv()  # hello
            await ws.send(json.dumps({"type": "play", "speed": speed}))
            window.ready()
            ready = True
            while not window.opened.is_set():  # read (and do not count) what comes before the window opens
                try:
                    await asyncio.wait_for(ws.recv(), timeout=0.1)
                except TimeoutError:
                    pass
            while True:
                left = window.end - time.perf_counter()
                if left <= 0:
                    break
                try:
                    msg = await asyncio.wait_for(ws.recv(), timeout=left)
                except TimeoutError:
                    break
                if isinstance(msg, str) and msg.startswith(FRAME_PREFIX) and time.perf_counter() >= window.start:
                    count += 1
                    if rates is not None:
                        last = (time.perf_counter(), msg)
                        first = first or last
            await ws.send(json.dumps({"type": "pause"}))
            if rates is not None and first is not None and last is not None and last[0] > first[0]:
                t0, t1 = (json.loads(m)["state"]["t"] for _, m in (first, last))
                rates.append((t1 - t0) / (last[0] - first[0]))
    except Exception as exc:  # noqa: BLE001 - a load test reports failures, it does not stop on them
        errors.append(repr(exc))
        if not ready:
            window.ready()
    frames.append(count)


async def rest_timer(port: int, window: Window, latencies: list[float], errors: list[str]) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        run = (await http.post("/api/runs", json={})).json()
        await window.opened.wait()
        i = 0
        while time.perf_counter() < window.end:
            t0 = time.perf_counter()
            if i % 2:
                r = await http.post(f"/api/runs/{run['id']}/step", json={"n": 10})
            else:
                r = await http.get(f"/api/runs/{run['id']}")
            latencies.append(time.perf_counter() - t0)
            if r.status_code >= 400:
                errors.append(f"REST {r.status_code}: {r.text[:100]}")
            i += 1
            await asyncio.sleep(0.05)


async def health_poller(port: int, pid: int, window: Window, lags: list[float], rates: list[float],
                        other: list[float], ticks: list[float]) -> None:
    """The server's own view of its load every half second (its event loop's worst lag and its pace), and
    its memory less its step histories' at the start, the middle and the end of the window."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        await window.opened.wait()
        middle = window.start + window.seconds / 2
        while True:
            health = (await http.get("/api/health")).json()
            now = time.perf_counter()
            if not other or (len(other) == 1 and now >= middle) or now >= window.end:
                other.append(rss_mb(pid) - health["history_mb"])
            if now >= window.end:
                return
            lags.append(health["lag_ms"])
            ticks.append(health["tick_ms"])
            rates.append(health["frame_hz"])
            await asyncio.sleep(0.5)


async def main_async(port: int, pid: int, clients: int, seconds: float, speed: float) -> None:
    frames: list[int] = []
    errors: list[str] = []
    latencies: list[float] = []
    window = Window(clients, seconds)
    ids: list[str] = []
    tasks = [client(port, RAMP_SECONDS * i / clients, speed, window, frames, errors, ids) for i in range(clients)]
    lags: list[float] = []
    rates: list[float] = []
    ticks: list[float] = []  # the longest play tick of each half second, ms
    other: list[float] = []  # server memory less its step-history buffers, MiB: start, middle, end
    watcher = asyncio.gather(*tasks, rest_timer(port, window, latencies, errors),
                             health_poller(port, pid, window, lags, rates, other, ticks))
    await window.opened.wait()
    mem0, cpu0, load0, own0 = rss_mb(pid), cpu_seconds(pid), os.getloadavg()[0], cpu_seconds(os.getpid())
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        t0 = {r["id"]: r["t"] for r in (await http.get("/api/runs")).json()}  # loopback: every run of this test
        hist0 = (await http.get("/api/health")).json()["history_mb"]
    await watcher
    mem1, cpu1, load1, own1 = rss_mb(pid), cpu_seconds(pid), os.getloadavg()[0], cpu_seconds(os.getpid())
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        held = (await http.get("/api/runs")).json()
        health = (await http.get("/api/health")).json()
    rows = sum(r["t"] + 1 for r in held)  # each run keeps its whole history (one row per step)
    played = sorted((r["t"] - t0[r["id"]]) / seconds for r in held if r["id"] in t0 and r["id"] in ids)
    per_client = sorted(f / seconds for f in frames)
    report(f"clients (each playing its own run at {speed:g} steps/s)", clients, "")
    report("frames/s per client, minimum", per_client[0], "frames/s", "≥ 10")
    report("frames/s per client, 5th percentile", per_client[len(per_client) // 20], "frames/s")
    report("frames/s per client, median", statistics.median(per_client), "frames/s")
    if played:
        report("steps/s played per run, minimum (a busy server shares the CPU fairly)", played[0], "steps/s")
        report("steps/s played per run, median", statistics.median(played), "steps/s")
    report("server pace at the end (frames and ticks per second at most)", health["frame_hz"], "Hz")
    if rates:
        report("server pace, lowest in the window", min(rates), "Hz", "≥ 10")
    if ticks:
        report("longest play tick (stepping, holding the event loop)", max(ticks), "ms",
               f"< one frame ({1e3 / min(rates or [30]):.0f} ms)")
    if lags:
        report("event loop's worst lag, median of half-second windows", statistics.median(lags), "ms")
        report("event loop's worst lag in the whole window (queueing behind other work included)", max(lags), "ms")
    lat = sorted(latencies) or [float("nan")]
    report("REST requests timed", len(latencies), "")
    report("REST latency p50", lat[len(lat) // 2] * 1e3, "ms")
    report("REST latency p95", lat[int(len(lat) * 0.95)] * 1e3, "ms", "< 100 ms")
    report("server memory at start of the window", mem0, "MiB")
    report("server memory at end (runs keep their whole history)", mem1, "MiB")
    report("step records held by the runs at the end", rows, "rows")
    report("memory growth per step record held", (mem1 - mem0) * 2**20 / max(rows, 1), "bytes")
    report("step-history buffers at start / end (the server's count)", hist0, f"/ {health['history_mb']:.1f} MiB")
    if len(other) == 3:
        report("memory less the histories: growth in the window's first half", other[1] - other[0], "MiB")
        report("memory less the histories: growth in its second half", other[2] - other[1], "MiB", "flat")
    report("server CPU (1.00 = one core, all a Python process can use)", (cpu1 - cpu0) / seconds, "cores")
    report("load generator CPU (this process)", (own1 - own0) / seconds, "cores")
    report("machine load average (1 min) at start / end", load0, f"/ {load1:.2f} (cores: {os.cpu_count()})")
    if errors:
        print(f"{len(errors)} errors, first: {errors[0]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--speed", type=float, default=50.0, help="steps per second each run asks for")
    ap.add_argument("--no-deflate", action="store_true", help="serve without permessage-deflate")
    ap.add_argument("--proxy", action="store_true", help="through nginx, with 1 and then 2 app processes")
    args = ap.parse_args()
    if args.proxy:
        import proxy

        proxy.main(args.clients, args.seconds, args.speed)
        return
    port = free_port()
    proc = start_server(port, deflate=not args.no_deflate)
    try:
        asyncio.run(main_async(port, proc.pid, args.clients, args.seconds, args.speed))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
