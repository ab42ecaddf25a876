"""A bound on request bodies: a body over ``SHOPMIND_MAX_BODY_BYTES`` is answered 413 and never read whole.

The bound holds for both ways a client can send a body: a ``Content-Length`` over it is refused before
anything is read; a chunked body (no length) is counted as it arrives and refused as soon as the count
passes it, so a server never buffers more than the bound plus one chunk for a request.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopmind.api.errors import _json


class BodyTooLarge(HTTPException):
    """Raised where the app reads a streamed body past the bound: a route answers it as 413 through
    the app's HTTP error handler; outside a route the middleware answers it."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is over the {max_bytes:,} bytes accepted")


class BodyLimit:
    """ASGI middleware: 413 in the one error shape for a request body over ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _refuse(self, scope: Scope, receive: Receive, send: Send, size: str):
        message = f"the request body is {size} bytes; at most {self.max_bytes:,} are accepted"
        return _json(413, message, {"max_bytes": self.max_bytes})(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send, f"{int(declared):,}")
            return
        seen, started = 0, False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, f"more than {self.max_bytes:,}")
