"""One JSON error shape for every failure: ``{"error": {"code", "message", "details"}}``
(:class:`shopmind.api.schemas.ErrorBody`; the statuses each route can answer are documented with it).

- invalid input (a parameter, a body field, a batch the store cannot take) → 422 with ``details``
  listing each field and what was expected; a body that is not JSON → 400;
- a store lookup that finds nothing → 404; an order status change the life cycle forbids → 409;
- a method a path does not have → 405 with an ``Allow`` header naming every method it has;
- the database unreachable (stopped, restarting, refusing connections) or its connection pool
  exhausted → 503 with ``Retry-After``, at once: the request does not wait for the database to come
  back, and the pool's pre-ping reconnects on the first request after it is back;
- anything unexpected → 500, logged with its traceback; the connection stays open (keep-alive), as
  the exception is answered here instead of reaching the server.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopmind.api import schemas
from shopmind.data.errors import DATABASE_UNAVAILABLE
from shopmind.data.ingest import IngestError
from shopmind.data.store import InvalidTransitionError, NotFoundError

log = logging.getLogger(__name__)

# What the database driver raises when the database cannot be reached or the pool has no connection left.
UNAVAILABLE = DATABASE_UNAVAILABLE
RETRY_AFTER = "2"  # seconds a client waits before retrying while the database is away
UNAVAILABLE_RESPONSE = schemas.errors(503)  # documented on every route

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid_input",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def error_body(status: int, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": CODES.get(status, "error"), "message": message, "details": details}}


def _json(
    status: int, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(status, message, details), status_code=status, headers=headers)


def problems(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Pydantic's errors as ``{"field", "reason"}`` (the field as ``query.offset``, ``body.0.price`` …)."""
    out = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())]
        if len(loc) > 1 and loc[0] == "body":
            loc = loc[1:]  # a body field is named by itself
        out.append({"field": ".".join(loc), "reason": str(e.get("msg", "invalid"))})
    return out


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers on this request's path."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match is not Match.NONE:
            methods |= set(route.methods or ())
    return sorted(methods)


def database_unavailable(exc: Exception) -> JSONResponse:
    """503 for a database that cannot be reached now, naming the driver's error class (not its text,
    which may carry host names)."""
    first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
    log.warning("database unavailable: %s", first_line[:300])
    cause = type(getattr(exc, "orig", None) or exc).__name__
    message = f"the database is unavailable ({cause}); retry in a few seconds"
    return _json(503, message, {"retry_after": int(RETRY_AFTER)}, {"Retry-After": RETRY_AFTER})


def install(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into the one error shape."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            methods = allowed_methods(request)
            headers["Allow"] = ", ".join(methods)
            return _json(
                405, f"{request.method} is not allowed here; use {' or '.join(methods)}", None, headers
            )
        return _json(exc.status_code, str(exc.detail), headers=headers or None)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = problems(list(exc.errors())) or [{"field": "", "reason": "invalid input"}]
        first = details[0]
        return _json(422, f"invalid input: {first['field']}: {first['reason']}", details)

    @app.exception_handler(NotFoundError)
    async def not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return _json(404, str(exc))

    @app.exception_handler(InvalidTransitionError)
    async def conflict(_: Request, exc: InvalidTransitionError) -> JSONResponse:
        return _json(409, str(exc))

    @app.exception_handler(IngestError)
    async def bad_batch(_: Request, exc: IngestError) -> JSONResponse:
        return _json(422, str(exc))

    async def unavailable(_: Request, exc: Exception) -> JSONResponse:
        return database_unavailable(exc)

    for kind in UNAVAILABLE:
        app.add_exception_handler(kind, unavailable)
    app.add_middleware(AnswerCrashes)


class AnswerCrashes:
    """ASGI middleware: an exception no handler took becomes a logged 500 in the error shape.

    Answering it here (instead of letting it reach the server, which then closes the connection)
    keeps a keep-alive connection usable for the client's next request. An exception after the
    answer has started is re-raised: the server must cut that response short."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except UNAVAILABLE as exc:  # raised outside a route (a middleware reading the store)
            if started:
                raise
            await database_unavailable(exc)(scope, receive, send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = _json(500, "internal error; the server log has the details")
            await response(scope, receive, send)
