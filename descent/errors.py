"""One exception for everything the server refuses, over REST or the websocket: the field and the message."""

from __future__ import annotations

from typing import Any

import httpx

REQUEST_PARTS = ("body", "query", "path", "header", "cookie")


class DescentError(Exception):
    """The server refused a request: `status` (HTTP status, or None for a websocket `error`), `field` (dotted,
    such as "optimizer.lr"; None when the error is about no one field), `message` and the raw `detail`."""

    def __init__(self, message: str, field: str | None = None, status: int | None = None, detail: Any = None):
        if field and message.startswith(f"{field}: "):  # the server names the field in its message too
            message = message[len(field) + 2:]
        super().__init__(f"{field}: {message}" if field else message)
        self.message = message
        self.field = field
        self.status = status
        self.detail = detail

    @classmethod
    def from_response(cls, response: httpx.Response) -> DescentError:
        """A 4xx or 5xx answer: FastAPI's `{"detail": [{"loc", "msg"}, ...]}` (422) or `{"detail": "..."}`."""
        try:
            body = response.json()
        except ValueError:
            body = None
        detail = body.get("detail") if isinstance(body, dict) else None
        if isinstance(detail, list) and detail and isinstance(detail[0], dict):
            first = detail[0]
            field = dotted(first.get("loc") or [])
            msg = str(first.get("msg", "invalid"))
            return cls(msg, field or None, response.status_code, detail)
        text = detail if isinstance(detail, str) else (response.text[:500] or response.reason_phrase)
        return cls(text, None, response.status_code, detail)

    @classmethod
    def from_message(cls, msg: dict[str, Any]) -> DescentError:
        """A websocket `{"type": "error", "message", "field", "to"}`."""
        return cls(str(msg.get("message", "error")), msg.get("field") or None, None, msg)


def dotted(loc: list[Any]) -> str:
    """["body", "optimizer", "lr"] -> "optimizer.lr" (the request part left out, as the server names fields)."""
    parts = loc[1:] if loc and loc[0] in REQUEST_PARTS else loc
    return ".".join(str(p) for p in parts)


def check(response: httpx.Response) -> httpx.Response:
    """The response, or DescentError when it is an error."""
    if response.is_error:
        raise DescentError.from_response(response)
    return response
