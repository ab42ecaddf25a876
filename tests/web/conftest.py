"""Browser tests: headless Chromium from Debian's package (/usr/bin/chromium) driven by Playwright,
against a real server on a small demo shop (scale 0.1: 300 products, 500 customers) with a trained
item-kNN recommender. Skips with a reason only where /usr/bin/chromium is absent."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shopmind.api.app import create_app
from shopmind.artifacts import ArtifactStore
from shopmind.config import Settings
from shopmind.data.demo import load_demo_shop
from shopmind.data.store import Store
from shopmind.engine import Engine
from shopmind.recommend.train import train_and_publish
from shopmind.search.index import IndexConfig
from shopmind.search.service import SearchConfig, SearchService
from tests.conftest import LiveServer

CHROMIUM = os.environ.get("SHOPMIND_TEST_CHROMIUM", "/usr/bin/chromium")


@dataclass
class Shop:
    url: str
    app: object
    store: Store
    settings: Settings
    admin_key: str
    shop_key: str


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory, shop_nlu) -> Iterator[Shop]:
    """The demo shop served as `shopmind demo` serves it (web_demo on) by one engine; search
    lexical-only (fast); the assistant with the session's shop NLU (tests/conftest.py)."""
    tmp = tmp_path_factory.mktemp("web-shop")
    settings = Settings(var_dir=tmp / "var", artifacts_dir=tmp / "artifacts")  # clock: auto (the demo's)
    store = Store(f"sqlite:///{tmp / 'shop.db'}")
    load_demo_shop(store, seed=7, scale=0.1)
    train_and_publish(store, "itemknn", None, ArtifactStore(settings.artifacts_dir))
    admin_key = store.create_api_key("admin", "web test admin")
    shop_key = store.create_api_key("storefront", "web test shop")
    engine = Engine(settings, store)
    index = IndexConfig(dense=False)
    config = SearchConfig(index=index, mode="lexical", pins_path=str(tmp / "pins.json"))
    search = SearchService(store, config, recommender=engine.recommendations)
    search.sync(force=True)  # build the index and the suggester before the first page asks
    search.suggest("a")
    engine.provide(search=search)
    engine.artifacts.save_version("nlu", "shop", shop_nlu.save)  # the session's NLU, published
    app = create_app(engine, web_storefront_key=shop_key, web_demo=True)
    with LiveServer(app) as server:
        yield Shop(server.url, app, store, settings, admin_key, shop_key)
    store.dispose()


@pytest.fixture(scope="session")
def assistant(shop: Shop):
    """The real assistant on the test shop, as the engine assembles it; the clock is the demo shop's."""
    return shop.app.state.engine.assistant


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless; the tests skip (with the reason) only where it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium chromium-driver fonts-noto-cjk")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]' (playwright)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, shop: Shop) -> Iterator[object]:
    """A fresh browser context (empty storage) per test; any uncaught script error fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(30_000)  # generous: CI shares two cores
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"script errors in the page: {errors}"


def ids(page, selector: str) -> list[str]:
    """The product ids of the cards under ``selector``."""
    return page.locator(f"{selector} .card").evaluate_all("els => els.map(e => e.dataset.id)")
