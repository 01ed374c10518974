"""Errors that name their field, and JSON that never carries NaN or Infinity.

Every 422 has FastAPI's shape, `{"detail": [{"loc": [...], "msg": "field: what is wrong", "type": ...}]}`,
whether pydantic or the engine (`SettingsError`) found the problem; other 4xx are `{"detail": "message"}`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from pydantic_core import to_json
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from engine.settings import SettingsError

Loc = tuple[str | int, ...]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


# ----- JSON without NaN ---------------------------------------------------------------------------
def _fallback(obj: Any) -> Any:
    """NumPy scalars and arrays as plain Python (the engine should not send them, but never fail on them)."""
    tolist = getattr(obj, "tolist", None)
    if callable(tolist):
        return tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def dumps_bytes(obj: Any) -> bytes:
    """Strict JSON (UTF-8): non-finite floats become null. Encoded by pydantic-core, several times faster
    than json.dumps for the float-heavy payloads here (grids, step records); floats round-trip exactly."""
    return to_json(obj, inf_nan_mode="null", fallback=_fallback)


def dumps(obj: Any) -> str:
    """Strict JSON text: non-finite floats become null."""
    return dumps_bytes(obj).decode("utf-8")


class SafeJSONResponse(JSONResponse):
    """The app's default response class: strict JSON, NaN and Infinity sent as null."""

    def render(self, content: Any) -> bytes:
        """Encode `content` as strict JSON."""
        return dumps_bytes(content)


# ----- 4xx that name the field ---------------------------------------------------------------------
class RequestError(Exception):
    """A bad request found by the app (not by pydantic): turned into a 422 naming `loc`."""

    def __init__(self, loc: Sequence[str | int], message: str, status_code: int = 422):
        super().__init__(message)
        self.loc = tuple(loc)
        self.message = message
        self.status_code = status_code


def dotted(loc: Sequence[str | int]) -> str:
    """("body", "optimizer", "lr") -> "optimizer.lr" (the request part is left out)."""
    parts = list(loc[1:] if loc and loc[0] in ("body", "query", "path") else loc)
    return ".".join(str(p) for p in parts)


def field_loc(field: str, where: str = "body") -> Loc:
    """An engine field name "racers.0.lr" -> ("body", "racers", 0, "lr")."""
    return (where, *(int(p) if p.isdigit() else p for p in field.split(".") if p))


def clean_loc(loc: Sequence[str | int], data: Any) -> Loc:
    """Drop the tags pydantic puts into the location of tagged-union errors, by walking the input.

    A part that indexes the input is kept; a string part that does not (a union tag such as "gd")
    is dropped unless it is the last one (a missing field); nothing below a scalar is kept.
    """
    out: list[str | int] = []
    node: Any = data
    gone = False  # walked past the input (a missing field): keep the rest as it is
    for k, part in enumerate(loc):
        if gone:
            out.append(part)
        elif isinstance(node, dict):
            if part in node:
                out.append(part)
                node = node[part]
            elif not isinstance(part, str) or k == len(loc) - 1:
                out.append(part)
                gone = True
        elif isinstance(node, list):
            if isinstance(part, int) and 0 <= part < len(node):
                out.append(part)
                node = node[part]
            elif not isinstance(part, str):
                out.append(part)
                gone = True
        else:
            break  # below a scalar only union tags can follow
    return tuple(out)


