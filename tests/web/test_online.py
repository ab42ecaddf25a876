"""Online measurement in a real browser: the storefront's click and add to cart on a searched product
reach attribution with the search's impression id, and the console's Online page renders the metrics
and an experiment's charts with its verdict."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shopmind.api.app import create_app
from shopmind.artifacts import ArtifactStore
from shopmind.config import Settings
from shopmind.data.demo import load_demo_shop
from shopmind.data.store import Store
from shopmind.engine import Engine
from shopmind.online.impressions import impression
from shopmind.recommend.train import train_and_publish
from shopmind.search.index import IndexConfig
from shopmind.search.service import SearchConfig, SearchService
from tests.conftest import LiveServer
from tests.web.conftest import Shop
from tests.web.test_admin import sign_in
from tests.web.test_storefront import open_shop


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """A small demo shop (scale 0.05) served as `shopmind demo` serves it, without the assistant's NLU
    (these pages do not chat): item-kNN recommendations, lexical search."""
    tmp = tmp_path_factory.mktemp("web-online")
    settings = Settings(var_dir=tmp / "var", artifacts_dir=tmp / "artifacts")
    store = Store(f"sqlite:///{tmp / 'shop.db'}")
    load_demo_shop(store, seed=7, scale=0.05)
    train_and_publish(store, "itemknn", None, ArtifactStore(settings.artifacts_dir))
    admin_key = store.create_api_key("admin", "web test admin")
    shop_key = store.create_api_key("storefront", "web test shop")
    engine = Engine(settings, store)
    config = SearchConfig(index=IndexConfig(dense=False), mode="lexical", pins_path=str(tmp / "pins.json"))
    search = SearchService(store, config, recommender=engine.recommendations)
    search.sync(force=True)
    engine.provide(search=search)
    app = create_app(engine, web_storefront_key=shop_key, web_demo=True)
    with LiveServer(app) as server:
        yield Shop(server.url, app, store, settings, admin_key, shop_key)
    store.dispose()


def attributed(shop: Shop, unit: str, pid: str, wanted: set[str]) -> list[dict]:
    online = shop.app.state.engine.online
    for _ in range(50):
        online.attribute()
        rows = [r for r in shop.store.frame("attributions", where={"product_id": pid}).to_dict("records")
                if r["unit"] == unit]  # fmt: skip
        if wanted <= {r["type"] for r in rows}:
            return rows
        time.sleep(0.1)
    raise AssertionError(f"no {wanted} attributed for {unit} on {pid}: {rows}")


def test_storefront_clicks_reach_attribution(page, shop: Shop) -> None:
    open_shop(page, shop)
    page.fill("#q", "dress")
    page.press("#q", "Enter")
    page.wait_for_selector("#result-count")
    first = page.locator("#view .grid .card").first
    pid = first.get_attribute("data-id")
    first.click()
    page.wait_for_selector(f"article.product[data-id='{pid}']")
    page.click("#add-to-cart")
    page.wait_for_selector("#cart-count:has-text('1')")
    customer = page.evaluate("localStorage.getItem('shopmind.customer')")
    rows = attributed(shop, f"c:{customer}", pid, {"click", "add_to_cart"})
    assert {r["how"] for r in rows} == {"id"} and {r["surface"] for r in rows} == {"search"}
    shown = shop.store.impressions_by_ids([rows[0]["impression_id"]])[rows[0]["impression_id"]]
    assert shown["products"][rows[0]["position"] - 1] == pid


def test_the_console_experiment_page_renders_its_charts(page, shop: Shop) -> None:
    online = shop.app.state.engine.online
    for x in online.experiments():
        online.stop(x["experiment_id"])
    arms = [
        {"name": "hybrid", "share": 0.5},
        {"name": "lexical", "share": 0.5, "settings": {"mode": "lexical"}},
    ]
    yesterday = datetime.now(UTC) - timedelta(days=1)
    x = online.define("Lexical search", "search", arms, start_at=yesterday)
    earlier = [impression("search", ["P00001"], session_id=f"old-{i}", query="dress", results=1,
                          experiment_id=x["experiment_id"], arm=arms[i % 2]["name"]) | {"at": yesterday}
               for i in range(10)]  # fmt: skip
    shop.store.log_impressions(earlier)  # a day before: the charts draw a line per arm over two days
    with httpx.Client(base_url=shop.url, headers={"X-API-Key": shop.shop_key}) as client:
        for i in range(20):
            answer = client.get("/search", params={"q": "dress", "session_id": f"web-{i}"}).json()
            if i % 3 == 0 and answer["products"]:
                body = {"type": "click", "product_id": answer["products"][0]["product_id"],
                        "session_id": f"web-{i}", "impression_id": answer["impression_id"]}  # fmt: skip
                assert client.post("/shop/events", json=body).status_code == 200
    online.flush()
    sign_in(page, shop)
    page.goto(shop.url + "/admin#online")
    page.wait_for_selector("body[data-ready='online']")
    box = page.locator(f"[data-experiment='{x['experiment_id']}']")
    box.wait_for()
    assert box.locator("svg").count() == 2  # conversion and click-through per arm over time
    assert box.locator("path.series").count() >= 2  # a line per arm
    assert box.locator(".verdict[lang='en']").inner_text() and box.locator(".verdict[lang='zh']").inner_text()
    assert page.locator("#online-metrics svg").count() >= 1
    assert page.locator("#search-analytics table").count() == 3
    online.stop(x["experiment_id"])
