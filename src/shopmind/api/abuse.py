"""Abuse controls at the API's edge: who a public visitor is, and rate limits with 429 + Retry-After.

- **Visitor.** A signed-in customer (a stored customer id the request proved with its token) is
  ``c:<customer id>``; anyone else using the public key is ``a:<hash of the client address>`` — every
  guest id and session id sent from one address is one visitor, as a browser can mint ids at will.
  The address is hashed with a secret kept in the store (no raw addresses are stored). Behind a
  reverse proxy, run the server with its proxy headers on (uvicorn ``--forwarded-allow-ips``) so the
  address is the shopper's, not the proxy's.
- **Rate limits.** A token bucket per client (API key + address) and per customer for each limited
  action (search, suggest, events, chat, login), held in the store (one UPSERT per request,
  :meth:`~shopmind.data.store_abuse.AbuseQueries.take_tokens`) so the limit is the same whichever
  replica answers. Requests with an admin key are not limited. ``SHOPMIND_RATE_LIMITS=false`` turns
  them off; ``SHOPMIND_RATE_<ACTION>_PER_MINUTE`` sets each.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time

from fastapi import HTTPException, Request

from shopmind.api.tokens import GUEST_PREFIX

ACTIONS = ("search", "suggest", "events", "chat", "login")
SECRET_NAME = "visitor-hash"  # the store's secret that keys the address hashes


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def address_hash(request: Request) -> str:
    """A keyed hash of the client's address (16 hex digits), the same on every replica."""
    state = request.app.state
    if getattr(state, "visitor_secret", None) is None:
        state.visitor_secret = state.engine.store.shared_secret(SECRET_NAME)
    digest = hmac.new(state.visitor_secret, client_address(request).encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def visitor(request: Request, customer_id: str | None) -> str:
    """``c:<customer id>`` for a stored customer the request was allowed to act for (outside the demo
    shop, whose switcher lets anyone act for anyone), else ``a:<address hash>``."""
    demo = getattr(request.app.state, "web_demo", False)
    if customer_id and not customer_id.startswith(GUEST_PREFIX) and not demo:
        return f"c:{customer_id}"[:64]
    return f"a:{address_hash(request)}"


def limit(request: Request, action: str, customer_id: str | None = None) -> None:
    """Spend one request of ``action`` for this client (and customer, when given); a 429 with
    ``Retry-After`` (seconds) when either bucket is empty."""
    settings = request.app.state.engine.settings
    if not settings.rate_limits or getattr(request.state, "scope", None) == "admin":
        return
    per_minute = float(getattr(settings, f"rate_{action}_per_minute"))
    client = getattr(request.state, "api_key_id", None) or "configured"
    keys = [f"{action}:k:{client}:{address_hash(request)}"]
    if customer_id:
        keys.append(f"{action}:c:{customer_id}"[:200])
    rate = per_minute / 60.0
    left = request.app.state.engine.store.take_tokens(keys, per_minute, rate, time.time())
    lowest = min(left.values(), default=0.0)
    if lowest < 0:
        wait = max(1, math.ceil((1.0 - lowest) / rate))
        raise HTTPException(
            429,
            f"too many {action} requests: at most {per_minute:g} a minute; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )
