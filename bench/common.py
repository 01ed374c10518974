"""Small timing helpers shared by the benchmarks (best of several repeats, printed plainly)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere: `python bench/x.py`


def best_of(fn: Callable[[], object], repeats: int = 5, clock: Callable[[], float] = time.perf_counter) -> float:
    """The fastest of `repeats` timings of fn(), in seconds (wall clock, or `clock`: time.process_time counts this
    process's CPU time only, the fairer measure on a machine that others load too)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = clock()
        fn()
        best = min(best, clock() - t0)
    return best


def report(name: str, value: float, unit: str, target: str = "") -> None:
    """Print one figure as `name: value unit  (target ...)`."""
    tail = f"   (target: {target})" if target else ""
    print(f"{name:<58} {value:>12,.2f} {unit}{tail}")


def with_and_without_kernels(label: str, fn: Callable[[], object], target: str = "", repeats: int = 5) -> None:
    """fn in milliseconds as Descent runs it (compiled kernels) and on the NumPy reference (engine.kernels.ENABLED
    off), wall clock and this process's CPU time, in the same run."""
    from engine import kernels  # here: not every bench imports the engine

    for name, enabled in (("Descent", True), ("reference (NumPy)", False)):
        kernels.ENABLED = enabled
        try:
            wall = best_of(fn, repeats)
            cpu = best_of(fn, repeats, clock=time.process_time)
        finally:
            kernels.ENABLED = True
        report(f"{label}: {name}, wall", wall * 1e3, "ms", target if enabled else "")
        report(f"{label}: {name}, CPU", cpu * 1e3, "ms")


_taken: set[int] = set()


def free_port() -> int:
    """A loopback TCP port nobody listens on right now: from BENCH_PORTS ("8640-8649") when set (a machine shared
    by several people), each once per process; else any the system gives."""
    lo, _, hi = os.environ.get("BENCH_PORTS", "").partition("-")
    for port in range(int(lo), int(hi or lo) + 1) if lo else ():
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        if port not in _taken:
            _taken.add(port)
            return port
    if lo:
        raise RuntimeError(f"no free port in BENCH_PORTS={lo}-{hi}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, deflate: bool = True) -> subprocess.Popen[bytes]:
    """uvicorn serving app.main:app on 127.0.0.1:port in its own process, as `make run` does (optionally without
    permessage-deflate); returns once it answers /api/health."""
    import httpx  # the benches that start a server need it; the engine benches do not

    cmd = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning"]
    if not deflate:
        cmd += ["--ws-per-message-deflate", "false"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    for _ in range(400):
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=0.5)
            return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start")
