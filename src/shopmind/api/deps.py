"""Request dependencies: the store, and API-key authentication with scopes.

Keys travel in the ``X-API-Key`` header (or ``Authorization: Bearer <key>``). An admin key may
do everything; a storefront key may read the catalog and knowledge documents.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from fastapi import Depends, HTTPException, Request, status

from shopmind.config import Settings
from shopmind.data.store import Store

SCOPE_RANK = {"storefront": 1, "admin": 2}


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


def key_scope(request: Request, key: str) -> str | None:
    """The scope a key grants: configured keys first (compared in constant time), then stored keys."""
    settings: Settings = request.app.state.settings
    for scope, configured in (("admin", settings.admin_api_key), ("storefront", settings.storefront_api_key)):
        if configured and hmac.compare_digest(configured.encode(), key.encode()):
            return scope
    return request.app.state.store.api_key_scope(key)


def require(scope: str) -> Callable[[Request], str]:
    """A dependency that lets the request through only with a key of ``scope`` or above."""

    def check(request: Request) -> str:
        key = presented_key(request)
        if not key:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "an API key is required: send it in the X-API-Key header",
                headers={"WWW-Authenticate": "Bearer"},
            )
        granted = key_scope(request, key)
        if granted is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "unknown API key", headers={"WWW-Authenticate": "Bearer"}
            )
        if SCOPE_RANK[granted] < SCOPE_RANK[scope]:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"this needs an {scope} key; yours is a {granted} key"
            )
        return granted

    return check


storefront = Depends(require("storefront"))
admin = Depends(require("admin"))
