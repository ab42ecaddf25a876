"""The FastAPI application factory: thin routers over one engine's services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from shopmind import __version__
from shopmind.api import docs, errors, schemas
from shopmind.api.cors import KeyCors
from shopmind.api.keycache import KeyGrants
from shopmind.api.limits import BodyLimit
from shopmind.api.routers import (
    admin,
    agents,
    catalog,
    chat,
    console,
    customers,
    health,
    imports,
    keys,
    marketing,
    online,
    orders,
    pins,
    recommend,
    search,
    shop,
    suggestions,
    synth,
)
from shopmind.engine import Engine

WEB_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
ROUTERS = (
    health,
    catalog,
    customers,
    orders,
    recommend,
    search,
    admin,
    imports,
    keys,
    console,
    pins,
    suggestions,
    shop,
    chat,
    agents,
    marketing,
    synth,
    online,
)


def create_app(
    engine: Engine,
    *,
    web_storefront_key: str | None = None,
    web_demo: bool = False,
    close_engine: bool = True,
) -> FastAPI:
    """The app over ``engine`` (closed when the app shuts down unless ``close_engine`` is False).

    ``web_storefront_key`` is handed to the bundled web UI (a storefront key is public); ``web_demo``
    turns on the storefront's demo customer switcher (customers and orders by storefront key) and is
    refused (:class:`~shopmind.data.demo.NotADemoShopError`) on a database holding data that the demo
    generator did not write."""
    if web_demo:
        from shopmind.data.demo import check_demo_database

        check_demo_database(engine.store)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        engine.start()  # background work: the followers of the store's changes, the embedded job worker
        # requests run in at most this many threads: more only contend for the one interpreter lock
        anyio.to_thread.current_default_thread_limiter().total_tokens = engine.settings.request_threads
        yield
        if close_engine:
            engine.close()

    app = FastAPI(
        title="ShopMind",
        version=__version__,
        description="Self-hosted AI engine for online shops. Send your key in the `X-API-Key` header.",
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc come from api/docs.py with assets served locally
        redoc_url=None,
        # any route may find the database unreachable, or get a body over the bound (api/limits.py)
        responses={**errors.UNAVAILABLE_RESPONSE, **schemas.errors(413)},
    )
    app.state.engine = engine
    app.state.web_demo = web_demo
    app.state.key_grants = KeyGrants(engine.store.api_key_grant, engine.settings.key_cache_seconds)
    errors.install(app)
    app.add_middleware(BodyLimit, max_bytes=engine.settings.max_body_bytes)
    # outermost: preflights are answered before anything else, and every answer gets its CORS headers
    app.add_middleware(KeyCors, key_origins=engine.store.key_origins, configured=engine.settings.cors_origins)
    for module in ROUTERS:
        app.include_router(module.router)
    app.include_router(shop.pages)
    docs.install(app)

    @app.get("/web/config.json", include_in_schema=False)
    def web_config() -> JSONResponse:
        key = web_storefront_key or engine.settings.storefront_api_key
        return JSONResponse({"storefront_key": key, "demo": web_demo, "chat": True})

    app.mount("/web", StaticFiles(directory=WEB_DIR, html=True), name="web")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/web/")

    return app


def app_from_settings() -> FastAPI:
    """The app over an engine built from the ``SHOPMIND_*`` settings, loaded before it answers: what
    each process of ``shopmind serve --workers N`` runs (uvicorn calls it once per process)."""
    from shopmind.config import get_settings

    engine = Engine(get_settings())
    engine.start(wait=True, assistant=True)
    return create_app(engine)
