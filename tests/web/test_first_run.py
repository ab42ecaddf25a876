"""The first run as `shopmind demo` does it: the storefront serves at once with the fallbacks while the
recommender trains in the background (the server's embedded worker), the console's overview shows the
training, and the storefront switches to the model by itself once it is published."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.demo import load_demo_shop
from shopmind.data.store import Store
from shopmind.engine import Engine
from tests.conftest import LiveServer


@pytest.fixture
def fresh_shop(tmp_path: Path) -> Iterator[tuple[str, Engine, str]]:
    """A small demo shop with no model published, served with the embedded worker on."""
    settings = Settings(  # search stays lexical (no sentence vectors encoded here)
        var_dir=tmp_path / "var", artifacts_dir=tmp_path / "artifacts", search_backfill_encode=False
    )
    store = Store(f"sqlite:///{tmp_path / 'shop.db'}")
    load_demo_shop(store, seed=5, scale=0.05)
    admin_key = store.create_api_key("admin", "first run admin")
    shop_key = store.create_api_key("storefront", "first run shop")
    engine = Engine(settings, store)
    app = create_app(engine, web_storefront_key=shop_key, web_demo=True)
    with LiveServer(app) as server:
        yield server.url, engine, admin_key
    store.dispose()


def test_the_storefront_works_before_and_after_the_model_is_published(page, fresh_shop) -> None:
    url, engine, admin_key = fresh_shop
    # the training the demo queues, run by the server's embedded worker (held while the pages look)
    release = threading.Event()
    engine.jobs.register("test:hold", lambda job: release.wait(60) and None)
    engine.jobs.submit("test:hold", "hold the worker")
    job = engine.models.train("rec", "itemknn")
    try:
        # before: nothing published; the storefront serves trending for a known customer too, and says
        # that recommendations are still training
        page.goto(url + "/")
        page.wait_for_selector("body[data-ready='1']")
        page.wait_for_selector("#training:has-text('recommendations')")
        customer = page.locator("#customer option").nth(1).get_attribute("value")  # the switcher's first
        page.select_option("#customer", customer)
        page.wait_for_selector("#for-you[data-source='trending'] .card")
        console = page.context.new_page()
        console.goto(url + "/admin")
        console.fill("#admin-key", admin_key)
        console.keyboard.press("Enter")
        console.wait_for_selector(f"#serving :text('training queued (job {job.job_id})')")
    finally:
        release.set()
    assert engine.jobs.wait(job, 180).status == "done", job.error
    # after: the same open page switches to the published model by itself (no reload)
    page.wait_for_selector("#for-you[data-source='itemknn'] .card", timeout=60_000)
    assert page.locator("#training").is_hidden()
    page.fill("#q", "dress")
    page.press("#q", "Enter")
    page.wait_for_selector("#result-count")
    console.reload()  # the console keeps its key for the session
    console.wait_for_selector("#serving :text('itemknn-')")  # the overview names the published version
