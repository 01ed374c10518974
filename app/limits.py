"""Per-client limits: who a client is (its IP address), and a token bucket for websocket messages.

A client is its IP address (`request.client.host`). Behind a reverse proxy, run uvicorn with
`--proxy-headers --forwarded-allow-ips=<proxy>` so that this is the browser's address, not the proxy's.
Loopback addresses are one client, `"local"`, which the per-client limits exempt: a server on one's own
machine is used by one person, and the load test's hundred clients all come from 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

LOCAL = "local"  # every loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.1)


def client_key(host: str | None) -> str:
    """The client an address belongs to: "local" for loopback, the address otherwise."""
    if not host:
        return "unknown"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]  # not an address (e.g. the test client's "testclient")
    mapped = getattr(ip, "ipv4_mapped", None)
    return LOCAL if ip.is_loopback or (mapped is not None and mapped.is_loopback) else str(ip)


def exempt(owner: str | None) -> bool:
    """Per-client limits do not apply to this client (loopback, or an owner the server does not know)."""
    return owner is None or owner == LOCAL


async def get_owner(conn: HTTPConnection) -> str:
    """The client making this request (see client_key); async: no worker-thread hop (see app.deps)."""
    return client_key(conn.client.host if conn.client else None)


OwnerDep = Annotated[str, Depends(get_owner)]


class Throttle:
    """A token bucket: `rate` messages a second on average, bursts of up to `rate`; `wait()` sleeps when empty.

    The websocket reader waits on it, so a flooding client is read more slowly (and TCP pushes back on it)
    rather than having its messages dropped: every message is still answered, in order.
    """

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.rate = rate
        self.tokens = rate
        self.clock, self.sleep = clock, sleep  # (a test gives a fake clock)
        self.last = clock()

    async def wait(self) -> None:
        """Take a token, sleeping until one is there."""
        now = self.clock()
        self.tokens = min(self.rate, self.tokens + (now - self.last) * self.rate)
        self.last = now
        self.tokens -= 1.0
        if self.tokens < 0:
            await self.sleep(-self.tokens / self.rate)
