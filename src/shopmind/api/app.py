"""The FastAPI application factory: thin routers over the store and the services."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from shopmind import __version__
from shopmind.api import errors
from shopmind.api.routers import (
    admin,
    catalog,
    chat,  # customer-service assistant + admin conversations
    console,  # admin console: activity, rejects, models, retraining jobs
    customers,
    health,
    marketing,  # issue 6: profiles, RFM, CLV, segments, campaigns (admin)
    orders,
    recommend,
    search,
    shop,  # web storefront: browser events, categories, demo customers and orders
    synth,  # issue 7: GAN synthetic data (admin)
)
from shopmind.config import Settings, get_settings
from shopmind.data.store import Store

WEB_DIR = Path(__file__).resolve().parent.parent / "web" / "static"


def create_app(
    settings: Settings | None = None,
    store: Store | None = None,
    web_storefront_key: str | None = None,
    web_demo: bool = False,
) -> FastAPI:
    """Build the app. ``web_storefront_key`` is handed to the bundled web UI (a storefront key is public);
    ``web_demo`` turns on the storefront's demo customer switcher (customers and orders by storefront key)."""
    settings = settings or get_settings()
    store = store or Store(settings.resolved_database_url)
    app = FastAPI(
        title="ShopMind",
        version=__version__,
        description="Self-hosted AI engine for online shops. Send your key in the `X-API-Key` header.",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.web_demo = web_demo
    errors.install(app)
    for module in (health, catalog, customers, orders, recommend, search, admin):
        app.include_router(module.router)
    for module in (console, shop):
        app.include_router(module.router)
    app.include_router(shop.pages)
    app.include_router(chat.router)
    app.include_router(marketing.router)
    app.include_router(synth.router)

    @app.get("/web/config.json", include_in_schema=False)
    def web_config() -> JSONResponse:
        key = web_storefront_key or settings.storefront_api_key
        chat = "/chat" in app.openapi()["paths"]  # the web UI shows what this server has (cached schema)
        return JSONResponse({"storefront_key": key, "demo": web_demo, "chat": chat})

    app.mount("/web", StaticFiles(directory=WEB_DIR, html=True), name="web")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/web/")

    return app
