"""Signed, expiring tokens that bind a request to one customer, and the demo login that issues them.

A storefront key is public (the web UI hands it to every browser), so it cannot say *which*
customer is asking. What is personal to a stored customer — their recommendations, events written
in their name, searches personalised and logged for them, their chat — needs proof that the caller
is that customer: a token from a login. ShopMind's login is the demo one (customer id + the e-mail on
file); a real shop logs its customers in itself and, with its admin key, may act for any customer.

Tokens are ``base64(payload).base64(HMAC-SHA256(secret, purpose + payload))``; the purpose ("chat",
"customer") is part of what is signed, so a token for one use is never accepted for another. The
secret is ``SHOPMIND_CHAT_SECRET`` or else one generated once and kept in the store (table ``secrets``),
so a token issued by one replica is accepted by every other one, and survives restarts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from fastapi import HTTPException, Request, status

from shopmind.api.deps import key_scope, presented_key
from shopmind.data.store import NotFoundError, Store

GUEST_PREFIX = "guest-"  # the web UI's anonymous shoppers: random ids with no stored customer behind them
SECRET_NAME = "token-signing"  # the store's secret that signs tokens when none is configured


def secret(request: Request) -> bytes:
    """The signing key: the configured one, else the store's shared one (read once per app)."""
    state = request.app.state
    configured = state.engine.settings.chat_secret
    if configured:
        return configured.encode()
    if getattr(state, "chat_secret", None) is None:
        state.chat_secret = state.engine.store.shared_secret(SECRET_NAME)
    return state.chat_secret


def sign(key: bytes, purpose: str, fields: list[str], ttl: int) -> str:
    """A token carrying ``fields`` (no ``|`` in them) for ``purpose``, valid ``ttl`` seconds."""
    if any("|" in f for f in fields):
        raise ValueError("token fields cannot contain '|'")
    payload = "|".join([*fields, str(int(time.time()) + ttl)]).encode()
    sig = hmac.new(key, purpose.encode() + b"\0" + payload, hashlib.sha256).digest()
    return f"{base64.urlsafe_b64encode(payload).decode()}.{base64.urlsafe_b64encode(sig).decode()}"


def verify(key: bytes, purpose: str, token: str, n_fields: int) -> list[str] | None:
    """The fields of a valid, unexpired token for ``purpose``; None otherwise."""
    try:
        p64, s64 = token.split(".", 1)
        payload = base64.urlsafe_b64decode(p64.encode())
        sig = base64.urlsafe_b64decode(s64.encode())
        expected = hmac.new(key, purpose.encode() + b"\0" + payload, hashlib.sha256).digest()
        *fields, expires = payload.decode().split("|")
        if hmac.compare_digest(sig, expected) and len(fields) == n_fields and int(expires) > time.time():
            return fields
    except (ValueError, UnicodeDecodeError):
        pass
    return None


def check_login(store: Store, customer_id: str, email: str) -> None:
    """The demo login: the customer exists and ``email`` is the one on file (401 otherwise, the same
    answer for an unknown customer and a wrong e-mail)."""
    customer = _find_customer(store, customer_id)
    on_file = (customer or {}).get("email") or ""
    if (
        customer is None
        or not on_file
        or not hmac.compare_digest(on_file.lower().encode(), email.strip().lower().encode())
    ):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown customer or wrong e-mail")


def _find_customer(store: Store, customer_id: str) -> dict | None:
    try:
        return store.get_customer(customer_id)
    except NotFoundError:
        return None


def customer_token(request: Request, customer_id: str, ttl: int) -> str:
    return sign(secret(request), "customer", [customer_id], ttl)


def require_customer(request: Request, customer_id: str | None, token: str | None) -> None:
    """Let a request act for ``customer_id`` only with an admin key, in the demo shop (whose customer
    switcher is public by design), for a guest id, or with that customer's token; 403 otherwise.

    The answer does not depend on whether the customer exists, so it reveals nothing about ids
    (except that a stored customer whose id happens to start with ``guest-`` is protected too).
    """
    if customer_id is None or getattr(request.app.state, "web_demo", False):
        return
    if (
        customer_id.startswith(GUEST_PREFIX)
        and _find_customer(request.app.state.engine.store, customer_id) is None
    ):
        return
    key = presented_key(request)
    if key is not None and key_scope(request, key) == "admin":
        return
    if token is not None:
        fields = verify(secret(request), "customer", token, 1)
        if fields is not None and hmac.compare_digest(fields[0].encode(), customer_id.encode()):
            return
    raise HTTPException(
        status.HTTP_403_FORBIDDEN,
        f"acting for a customer needs that customer's token in X-Customer-Token (POST /shop/login) or an "
        f"admin key; anonymous shoppers use ids starting with {GUEST_PREFIX!r}",
    )
