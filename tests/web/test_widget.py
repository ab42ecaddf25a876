"""The embeddable widget (/web/widget.js) in headless Chromium, on a page served from ANOTHER origin
(a second HTTP server on another port): search with suggestions → results → click → add to cart, the
events reaching ShopMind's store under the widget's guest id; the recommendations carousel; the chat
bubble answering a guest. A key that does not name the page's origin gets nothing (CORS)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from shopmind.api import cors
from shopmind.data import tables as T
from tests.web.conftest import Shop

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Another shop</title>
<style>.card {{ border: 5px solid red }}</style></head>
<body><h1>Another shop</h1>
<div data-shopmind="search"></div>
<div data-shopmind="recommendations" data-title="Popular now"></div>
<div class="card" id="host-card">the host page's own .card</div>
<script src="{api}/web/widget.js" data-key="{key}" data-api="{api}" data-chat="true"></script>
</body></html>"""


class HostPage:
    """A plain HTTP server on its own port: another origin than ShopMind's; ``/?key=…`` embeds the widget."""

    def __init__(self, api: str) -> None:
        api_url = api

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server hook's name
                key = parse_qs(urlsplit(self.path).query).get("key", [""])[0]
                body = PAGE.format(api=escape(api_url), key=escape(key)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def host(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> Iterator[HostPage]:
    monkeypatch.setattr(cors, "CACHE_SECONDS", 0.0)  # preflights see the key the test just created
    page = HostPage(shop.url)
    assert page.url != shop.url
    yield page
    page.close()


def events_of(shop: Shop, customer_id: str) -> list[tuple[str, str | None]]:
    e = T.events
    with shop.store.engine.connect() as conn:
        rows = conn.execute(sa.select(e.c.type, e.c.product_id).where(e.c.customer_id == customer_id)).all()
    return [(r[0], r[1]) for r in rows]


def wait_for_events(shop: Shop, customer_id: str, wanted: set[tuple[str, str]]) -> list:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        got = events_of(shop, customer_id)
        if wanted <= set(got):
            return got
        time.sleep(0.1)
    raise AssertionError(f"events {wanted} not in the store; found {events_of(shop, customer_id)}")


def test_widget_on_another_origin_searches_tracks_recommends_and_chats(
    page, shop: Shop, host: HostPage
) -> None:
    key = shop.store.issue_api_key("storefront", "widget test", origins=[host.url])["key"]
    page.goto(f"{host.url}/?key={key}")
    # the carousel: trending for a new visitor
    page.wait_for_selector("[data-shopmind='recommendations'][data-state='done'] .smw-card")
    assert page.get_attribute("[data-shopmind='recommendations']", "data-source") == "trending"
    # the host page's own .card keeps its style; the widget's cards are not touched by it
    assert page.eval_on_selector(".smw-card", "e => getComputedStyle(e).borderTopWidth") == "1px"
    guest = page.evaluate("window.ShopMind.guestId")
    assert guest.startswith("guest-")

    page.type(".smw-input", "dres", delay=30)
    option = page.locator(".smw-suggest .smw-option").first  # debounced suggestions
    option.wait_for()
    assert "dress" in option.inner_text().lower()
    option.click()  # searches for the suggestion
    page.wait_for_selector(".smw-results[data-state='done'] .smw-card")
    first = page.locator(".smw-results .smw-card").first
    product_id = first.get_attribute("data-product-id")
    first.locator(".smw-title").click()
    first.locator(".smw-add").click()
    page.wait_for_selector(".smw-results .smw-card .smw-add:has-text('Added')")
    # the host page's own hook: ShopMind.track
    page.evaluate("id => window.ShopMind.track('view', id)", product_id)
    got = wait_for_events(
        shop, guest, {("click", product_id), ("add_to_cart", product_id), ("view", product_id)}
    )
    assert all(t in {"click", "add_to_cart", "view", "search"} for t, _ in got)

    # the chat bubble: a guest's conversation, answered
    page.click(".smw-chat-open")
    page.fill(".smw-chat-input", "How do I return an item?")
    page.press(".smw-chat-input", "Enter")
    page.wait_for_selector(".smw-chat-log .smw-assistant:not(.smw-typing)", timeout=90_000)
    reply = page.locator(".smw-chat-log .smw-assistant").last
    assert "smw-error" not in (reply.get_attribute("class") or ""), reply.inner_text()
    assert len(reply.inner_text()) > 10

    # a known visitor (events sent) gets the recommender's list for their guest id on the next page
    page.reload()
    page.wait_for_selector("[data-shopmind='recommendations'][data-state='done'] .smw-card")
    assert page.get_attribute("[data-shopmind='recommendations']", "data-source") != "trending"


def test_a_key_without_the_page_origin_gets_nothing(page, shop: Shop, host: HostPage) -> None:
    key = shop.store.create_api_key("storefront", "no origin")  # origins not set: not for a browser
    page.goto(f"{host.url}/?key={key}")
    page.wait_for_selector("[data-shopmind='recommendations'][data-state='error']")
    assert page.locator(".smw-card").count() == 0
