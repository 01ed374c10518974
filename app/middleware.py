"""Small ASGI middlewares: request-body limit, optional API token, security headers."""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import parse_qs

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "  # Plotly writes inline styles
    "img-src 'self' data: blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
PAGE_HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


async def _send_json(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(HTTPException):
    """The request body passed max_body_bytes (an HTTPException, so FastAPI answers it as it is: 413)."""

    def __init__(self, limit: int):
        super().__init__(413, f"request body too large: at most {limit:,} bytes")


class BodyLimit:
    """413 for bodies over `limit` bytes, by Content-Length and by the bytes actually received."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    await _send_json(send, 400, "Content-Length is not a number")
                    return
                if too_big:
                    await _send_json(send, 413, BodyTooLarge(self.limit).detail)
                    return
        received = 0
        started = False

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watch)
        except BodyTooLarge as exc:
            if started:
                raise
            await _send_json(send, 413, str(exc.detail))


def token_of(scope: Scope) -> str | None:
    """The token a request carries: `Authorization: Bearer <token>` or `?token=<token>`."""
    for key, value in scope.get("headers", []):
        if key == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                return token.strip()
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    tokens = query.get("token")
    return tokens[0] if tokens else None


class TokenAuth:
    """When a token is set, /api/* answers 401 and the websocket closes with 1008 without it."""

    def __init__(self, app: ASGIApp, token: str | None):
        self.app = app
        self.token = token

    def _ok(self, scope: Scope) -> bool:
        given = token_of(scope)
        return given is not None and secrets.compare_digest(given.encode(), str(self.token).encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.token is None or scope["type"] not in ("http", "websocket") or not scope["path"].startswith("/api"):
            await self.app(scope, receive, send)
            return
        if self._ok(scope):
            await self.app(scope, receive, send)
            return
        reason = "missing or wrong API token: send 'Authorization: Bearer <token>' or ?token=<token>"
        if scope["type"] == "http":
            await _send_json(send, 401, reason, {"www-authenticate": "Bearer"})
            return
        message = await receive()  # websocket.connect
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": 1008, "reason": reason})


class SecurityHeaders:
    """nosniff on every response; CSP, frame and referrer policies on HTML pages."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = {"x-content-type-options": "nosniff"}
                ctype = dict(headers).get(b"content-type", b"")
                if ctype.startswith(b"text/html"):  # the docs pages set their own policy (app/docs.py)
                    extra.update(PAGE_HEADERS)
                headers += [(k.encode(), v.encode()) for k, v in extra.items() if k.encode() not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, add_headers)
