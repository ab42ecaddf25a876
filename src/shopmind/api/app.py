"""The FastAPI application factory: thin routers over the store and the services."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from shopmind import __version__
from shopmind.api import errors
from shopmind.api.routers import admin, catalog, customers, health, orders, recommend, search
from shopmind.config import Settings, get_settings
from shopmind.data.store import Store

WEB_DIR = Path(__file__).resolve().parent.parent / "web" / "static"


def create_app(
    settings: Settings | None = None, store: Store | None = None, web_storefront_key: str | None = None
) -> FastAPI:
    """Build the app. ``web_storefront_key`` is handed to the bundled web UI (a storefront key is public)."""
    settings = settings or get_settings()
    store = store or Store(settings.resolved_database_url)
    app = FastAPI(
        title="ShopMind",
        version=__version__,
        description="Self-hosted AI engine for online shops. Send your key in the `X-API-Key` header.",
    )
    app.state.settings = settings
    app.state.store = store
    errors.install(app)
    for module in (health, catalog, customers, orders, recommend, search, admin):
        app.include_router(module.router)

    @app.get("/web/config.json", include_in_schema=False)
    def web_config() -> JSONResponse:
        return JSONResponse({"storefront_key": web_storefront_key or settings.storefront_api_key})

    app.mount("/web", StaticFiles(directory=WEB_DIR, html=True), name="web")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/web/")

    return app
