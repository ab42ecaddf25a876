"""Interactive API docs (Swagger UI at /docs, ReDoc at /redoc) served with no network.

FastAPI's default pages load their JavaScript and CSS from a CDN, so they stay blank on a machine
without internet. Here the pages point at copies shipped by the ``fastapi-offline`` package
(Swagger UI bundle + CSS, ReDoc standalone bundle), mounted under :data:`ASSETS_URL`.

Each JSON success answer in the document carries an example: a real answer of the demo shop,
captured by ``bench/capture_api_examples.py`` into :data:`EXAMPLES` and added by :func:`add_examples`."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/docs-assets"
DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
# the validator badge would call an outside service with the spec's address
SWAGGER_PARAMETERS = {"validatorUrl": None, "deepLinking": True}
EXAMPLES = "examples.json"  # {"METHOD /path": {"status": 200, "example": ...}}, beside this module


@cache
def examples() -> dict[str, dict[str, Any]]:
    """The captured answers, by ``"METHOD /path"`` (empty when the file is missing)."""
    source = files("shopmind.api") / EXAMPLES
    return json.loads(source.read_text(encoding="utf-8")) if source.is_file() else {}


def merge_examples(document: dict[str, Any], captured: dict[str, dict[str, Any]]) -> None:
    """Set each captured answer as the ``example`` of its operation's JSON response, in place."""
    for name, entry in captured.items():
        method, path = name.split(" ", 1)
        operation = document.get("paths", {}).get(path, {}).get(method.lower())
        response = (operation or {}).get("responses", {}).get(str(entry["status"]), {})
        media = response.get("content", {}).get("application/json")
        if media is not None:
            media["example"] = entry["example"]


def add_examples(app: FastAPI) -> None:
    """Make ``app.openapi()`` build FastAPI's document once and add the captured examples to it."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            merge_examples(build(), examples())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def assets_dir() -> Path:
    """The folder holding ``swagger-ui-bundle.js``, ``swagger-ui.css``, ``redoc.standalone.js``."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


def install(app: FastAPI) -> None:
    """Add /docs, /docs/oauth2-redirect, /redoc and the asset mount to ``app`` (built with
    ``docs_url=None, redoc_url=None``) and the examples to its OpenAPI document."""
    add_examples(app)
    app.mount(ASSETS_URL, StaticFiles(directory=assets_dir()), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} — API",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT_URL}",
            swagger_ui_parameters=SWAGGER_PARAMETERS,
        )

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    def swagger_oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC_URL, include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} — API reference",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
