"""Render deploy/nginx.conf.in for a set of app processes, each named and reached at host:port.

`make serve` and the tests use it; so does a production machine, whose app processes may be on other machines:

    python deploy/nginx_conf.py --listen 0.0.0.0:80 --run-dir /var/lib/descent-nginx \\
        w1=10.0.0.11:8001 w2=10.0.0.11:8002 w3=10.0.0.12:8001 > /etc/descent/nginx.conf

Each NAME must be the DESCENT_WORKER of the process at that address (its run ids start with "NAME.").
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from dataclasses import dataclass, fields
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf.in")
WORKER_NAME = re.compile(r"[A-Za-z0-9]{1,16}")  # the same rule as app.settings.worker_name_ok
TEMP_DIRS = ("body", "proxy", "fastcgi", "uwsgi", "scgi")
# Paths that name a run's owner: run ids, watch tokens and attempt ids all start "<worker>." (the same in the
# template's locations).
OWNED = "(?:runs|watch|attempts)"


@dataclass(frozen=True)
class Worker:
    """One app process: its DESCENT_WORKER name and where nginx reaches it."""

    name: str
    address: str  # host:port

    def __post_init__(self) -> None:
        if not WORKER_NAME.fullmatch(self.name):
            raise ValueError(f"worker name {self.name!r}: 1-16 letters and digits (it starts the run ids)")
        host, _, port = self.address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"worker {self.name}: address {self.address!r} is not host:port")

    @classmethod
    def parse(cls, text: str) -> Worker:
        """NAME=HOST:PORT."""
        name, sep, address = text.partition("=")
        if not sep:
            raise ValueError(f"{text!r}: expected NAME=HOST:PORT")
        return cls(name, address)


@dataclass(frozen=True)
class Front:
    """The front-line limits (nginx time units: 10s, 500ms, 2m)."""

    header_timeout: str = "10s"  # the whole request head
    body_timeout: str = "10s"  # the longest pause between two reads of a body
    ws_idle: str = "120s"  # a websocket on which nothing came from the app for this long is closed
    read_timeout: str = "300s"  # a request the app has not answered in this long: 504 (410 for a run's route)
    conn_per_address: int = 64  # connections open at once from one address
    max_body: str = "17m"  # the app's max_body_bytes (16 MiB) and room for its own 413
    fail_timeout: str = "10s"  # a process that failed is left out of the balance for this long
    nginx_workers: str = "auto"


def render(workers: list[Worker], listen: str, run_dir: str | Path, front: Front | None = None,
           user: str | None = None) -> str:
    """The nginx configuration text (`user`: the workers' user, when nginx is started as root)."""
    if not workers:
        raise ValueError("at least one app process")
    names = [w.name for w in workers]
    if len(set(names)) != len(names):
        raise ValueError(f"worker names must differ: {names}")
    front = front or Front()
    values = {f.name.upper(): str(getattr(front, f.name)) for f in fields(front)}
    values.update({
        "USER_LINE": f"user {user};\n" if user else "",  # as root: the workers' unprivileged user
        "LISTEN": listen,
        "RUN_DIR": str(Path(run_dir).resolve()),
        "OWNER_MAP": "\n".join(f"        ~^/api/{OWNED}/{w.name}\\. descent_{w.name};" for w in workers),
        "OWNER_NAME_MAP": "\n".join(f"        ~^/api/{OWNED}/{w.name}\\. {w.name};" for w in workers),
        "BALANCED_SERVERS": "\n".join(
            f"        server {w.address} max_fails=1 fail_timeout={front.fail_timeout};" for w in workers),
        "OWNER_UPSTREAMS": "\n".join(
            f"    upstream descent_{w.name} {{\n        server {w.address};\n        keepalive 16;\n"
            f"        keepalive_timeout 60s;\n    }}"
            for w in workers),
    })
    text = TEMPLATE.read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    left = re.findall(r"\{\{[A-Z_]+\}\}", text)
    if left:
        raise ValueError(f"unfilled in {TEMPLATE.name}: {sorted(set(left))}")
    return text


def write(workers: list[Worker], listen: str, run_dir: str | Path, front: Front | None = None,
          user: str | None = None) -> Path:
    """Render into run_dir/nginx.conf (making run_dir and nginx's temporary directories, which belong to
    `user` when given); returns the file."""
    run = Path(run_dir)
    for sub in TEMP_DIRS:
        (run / sub).mkdir(parents=True, exist_ok=True)
        if user:
            shutil.chown(run / sub, user)
    conf = run / "nginx.conf"
    conf.write_text(render(workers, listen, run, front, user))
    return conf


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workers", nargs="+", metavar="NAME=HOST:PORT")
    ap.add_argument("--listen", default="0.0.0.0:80")
    ap.add_argument("--user", help="the workers' user when nginx starts as root (Debian: www-data)")
    ap.add_argument("--run-dir", required=True, help="nginx's pid, error log and temporary files")
    for f in fields(Front):
        ap.add_argument("--" + f.name.replace("_", "-"), type=type(f.default), default=f.default)
    args = ap.parse_args(argv)
    front = Front(**{f.name: getattr(args, f.name) for f in fields(Front)})
    sys.stdout.write(render([Worker.parse(w) for w in args.workers], args.listen, args.run_dir, front, args.user))


if __name__ == "__main__":
    main()
