"""Cross-origin requests (CORS) allowed per storefront key, for the widget embedded in a shop's pages.

- **Requests.** A response carries ``Access-Control-Allow-Origin: <the page's origin>`` only when that
  origin is allowed for the key the request presented (a storefront key's ``origins``, set with
  ``shopmind keys create --origin`` or ``POST /admin/keys``), or is in ``SHOPMIND_CORS_ORIGINS``
  (allowed with any key). The key is checked by the route as always; this only decides whether the
  browser may read the answer. The header is never ``*`` and credentials (cookies) are never allowed:
  the key travels in a header.
- **Preflights.** A browser sends no key on an ``OPTIONS`` preflight, so a preflight is answered for an
  origin allowed by *any* active storefront key or by the setting; the request that follows is still
  held to its own key's origins. The origins of the keys are read from the store at most once per
  ``CACHE_SECONDS`` per process (a preflight costs no query), so a new key's origin may take that long
  to be answered on a preflight; a revoked key stops at once on the requests themselves.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable

import anyio.to_thread
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopmind.data.errors import DATABASE_UNAVAILABLE
from shopmind.data.store_keys import normalise_origins

log = logging.getLogger(__name__)

CACHE_SECONDS = 10.0
METHODS = "GET, POST, PUT, PATCH, DELETE"
HEADERS = ("accept", "authorization", "content-type", "x-api-key", "x-chat-token", "x-customer-token")
EXPOSED = "Retry-After"  # a browser script may read it on a 429 or 503
MAX_AGE = "600"


def configured_origins(text: str) -> frozenset[str]:
    """The comma-separated ``SHOPMIND_CORS_ORIGINS``, checked (ValueError names a bad one)."""
    return frozenset(normalise_origins([o for o in text.split(",") if o.strip()]) or ())


class KeyCors:
    """ASGI middleware: CORS answers from the presented key's origins (see the module's docstring)."""

    def __init__(self, app: ASGIApp, key_origins: Callable[[], set[str]], configured: str = "") -> None:
        self.app = app
        self.key_origins = key_origins  # the store's origins of every active storefront key
        self.configured = configured_origins(configured)
        self._cached: frozenset[str] = frozenset()
        self._cached_at = -CACHE_SECONDS
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        origin = origin.strip().lower()
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(origin, headers, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out.add_vary_header("Origin")
                key = scope.get("state", {}).get("api_key_origins", ())
                if origin in self.configured or origin in key:
                    out["Access-Control-Allow-Origin"] = origin
                    out["Access-Control-Expose-Headers"] = EXPOSED
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, origin: str, headers: Headers, send: Send) -> None:
        allowed = origin in self.configured or origin in await self._any_key_origins()
        asked = [h.strip().lower() for h in headers.get("access-control-request-headers", "").split(",")]
        refused = [h for h in asked if h and h not in HEADERS]
        out = {"vary": "Origin"}
        if allowed and not refused:
            out |= {
                "access-control-allow-origin": origin,
                "access-control-allow-methods": METHODS,
                "access-control-allow-headers": ", ".join(HEADERS),
                "access-control-max-age": MAX_AGE,
            }
            status, body = 204, b""
        else:
            why = f"headers not allowed: {', '.join(refused)[:200]}" if allowed else "origin not allowed"
            message = f"cross-origin request refused ({why}); see docs/embed.md"
            status = 403
            out["content-type"] = "application/json"
            body = json.dumps({"error": {"code": "forbidden", "message": message, "details": None}}).encode()
        raw = [(k.encode(), v.encode()) for k, v in out.items()]
        raw.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})

    async def _any_key_origins(self) -> frozenset[str]:
        if time.monotonic() - self._cached_at >= CACHE_SECONDS:
            try:
                fresh = frozenset(await anyio.to_thread.run_sync(self.key_origins))
            except DATABASE_UNAVAILABLE as exc:  # the database is away: answer from what was read last
                log.warning("could not read the keys' origins: %s", exc)
                return self._cached
            with self._lock:
                self._cached, self._cached_at = fresh, time.monotonic()
        return self._cached
