"""Starting the parts of a deployment on this machine: app processes (uvicorn) and nginx in front of them."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def app_command(port: int, host: str = "127.0.0.1", proxy: str = "127.0.0.1") -> list[str]:
    """uvicorn serving app.main:app, trusting X-Forwarded-For from the proxy at `proxy` (so the per-client
    limits see the browser's address, not nginx's). It keeps idle connections open longer than nginx does, so
    nginx never sends a request on a connection the app is closing (a run's request would then answer 410)."""
    return [sys.executable, "-m", "uvicorn", "app.main:app", "--host", host, "--port", str(port),
            "--proxy-headers", "--forwarded-allow-ips", proxy, "--log-level", "warning",
            "--timeout-keep-alive", "75"]  # longer than nginx keeps an idle connection to it (60 s)


def start_app(name: str, port: int, env: dict[str, str] | None = None, host: str = "127.0.0.1",
              log: Path | None = None) -> subprocess.Popen[bytes]:
    """App process `name` (DESCENT_WORKER: its run ids start with "name.") on host:port; does not wait."""
    full = {**os.environ, **(env or {}), "DESCENT_WORKER": name,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    out = open(log, "ab") if log else None  # noqa: SIM115 - the child keeps it
    try:
        return subprocess.Popen(app_command(port, host), cwd=ROOT, env=full, stdout=out, stderr=out)
    finally:
        if out:
            out.close()


def wait_ready(url: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 60.0) -> None:
    """Poll `url` until it answers 200; RuntimeError when `proc` exits first or after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited ({proc.returncode}) before it answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout:g} s")
        time.sleep(0.05)


def nginx_binary() -> str | None:
    """nginx from the Debian package (/usr/sbin is not always on PATH)."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def worker_user() -> str | None:
    """As root, the unprivileged user nginx's workers run as (Debian's www-data); None otherwise."""
    if os.geteuid() != 0:
        return None
    for user in ("www-data", "nobody"):
        try:
            pwd.getpwnam(user)
            return user
        except KeyError:
            continue
    return None


def start_nginx(conf: Path) -> subprocess.Popen[bytes]:
    """nginx in the foreground with the configuration `conf` (its run directory beside it); waits until its
    configuration is checked, then returns."""
    nginx = nginx_binary()
    if nginx is None:
        raise RuntimeError("nginx is not installed (apt-get install nginx)")
    run_dir = str(conf.parent)
    check = subprocess.run([nginx, "-t", "-q", "-p", run_dir, "-c", str(conf)], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx refuses {conf}: {check.stderr.strip()}")
    return subprocess.Popen([nginx, "-p", run_dir, "-c", str(conf), "-g", "daemon off;"])


def stop(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after `timeout` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
