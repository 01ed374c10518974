"""Per-example updates (batch 1) per second: the lecture's "for each example", through REST and engine-direct.

The network is [2, 8, 8, 1] with tanh, a sigmoid head and binary cross-entropy on 250 training points (xor,
500 points, half kept for testing), plain gradient descent with batch_size 1. Every update still records its step
(J and ‖∇J‖ over all 250 training points) and runs the stopping and divergence tests.

Run: .venv/bin/python bench/bench_batch1.py [port]. REST: a uvicorn server in its own process, `POST
/api/runs/{id}/step` with n = 10,000 (the response carries every step record; the wall time includes the client
decoding it). The references: PyTorch eager CPU float64 at batch 1 on the same network, data and start, each update
followed by J and ‖∇J‖ over the training set as Descent records them (bench/torch_ref.py, from a scratch
environment when this one lacks torch: see bench_network.py), measured here; and TensorFlow Playground's
JavaScript engine, which the issue measured at about 9,000 updates/s on an [8, 8] network at batch 1 (quoted, not
run: it needs a browser). On a shared machine the wall-clock figures follow the load (printed): the per-CPU-second
ones are the fairer measure.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from bench_network import torch_seconds
from common import best_of, report, start_server

from engine.build import build_run

N_REST = 10_000
SPEC = {
    "problem": {"kind": "network", "layers": [2, 8, 8, 1], "activation": "tanh", "head": "sigmoid", "loss": "bce",
                "data": {"name": "xor", "n": 500, "noise": 0.1, "test_ratio": 0.5, "seed": 0}},
    "optimizer": {"name": "gd", "lr": 0.03, "batch_size": 1},
    "stop": {"grad_norm": None, "delta_loss": None, "max_steps": None},
}
PLAYGROUND = 9_000  # updates/s, TensorFlow Playground, [8, 8], batch 1 (the measurement)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc): a fair clock on a machine others load too."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def engine_direct(steps: int = 20_000) -> tuple[float, float]:
    """Updates per second of Run.step in this process (best of 3): by the wall clock, and per CPU second."""
    run = build_run(SPEC)
    assert run.problem.n_train == 250
    run.step(2_000)  # warm: kernels loaded, buffers sized
    wall = best_of(lambda: run.step(steps), repeats=3)
    cpu = best_of(lambda: run.step(steps), repeats=3, clock=time.process_time)
    return steps / wall, steps / cpu


def rest(port: int) -> tuple[float, float]:
    """Updates per second through POST /api/runs/{id}/step (best of 4 requests of N_REST steps): by the wall
    clock, and per CPU second of the server process."""
    import httpx

    server = start_server(port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as api:
            best = best_cpu = float("inf")
            for _ in range(4):
                run_id = api.post("/api/runs", json=SPEC).json()["id"]
                api.post(f"/api/runs/{run_id}/step", json={"n": 100})
                c0, t0 = cpu_seconds(server.pid), time.perf_counter()
                steps = api.post(f"/api/runs/{run_id}/step", json={"n": N_REST}).json()["steps"]
                best, best_cpu = min(best, time.perf_counter() - t0), min(best_cpu, cpu_seconds(server.pid) - c0)
                assert len(steps) == N_REST and steps[-1]["t"] == N_REST + 100
                api.delete(f"/api/runs/{run_id}")
            return N_REST / best, N_REST / max(best_cpu, 1e-9)
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8130
    print(f"load average at the start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    wall, cpu = engine_direct()
    report("engine-direct updates/s ([2, 8, 8, 1] tanh, 250 points, batch 1)", wall, "updates/s")
    report("  per CPU second", cpu, "updates/s")
    cpu_engine = cpu
    wall, cpu = rest(port)
    report("REST POST /step updates/s (same run, n = 10,000)", wall, "updates/s", "≥ 30,000")
    report("  per CPU second of the server", cpu, "updates/s")
    run = build_run(SPEC)
    t_torch = torch_seconds(run.problem, run.theta[0].copy(), 2_000, 5, batch=1)  # type: ignore[arg-type]
    if t_torch is None:
        print("PyTorch is not installed: skipping its line")
    else:
        report("reference: PyTorch eager CPU, batch 1 + full J, ‖∇J‖ (per CPU s)", 1 / t_torch, "updates/s")
        report("  engine per CPU second / PyTorch", cpu_engine * t_torch, "×")
    report("reference: TensorFlow Playground, [8, 8], batch 1 (issue's figure)", PLAYGROUND, "updates/s")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
