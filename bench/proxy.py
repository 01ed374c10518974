"""bench_load.py --proxy: the same classroom load through nginx, in front of 1 and then 2 app processes.

Each configuration is started afresh (deploy/: nginx_conf, processes; saved runs in SQLite under a temporary
directory, which this load does not use), loaded with CLIENTS websocket clients each playing its own run at
SPEED steps/s for SECONDS, and measured: the steps/s the runs really played (all together and per run: each
client reads its run's clock in its first and last frame of the window), frames/s per client, REST latency
through the proxy, and the CPU each part used. nginx's errors (client timeouts included) are printed.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from common import free_port, report

from deploy import nginx_conf
from deploy.processes import start_app, start_nginx, stop, wait_ready, worker_user

# The load comes from one address, and from a process as busy as the servers: the front line is opened wide.
FRONT = nginx_conf.Front(conn_per_address=10_000, nginx_workers="1", header_timeout="120s", body_timeout="120s")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """Direct children of a process (nginx's workers)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return out


async def load(port: int, clients: int, seconds: float, speed: float, pids: dict[str, list[int]]) -> dict[str, Any]:
    from bench_load import RAMP_SECONDS, Window, client, rest_timer

    frames: list[int] = []
    errors: list[str] = []
    latencies: list[float] = []
    ids: list[str] = []
    window = Window(clients, seconds)
    played: list[float] = []  # steps/s of each run, between its first and last frame of the window
    tasks = [client(port, RAMP_SECONDS * i / clients, speed, window, frames, errors, ids, played)
             for i in range(clients)]
    watcher = asyncio.gather(*tasks, rest_timer(port, window, latencies, errors), return_exceptions=True)
    await window.opened.wait()
    cpu0 = {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()}
    start = time.perf_counter()
    errors += [repr(e) for e in await watcher if isinstance(e, BaseException)]
    elapsed = time.perf_counter() - start
    cpu1 = {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()}
    played.sort()
    lat = sorted(latencies) or [float("nan")]
    return {"played": played or [0.0], "frames": sorted(f / seconds for f in frames),
            "p95": lat[int(len(lat) * 0.95)] * 1e3,
            "p50": lat[len(lat) // 2] * 1e3, "cpu": {k: (cpu1[k] - cpu0[k]) / elapsed for k in cpu0},
            "errors": errors, "owners": sorted({i.partition(".")[0] for i in ids})}


def run_config(processes: int, clients: int, seconds: float, speed: float) -> dict[str, Any]:
    """Start nginx + `processes` app processes, load them, stop them."""
    with tempfile.TemporaryDirectory(prefix="descent-bench-") as tmp:
        run_dir = Path(tmp)
        os.chmod(run_dir, 0o755)
        workers = [nginx_conf.Worker(f"w{i + 1}", f"127.0.0.1:{free_port()}") for i in range(processes)]
        apps = [start_app(w.name, int(w.address.rpartition(":")[2]), {"DESCENT_DATA_DIR": str(run_dir / "data")})
                for w in workers]
        nginx = None
        try:
            for w, proc in zip(workers, apps, strict=True):
                wait_ready(f"http://{w.address}/api/health", proc)
            port = free_port()
            conf = nginx_conf.write(workers, f"127.0.0.1:{port}", run_dir, FRONT, user=worker_user())
            conf.write_text(conf.read_text().replace("error.log warn;", "error.log info;"))  # client timeouts too
            nginx = start_nginx(conf)
            wait_ready(f"http://127.0.0.1:{port}/api/health", nginx)
            pids = {"app processes": [p.pid for p in apps], "nginx": [nginx.pid, *children(nginx.pid)]}
            return asyncio.run(load(port, clients, seconds, speed, pids))
        finally:
            log = run_dir / "error.log"
            lines = [ln for ln in (log.read_text().splitlines() if log.exists() else [])
                     if "closed keepalive connection" not in ln]  # info: a client left, as it should
            if lines:
                print(f"nginx's error log ({processes} process, {len(lines)} lines), the last ones:",
                      *lines[-8:], sep="\n")
            if nginx is not None:
                stop(nginx)
            for proc in apps:
                stop(proc)


def main(clients: int, seconds: float, speed: float) -> None:
    results = {n: run_config(n, clients, seconds, speed) for n in (1, 2)}
    for n, r in results.items():
        print(f"== {n} app process{'es' if n > 1 else ''} behind nginx ({', '.join(r['owners'])} own runs): "
              f"{clients} clients, each playing its own run at {speed:g} steps/s, {seconds:g} s")
        report("steps/s played, all runs together", sum(r["played"]), "steps/s",
               f"asked: {clients * speed:,.0f}")
        report("steps/s played per run, minimum", r["played"][0], "steps/s")
        report("steps/s played per run, median", statistics.median(r["played"]), "steps/s")
        report("frames/s per client, minimum", r["frames"][0], "frames/s", "≥ 12")
        report("frames/s per client, median", statistics.median(r["frames"]), "frames/s")
        report("REST latency through the proxy p50", r["p50"], "ms")
        report("REST latency through the proxy p95", r["p95"], "ms")
        for part, cores in r["cpu"].items():
            report(f"CPU of the {part} (1.00 = one core)", cores, "cores")
        if r["errors"]:
            print(f"{len(r['errors'])} errors, first: {r['errors'][0]}")
    ratio = sum(results[2]["played"]) / max(sum(results[1]["played"]), 1e-9)
    report("played steps, 2 processes / 1 process", ratio, "×", "≥ 1.7")
    print(f"machine load average (1 min) at the end: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
