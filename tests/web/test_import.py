"""The console's Import and Keys pages in a real browser, against a real server on an empty shop:
a 20-row Shopify export imports with zero mapping and is found by search within 10 s; a file of
one's own gets its columns guessed, the mapping changed, and its rejects shown and downloaded;
keys are created (shown once) and revoked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.store import Store
from shopmind.engine import Engine
from shopmind.search.index import IndexConfig
from shopmind.search.service import SearchConfig, SearchService
from tests.conftest import LiveServer

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@dataclass
class EmptyShop:
    url: str
    store: Store
    admin_key: str
    shop_key: str


@pytest.fixture(scope="module")
def empty_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmptyShop]:
    """A new shop with no data, served with lexical search that follows the store's changes."""
    tmp = tmp_path_factory.mktemp("import-shop")
    settings = Settings(var_dir=tmp / "var", artifacts_dir=tmp / "artifacts")
    store = Store(f"sqlite:///{tmp / 'shop.db'}")
    store.migrate()
    admin_key = store.create_api_key("admin", "import test admin")
    shop_key = store.create_api_key("storefront", "import test shop")
    engine = Engine(settings, store)
    config = SearchConfig(index=IndexConfig(dense=False), mode="lexical", pins_path=str(tmp / "pins.json"))
    engine.provide(search=SearchService(store, config, recommender=engine.recommendations))
    with LiveServer(create_app(engine, web_storefront_key=shop_key)) as server:
        yield EmptyShop(server.url, store, admin_key, shop_key)
    store.dispose()


@pytest.fixture
def console(browser, empty_shop: EmptyShop) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(empty_shop.url + "/admin")
    page.fill("#admin-key", empty_shop.admin_key)
    page.click("#login button")
    page.wait_for_selector("body[data-ready='overview']")
    yield page
    context.close()
    assert not errors, f"script errors in the page: {errors}"


def open_section(page, section: str) -> None:
    page.click(f"#tabs a[data-tab='{section}']")
    page.wait_for_selector(f"body[data-ready='{section}']")


def search_ids(shop: EmptyShop, q: str) -> list[str]:
    resp = httpx.get(f"{shop.url}/search", params={"q": q}, headers={"X-API-Key": shop.shop_key}, timeout=10)
    assert resp.status_code == 200, resp.text
    return [hit["product_id"] for hit in resp.json()["products"]]


def test_a_shopify_export_imports_with_zero_mapping_and_is_searchable_within_10_s(
    console, empty_shop: EmptyShop
) -> None:
    page = console
    open_section(page, "import")
    page.select_option("#import-kind", "products")
    page.set_input_files("#import-file", str(EXAMPLES / "shopify_products.csv"))
    page.click("#import-upload")
    page.wait_for_selector("#import-recognised:has-text('Shopify product export')")
    assert page.locator("#import-mapping").count() == 0  # nothing to map
    assert "Alder Oak Desk Lamp" in page.locator("#import-rows").inner_text()
    page.click("#import-run")
    started = time.monotonic()
    result = page.wait_for_selector("#import-result")
    assert result.get_attribute("data-written") == "15" and result.get_attribute("data-rejected") == "0"
    found: list[str] = []
    while time.monotonic() - started < 10 and "ember-scented-candle" not in found:
        found = search_ids(empty_shop, "scented candle")
        time.sleep(0.2)
    assert "ember-scented-candle" in found, f"not searchable 10 s after the import: {found}"


def test_guessed_columns_can_be_changed_and_rejects_downloaded(console, tmp_path: Path) -> None:
    page = console
    mine = tmp_path / "my-catalog.csv"
    mine.write_text(
        "SKU,Name,Cost,Label\nM1,Mango chutney,4.5,x\nM2,,3,y\nM3,Mint tea,-2,z\n", encoding="utf-8"
    )
    open_section(page, "import")
    page.set_input_files("#import-file", str(mine))
    page.click("#import-upload")
    page.wait_for_selector("#import-mapping")
    assert page.input_value("#map-product_id") == "SKU" and page.input_value("#map-title") == "Name"
    assert page.input_value("#map-price") == ""  # "Cost" is not a usual name for a price
    page.select_option("#map-price", "Cost")
    page.wait_for_selector("#import-rows td:has-text('4.5')")
    page.click("#import-run")
    result = page.wait_for_selector("#import-result")
    assert result.get_attribute("data-written") == "1" and result.get_attribute("data-rejected") == "2"
    rejects = page.locator("#import-rejects").inner_text()
    assert "title" in rejects and "price" in rejects
    with page.expect_download() as download:
        page.click("#import-rejects-download")
    assert "Mint tea" in Path(download.value.path()).read_text(encoding="utf-8")


def test_keys_are_listed_created_once_and_revoked(console, empty_shop: EmptyShop) -> None:
    page = console
    open_section(page, "keys")
    assert page.locator("#keys tbody tr").count() >= 2  # the fixture's two keys
    page.select_option("#key-scope", "storefront")
    page.fill("#key-name", "partner site")
    page.fill("#key-days", "30")
    page.click("#key-create button[type=submit]")
    key = page.wait_for_selector("#new-key-value").inner_text()
    assert httpx.get(f"{empty_shop.url}/products", headers={"X-API-Key": key}).status_code == 200
    row = page.locator("#keys tbody tr", has_text="partner site")
    assert "storefront" in row.inner_text() and "never" in row.inner_text()  # never used yet
    assert key not in page.locator("#key-list").inner_text()  # the list never shows a key
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button.revoke").click()
    page.wait_for_selector("#keys tr.key-revoked:has-text('partner site')")
    assert httpx.get(f"{empty_shop.url}/products", headers={"X-API-Key": key}).status_code == 401
