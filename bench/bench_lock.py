"""How long the lecture views keep a run waiting: the largest network's backprop table, and a loss slice.

Run: .venv/bin/python bench/bench_lock.py [port]. A uvicorn server in its own process holds a run of the largest
network allowed ([2, 64 × 8, 10], about 30,000 parameters); while one client asks for its backprop table (with
finite differences) or a loss slice, another keeps asking for single steps of the same run. The longest of those
step requests is how long the view held the run's lock (plus one step and the round trip); the target is a
frame or two (33-66 ms at 30 frames a second).
"""

from __future__ import annotations

import sys
import threading
import time

from common import report, start_server

BIG = {"problem": {"kind": "network", "layers": [2] + [64] * 8 + [10], "activation": "tanh", "head": "softmax",
                   "loss": "ce", "data": {"name": "blobs", "n": 300, "classes": 10}},
       "stop": {"grad_norm": None, "max_steps": None}}


def worst_step_wait(api: object, run_id: str, view: str) -> tuple[float, float]:
    """(seconds the view took, the longest single-step request meanwhile)."""
    done = threading.Event()
    took = [0.0]

    def ask() -> None:
        try:
            t0 = time.perf_counter()
            r = api.get(f"/api/runs/{run_id}/{view}")  # type: ignore[attr-defined]
            took[0] = time.perf_counter() - t0 if r.status_code == 200 else float("nan")
            if r.status_code != 200:
                print(r.text)
        finally:
            done.set()

    worst = 0.0
    thread = threading.Thread(target=ask)
    thread.start()
    while not done.is_set():
        t0 = time.perf_counter()
        api.post(f"/api/runs/{run_id}/step", json={"n": 1})  # type: ignore[attr-defined]
        worst = max(worst, time.perf_counter() - t0)
    thread.join()
    return took[0], worst


def main() -> None:
    import httpx

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8131
    server = start_server(port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as api:
            run_id = api.post("/api/runs", json=BIG).json()["id"]
            api.post(f"/api/runs/{run_id}/step", json={"n": 5})
            t0 = time.perf_counter()
            api.post(f"/api/runs/{run_id}/step", json={"n": 1})
            report("one step of the largest network (REST round trip)", (time.perf_counter() - t0) * 1e3, "ms")
            for view in ("backprop?example=0&fd=true", "slice?n=11"):
                best_took, best_wait = float("inf"), float("inf")
                for _ in range(3):
                    took, wait = worst_step_wait(api, run_id, view)
                    best_took, best_wait = min(best_took, took), min(best_wait, wait)
                name = view.split("?")[0]
                target = "< 250 ms" if name == "backprop" else ""
                report(f"GET /{view} (largest network)", best_took * 1e3, "ms", target)
                report(f"  longest step request meanwhile ({name} holding the lock)", best_wait * 1e3, "ms",
                       "a frame or two")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
