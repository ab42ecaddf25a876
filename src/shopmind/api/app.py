"""The FastAPI application factory: thin routers over one engine's services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from shopmind import __version__
from shopmind.api import errors
from shopmind.api.routers import (
    admin,
    catalog,
    chat,
    console,
    customers,
    health,
    marketing,
    orders,
    recommend,
    search,
    shop,
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
    console,
    shop,
    chat,
    marketing,
    synth,
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
    turns on the storefront's demo customer switcher (customers and orders by storefront key)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if close_engine:
            engine.close()

    app = FastAPI(
        title="ShopMind",
        version=__version__,
        description="Self-hosted AI engine for online shops. Send your key in the `X-API-Key` header.",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.web_demo = web_demo
    errors.install(app)
    for module in ROUTERS:
        app.include_router(module.router)
    app.include_router(shop.pages)

    @app.get("/web/config.json", include_in_schema=False)
    def web_config() -> JSONResponse:
        key = web_storefront_key or engine.settings.storefront_api_key
        return JSONResponse({"storefront_key": key, "demo": web_demo, "chat": True})

    app.mount("/web", StaticFiles(directory=WEB_DIR, html=True), name="web")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/web/")

    return app
