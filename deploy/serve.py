"""`make serve WORKERS=N`: N app processes behind nginx on one machine, saved runs in PostgreSQL.

    python deploy/serve.py --workers 4 --host 127.0.0.1 --port 8000

The app processes listen on loopback ports after --port (w1 on port+1, w2 on port+2, ...); nginx listens on
--host:--port. Saved runs go to DESCENT_STORE_URL when it is set, else to a PostgreSQL cluster of our own under
the data directory (made on first start, kept across restarts). A process that dies is started again (its live
runs are gone: their requests answer 410 until then, and 404 after). Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python deploy/serve.py` from anywhere

from deploy import nginx_conf, postgres  # noqa: E402
from deploy.processes import start_app, start_nginx, stop, wait_ready, worker_user  # noqa: E402


def cluster_dir(data_dir: Path) -> Path:
    """Where our own PostgreSQL cluster lives: under the data directory, unless the postgres user (which runs
    it when we are root) cannot reach that; then under /var/tmp."""
    wanted = (data_dir / "postgres").resolve()
    if os.geteuid() == 0 and any(not os.stat(p).st_mode & 0o001 for p in wanted.parents if p.exists()):
        return Path("/var/tmp/descent-postgres")
    return wanted


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--data-dir", default=os.environ.get("DESCENT_DATA_DIR", "./data"))
    args = ap.parse_args()
    if not 1 <= args.workers <= 64:
        ap.error("--workers: 1 to 64")
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)

    cluster = None
    url = os.environ.get("DESCENT_STORE_URL")
    if not url:
        cluster = postgres.Cluster(cluster_dir(data_dir), port=5432)
        cluster.start()
        url = cluster.url
        print(f"PostgreSQL: {cluster.directory} (log: {cluster.directory / 'server.log'})", flush=True)
    env = {"DESCENT_STORE_URL": url}
    workers = [nginx_conf.Worker(f"w{i + 1}", f"127.0.0.1:{args.port + 1 + i}") for i in range(args.workers)]
    apps: dict[str, subprocess.Popen[bytes]] = {}
    nginx = None
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        for w in workers:
            apps[w.name] = start_app(w.name, int(w.address.rpartition(":")[2]), env)
        for w in workers:
            wait_ready(f"http://{w.address}/api/health", apps[w.name])
        user = worker_user()
        conf = nginx_conf.write(workers, f"{args.host}:{args.port}", (data_dir / "nginx").resolve(), user=user)
        nginx = start_nginx(conf)
        print(f"Descent: http://{args.host}:{args.port} ({args.workers} app processes behind nginx; "
              f"config {conf})", flush=True)
        while not stopping:
            time.sleep(0.5)
            if nginx.poll() is not None:
                print(f"nginx exited ({nginx.returncode}): stopping", file=sys.stderr, flush=True)
                break
            for w in workers:
                proc = apps[w.name]
                if proc.poll() is not None and not stopping:
                    print(f"app process {w.name} exited ({proc.returncode}): its live runs are gone; "
                          f"starting it again", file=sys.stderr, flush=True)
                    apps[w.name] = start_app(w.name, int(w.address.rpartition(":")[2]), env)
    finally:
        if nginx is not None:
            stop(nginx)
        for proc in apps.values():
            stop(proc)
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