def _message(err: dict[str, Any], loc: Loc) -> tuple[Loc, str]:
    """A readable message for one pydantic error, and its location."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    msg = str(err.get("msg", "invalid"))
    if kind == "union_tag_invalid":
        key = str(ctx.get("discriminator", "")).rstrip("()") or "kind"
        loc = (*loc, key)
        msg = f"unknown {key} {ctx.get('tag')!r} (known: {ctx.get('expected_tags')})"
    elif kind == "union_tag_not_found":
        msg = "must be a JSON object"
    elif kind == "extra_forbidden":
        msg = "unknown field"
    return loc, msg


def validation_detail(errors: Sequence[Any], data: Any, prefix: Loc = ()) -> list[dict[str, Any]]:
    """pydantic errors -> FastAPI-shaped detail entries whose `msg` starts with the field's name."""
    out = []
    for err in errors:
        raw = tuple(err.get("loc", ()))
        where: Loc = prefix
        if raw and raw[0] in ("body", "query", "path", "header", "cookie"):
            where, raw = (raw[0],), raw[1:]
        if where in ((), ("body",)) and data is not None:
            # A union-tag error is about the object itself: a trailing tag (a nested union's) is no field.
            tag_error = err.get("type") in ("union_tag_invalid", "union_tag_not_found")
            walked = clean_loc((*raw, "") if tag_error else raw, data)
            if tag_error and walked[-1:] == ("",):
                walked = walked[:-1]
        else:
            walked = raw
        loc, msg = _message(err, (*where, *walked))
        name = dotted(loc) or "body"
        out.append({"loc": list(loc), "msg": f"{name}: {msg}", "type": err.get("type", "value_error")})
    return out


def settings_detail(exc: SettingsError, where: str = "body") -> list[dict[str, Any]]:
    """An engine SettingsError -> one FastAPI-shaped detail entry."""
    return [{"loc": list(field_loc(exc.field, where)), "msg": f"{exc.field}: {exc.message}", "type": "value_error"}]


def part_of(request: Request, field: str) -> str:
    """Where the request carries an engine field ("racer", "stop.max_steps"): its path, its query or its body."""
    head = field.split(".")[0]
    return "path" if head in request.path_params else "query" if head in request.query_params else "body"


def message_of(exc: ValidationError | SettingsError, data: Any) -> tuple[str, str]:
    """(field, message) for a websocket error message."""
    if isinstance(exc, SettingsError):
        return exc.field, str(exc)
    detail = validation_detail(exc.errors(include_url=False), data)
    first = detail[0]
    return dotted(first["loc"]), "; ".join(d["msg"] for d in detail[:3])


# ----- handlers ------------------------------------------------------------------------------------
async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    body = getattr(exc, "body", None)
    return SafeJSONResponse({"detail": validation_detail(exc.errors(), body)}, status_code=422)


async def _on_settings(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SettingsError)
    return SafeJSONResponse({"detail": settings_detail(exc, part_of(request, exc.field))}, status_code=422)


async def _on_request_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestError)
    if exc.status_code != 422:
        return SafeJSONResponse({"detail": exc.message}, status_code=exc.status_code)
    name = dotted(exc.loc)
    detail = [{"loc": list(exc.loc), "msg": f"{name}: {exc.message}" if name else exc.message, "type": "value_error"}]
    return SafeJSONResponse({"detail": detail}, status_code=422)


def allowed_methods(request: Request) -> list[str]:
    """Every documented method at this path; paths without parameters win (POST /api/runs/import is not
    GET /api/runs/{id}). Starlette's own Allow names only the methods of the first route matching the path."""
    path = request.scope.get("path", "")
    static: set[str] = set()
    dynamic: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        parts = re.split(r"\{[^}/]+\}", template)
        if re.fullmatch("[^/]+".join(re.escape(p) for p in parts), path):
            methods = {m.upper() for m in operations if m in HTTP_METHODS}
            (static if len(parts) == 1 else dynamic).update(methods)
    return sorted(static or dynamic)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        methods = allowed_methods(request)
        if methods:
            exc = StarletteHTTPException(405, exc.detail, {**(exc.headers or {}), "Allow": ", ".join(methods)})
    return await http_exception_handler(request, exc)


def install(app: FastAPI) -> None:
    """Register the handlers that turn bad input into 4xx naming the field (and 405s that list every method)."""
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(SettingsError, _on_settings)
    app.add_exception_handler(RequestError, _on_request_error)
