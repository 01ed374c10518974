"""A PostgreSQL server of our own (Debian's `postgresql` package): a cluster in a directory, reached on a unix
socket in that directory (and on a TCP port when asked). `make serve` and the tests start one.

initdb and the server refuse to run as root: as root they run as the `postgres` user (made by the package),
and the directory is handed to it. A production machine uses the system's server instead (see the README).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

SUPERUSER = "descent"  # the cluster's superuser (and the role the app connects as)


def pg_binary(name: str) -> str | None:
    """Path of a PostgreSQL server program (initdb, pg_ctl): on PATH, or Debian's newest under /usr/lib."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    candidates.sort(key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return candidates[-1] if candidates else None


def available() -> bool:
    """Whether a cluster can be made here."""
    return pg_binary("initdb") is not None and pg_binary("pg_ctl") is not None


def _as_server_user() -> list[str]:
    """The command prefix that runs a program as a user PostgreSQL accepts (runuser -u postgres as root)."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


class Cluster:
    """One PostgreSQL cluster in `directory` (made on first start), listening on its unix socket there."""

    def __init__(self, directory: str | Path, port: int = 5432, tcp_host: str | None = None, durable: bool = True):
        self.directory = Path(directory).resolve()
        self.data = self.directory / "data"
        self.port = port
        self.tcp_host = tcp_host  # e.g. "127.0.0.1"; None: the unix socket only
        self.durable = durable  # False (tests): fsync off, a crash of the machine may lose commits

    @property
    def url(self) -> str:
        """The URL the app is given (DESCENT_STORE_URL)."""
        return f"postgresql://{SUPERUSER}@/postgres?host={self.directory}&port={self.port}"

    def _run(self, *cmd: str) -> None:
        done = subprocess.run([*_as_server_user(), *cmd], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:2])} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")

    def _hand_over(self) -> None:
        """As root: the directory belongs to the postgres user, and it can reach it."""
        if os.geteuid() != 0:
            return
        shutil.chown(self.directory, "postgres", "postgres")
        for parent in self.directory.parents:
            if not os.stat(parent).st_mode & 0o001:
                raise RuntimeError(f"{parent} is not open to other users, so the postgres user cannot reach "
                                   f"{self.directory}: put the cluster elsewhere (e.g. under /var/tmp)")

    def start(self) -> None:
        """Make the cluster if there is none, then start the server and wait until it takes connections."""
        initdb, pg_ctl = pg_binary("initdb"), pg_binary("pg_ctl")
        if initdb is None or pg_ctl is None:
            raise RuntimeError("PostgreSQL's server programs are not installed (apt-get install postgresql)")
        self.directory.mkdir(parents=True, exist_ok=True)
        self._hand_over()
        if not (self.data / "PG_VERSION").exists():
            self._run(initdb, "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                      "--locale", "C", *([] if self.durable else ["--no-sync"]))
        options = [f"-k {self.directory}", f"-p {self.port}", f"-c listen_addresses='{self.tcp_host or ''}'"]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(pg_ctl, "-D", str(self.data), "-l", str(self.directory / "server.log"), "-o", " ".join(options),
                  "-w", "-t", "60", "start")

    def stop(self, fast: bool = True) -> None:
        """Stop the server (fast: roll back open transactions and go; nothing committed is lost)."""
        pg_ctl = pg_binary("pg_ctl")
        if pg_ctl and (self.data / "postmaster.pid").exists():
            self._run(pg_ctl, "-D", str(self.data), "-m", "fast" if fast else "smart", "-w", "stop")
