"""/docs and /redoc render their operations in a browser that can reach nothing but ShopMind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.store import Store
from shopmind.engine import Engine
from tests.conftest import LiveServer

# ReDoc's sidebar credit image: the bundle hides it when it does not load (cosmetic, nothing else)
REDOC_CREDIT = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("docs-offline")
    store = Store(f"sqlite:///{tmp / 'shop.db'}")
    store.migrate()
    engine = Engine(Settings(var_dir=tmp / "var", artifacts_dir=tmp / "artifacts"), store)
    with LiveServer(create_app(engine)) as live:
        yield live.url
    store.dispose()


@pytest.fixture
def offline_page(browser, server: str) -> Iterator[tuple[object, list[str]]]:
    """A page whose requests to any host but the test server are aborted (and recorded)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    blocked: list[str] = []
    local = urlparse(server).netloc

    def route(r) -> None:
        if urlparse(r.request.url).netloc == local or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    yield page, blocked
    context.close()


def test_swagger_ui_renders_operations_offline(offline_page, server: str) -> None:
    page, blocked = offline_page
    page.goto(server + "/docs")
    page.wait_for_selector(".opblock-summary-path[data-path='/search']")
    assert page.locator(".opblock").count() > 20
    assert page.locator(".info .title").inner_text().startswith("ShopMind")
    assert not blocked, f"/docs tried to reach {blocked}"


def test_redoc_renders_operations_offline(offline_page, server: str) -> None:
    page, blocked = offline_page
    page.goto(server + "/redoc")
    page.wait_for_selector("h1:has-text('ShopMind')")
    page.wait_for_selector("[data-section-id^='operation/']", state="attached")
    assert page.locator("[data-section-id^='operation/']").count() > 20
    assert set(blocked) <= {REDOC_CREDIT}, f"/redoc tried to reach {blocked}"
