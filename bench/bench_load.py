"""Load test on loopback: many websocket clients each playing its own run, while REST latency is timed.

Starts the real server (uvicorn, one process, a free loopback port), opens CLIENTS websocket clients,
each creating its own run and playing it; meanwhile a REST client times GET /api/runs/{id} and
POST /api/runs/{id}/step requests. Reports frames/s per client (min, median), REST p50/p95 latency,
and the server's resident memory at start and end. Bounded in time and count; loopback only.

    python bench/bench_load.py [--clients 100] [--seconds 60] [--speed 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path

import httpx
import websockets
from bench_stream import free_port, start_server
from common import report


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def client(port: int, seconds: float, speed: float, frames: list[int], errors: list[str]) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        body = {"optimizer": {"name": "gd", "lr": 0.001}, "stop": {"grad_norm": None, "max_steps": None}}
        run = (await http.post("/api/runs", json=body)).json()
    count = 0
    try:
        async with websockets.connect(f"ws://127.0.0.1:{port}/api/runs/{run['id']}/stream", max_size=None) as ws:
            await ws.recv()  # hello
            await ws.send(json.dumps({"type": "play", "speed": speed}))
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                try:
                    msg = json.loads(await asyncio.wait_for(ws.recv(), timeout=max(0.01, end - time.perf_counter())))
                except TimeoutError:
                    break
                if msg["type"] == "frame":
                    count += 1
            await ws.send(json.dumps({"type": "pause"}))
    except Exception as exc:  # noqa: BLE001 - a load test reports failures, it does not stop on them
        errors.append(repr(exc))
    frames.append(count)


async def rest_timer(port: int, seconds: float, latencies: list[float]) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        run = (await http.post("/api/runs", json={})).json()
        end = time.perf_counter() + seconds
        i = 0
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            if i % 2:
                r = await http.post(f"/api/runs/{run['id']}/step", json={"n": 10})
            else:
                r = await http.get(f"/api/runs/{run['id']}")
            latencies.append(time.perf_counter() - t0)
            r.raise_for_status()
            i += 1
            await asyncio.sleep(0.05)


async def main_async(port: int, pid: int, clients: int, seconds: float, speed: float) -> None:
    frames: list[int] = []
    errors: list[str] = []
    latencies: list[float] = []
    mem0 = rss_mb(pid)
    tasks = [client(port, seconds, speed, frames, errors) for _ in range(clients)]
    await asyncio.gather(*tasks, rest_timer(port, seconds, latencies))
    mem1 = rss_mb(pid)
    per_client = [f / seconds for f in frames]
    report(f"clients (each playing its own run at {speed:g} steps/s)", clients, "")
    report("frames/s per client, minimum", min(per_client), "frames/s", "≥ 10")
    report("frames/s per client, median", statistics.median(per_client), "frames/s")
    lat = sorted(latencies)
    report("REST requests timed", len(lat), "")
    report("REST latency p50", lat[len(lat) // 2] * 1e3, "ms")
    report("REST latency p95", lat[int(len(lat) * 0.95)] * 1e3, "ms", "< 100 ms")
    report("server memory at start", mem0, "MiB")
    report("server memory at end", mem1, "MiB", "flat")
    if errors:
        print(f"{len(errors)} client errors, first: {errors[0]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--speed", type=float, default=200.0)
    args = ap.parse_args()
    port = free_port()
    proc = start_server(port)
    try:
        asyncio.run(main_async(port, proc.pid, args.clients, args.seconds, args.speed))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
