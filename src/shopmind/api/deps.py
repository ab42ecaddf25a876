"""Request dependencies: the engine's services, and API-key authentication with scopes.

Routers take what they need as ``Annotated`` parameters — ``store: StoreDep``,
``service: SearchDep`` … — each resolved from the one :class:`~shopmind.engine.Engine` the app was
built with, so every request of a process uses the same service instances.

Keys travel in the ``X-API-Key`` header (or ``Authorization: Bearer <key>``). An admin key may
do everything; a storefront key may read the catalog and knowledge documents.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader, HTTPBearer
from starlette.concurrency import run_in_threadpool

from shopmind.api.keycache import KeyGrants, is_missing
from shopmind.assistant.service import AssistantService
from shopmind.config import Settings
from shopmind.data.store import Store
from shopmind.engine import Engine
from shopmind.lifecycle import ModelService
from shopmind.marketing.service import MarketingService
from shopmind.recommend.service import RecommendationService
from shopmind.search.service import SearchService
from shopmind.synth.service import SynthService

SCOPE_RANK = {"storefront": 1, "admin": 2}
# The two ways to send a key, declared so that the OpenAPI document names them (``securitySchemes``);
# reading the key stays with presented_key, which accepts either.
API_KEY_HEADER = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An admin or storefront key (`shopmind keys create`)"
)
BEARER = HTTPBearer(auto_error=False, description="The same key as `Authorization: Bearer <key>`")


# Dependencies that do not block are coroutines: FastAPI runs a plain function in a worker thread,
# and under load that hop cost more than the work.
async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


async def get_store(request: Request) -> Store:
    return request.app.state.engine.store


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.engine.settings


EngineDep = Annotated[Engine, Depends(get_engine)]
StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def _service(name: str) -> Callable[[Request], Any]:
    """A dependency returning the engine's service ``name`` (``request`` annotated, so FastAPI passes it)."""

    async def service(request: Request) -> Any:
        return getattr(request.app.state.engine, name)

    return service


SearchDep = Annotated[SearchService, Depends(_service("search"))]
RecommendDep = Annotated[RecommendationService, Depends(_service("recommendations"))]
AssistantDep = Annotated[AssistantService, Depends(_service("assistant"))]
MarketingDep = Annotated[MarketingService, Depends(_service("marketing"))]
SynthDep = Annotated[SynthService, Depends(_service("synth"))]
ModelsDep = Annotated[ModelService, Depends(_service("models"))]


def presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


def key_grants(request: Request) -> KeyGrants:
    """The app's cache of what stored keys grant (:mod:`shopmind.api.keycache`)."""
    return request.app.state.key_grants


def _configured_scope(settings: Settings, key: str) -> str | None:
    for scope, configured in (("admin", settings.admin_api_key), ("storefront", settings.storefront_api_key)):
        if configured and hmac.compare_digest(configured.encode(), key.encode()):
            return scope
    return None


def _granted(request: Request, grant) -> str | None:
    """Keep a stored key's id and origins on the request; its scope (None: the key grants nothing)."""
    if grant is None:
        return None
    request.state.api_key_id = grant.key_id
    request.state.api_key_origins = grant.origins
    return grant.scope


def key_scope(request: Request, key: str) -> str | None:
    """The scope a key grants: configured keys first (compared in constant time), then stored keys
    (unknown, revoked and expired ones grant nothing), remembered for ``key_cache_seconds``. A stored
    key's id is kept in ``request.state.api_key_id`` (None for a configured key)."""
    request.state.api_key_id = None
    request.state.api_key_origins = ()  # the origins a browser may call from with it (api/cors.py)
    configured = _configured_scope(request.app.state.engine.settings, key)
    if configured is not None:
        return configured
    return _granted(request, key_grants(request).get(key))


async def key_scope_async(request: Request, key: str) -> str | None:
    """:func:`key_scope` on the event loop: a remembered grant answers at once, a lookup in the store
    runs in a worker thread."""
    request.state.api_key_id = None
    request.state.api_key_origins = ()
    configured = _configured_scope(request.app.state.engine.settings, key)
    if configured is not None:
        return configured
    grants = key_grants(request)
    hit = grants.cached(key)
    if is_missing(hit):
        hit = await run_in_threadpool(grants.get, key)
    return _granted(request, hit)


def presented_scope(request: Request) -> str | None:
    """The scope of the key sent with the request, or None without a key or with one that grants nothing."""
    key = presented_key(request)
    return key_scope(request, key) if key else None


OptionalScopeDep = Annotated[str | None, Depends(presented_scope)]


def require(scope: str) -> Callable[[Request], str]:
    """A dependency that lets the request through only with a key of ``scope`` or above."""

    async def check(
        request: Request,
        _header: Annotated[str | None, Security(API_KEY_HEADER)] = None,
        _bearer: Annotated[Any, Security(BEARER)] = None,
    ) -> str:
        key = presented_key(request)
        if not key:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "an API key is required: send it in the X-API-Key header",
                headers={"WWW-Authenticate": "Bearer"},
            )
        granted = await key_scope_async(request, key)
        if granted is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "unknown API key (or one that was revoked or has expired)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if SCOPE_RANK[granted] < SCOPE_RANK[scope]:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"this needs an {scope} key; yours is a {granted} key"
            )
        request.state.scope = granted  # rate limits (api/abuse.py) spare admin keys
        return granted

    return check


storefront = Depends(require("storefront"))
admin = Depends(require("admin"))
