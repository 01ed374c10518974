"""One frame of a start-point drag (static/js/start_drag.js): reset at a new θ⁽⁰⁾, 200 steps, then a ping whose
pong says every step has arrived. The page sends the next frame's position only when this round trip is done, so
its time is how often the path on screen can follow the pointer.

Starts the real server (uvicorn, loopback, a free port) in a subprocess; 40 drag frames per problem over one
websocket; prints the median and the 90th percentile.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time

import httpx
import websockets
from common import free_port, report, start_server

FRAMES = 40
STEPS = 200  # start_drag.js DRAG_STEPS
PROBLEMS = {
    "linear regression, gd": {},
    "Rosenbrock, momentum 0.9": {"problem": {"kind": "surface", "name": "rosenbrock"},
                                 "optimizer": {"name": "gd", "lr": 0.001, "momentum": 0.9}},
}


async def drag(port: int, spec: dict[str, object]) -> list[float]:
    run = httpx.post(f"http://127.0.0.1:{port}/api/runs", json=spec).json()
    times = []
    async with websockets.connect(f"ws://127.0.0.1:{port}/api/runs/{run['id']}/stream", max_size=None) as ws:
        await ws.recv()  # hello
        for k in range(FRAMES):
            t0 = time.perf_counter()
            await ws.send(json.dumps({"type": "reset", "params": [0.01 * k, -0.5 + 0.02 * k]}))
            await ws.send(json.dumps({"type": "step", "n": STEPS}))
            await ws.send(json.dumps({"type": "ping"}))
            while json.loads(await ws.recv())["type"] != "pong":
                pass
            times.append(1000 * (time.perf_counter() - t0))
    httpx.delete(f"http://127.0.0.1:{port}/api/runs/{run['id']}")
    return times


def main() -> None:
    port = free_port()
    proc = start_server(port)
    try:
        for name, spec in PROBLEMS.items():
            times = sorted(asyncio.run(drag(port, spec)))
            report(f"drag frame (reset + {STEPS} steps), {name}: median", statistics.median(times), "ms")
            report(f"drag frame (reset + {STEPS} steps), {name}: 90th percentile", times[int(0.9 * FRAMES)], "ms")
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()
