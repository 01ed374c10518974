"""Frames and steps per second a websocket client receives from a run playing at 5,000 steps/s.

Starts the real server (uvicorn, loopback, a free port) in a subprocess, creates a run over REST,
plays it over the websocket for a few seconds and counts what arrives; also checks that every
step arrived (t values contiguous, none missing).
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import websockets
from common import free_port, report, start_server

SPEED = 5000
SECONDS = 5.0


async def watch(port: int) -> None:
    body = {"optimizer": {"name": "gd", "lr": 0.001}, "stop": {"grad_norm": None, "max_steps": None}}
    run = httpx.post(f"http://127.0.0.1:{port}/api/runs", json=body).json()
    async with websockets.connect(f"ws://127.0.0.1:{port}/api/runs/{run['id']}/stream", max_size=None) as ws:
        json.loads(await ws.recv())  # hello
        await ws.send(json.dumps({"type": "play", "speed": SPEED}))
        frames = steps = 0
        ts: list[int] = []
        t0 = time.perf_counter()
        while (elapsed := time.perf_counter() - t0) < SECONDS:
            msg = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
            if msg["type"] == "frame":
                frames += 1
                steps += len(msg["steps"])
                ts.extend(s["t"] for s in msg["steps"])
        await ws.send(json.dumps({"type": "pause"}))
    missing = (ts[-1] - ts[0] + 1) - len(ts) if ts else 0
    report(f"frames/s received at speed {SPEED:,}", frames / elapsed, "frames/s", "≥ 25 carrying every step")
    report("steps/s received", steps / elapsed, "steps/s", f"{SPEED:,}")
    report("steps missing between first and last received", missing, "steps", "0")


def main() -> None:
    port = free_port()
    proc = start_server(port)
    try:
        asyncio.run(watch(port))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
