"""Request bodies over SHOPMIND_MAX_BODY_BYTES get 413 in the error shape, with or without a length."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import httpx
import pytest

from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.store import Store
from shopmind.engine import Engine
from tests.api.test_api import assert_error, product
from tests.conftest import LiveServer

LIMIT = 4096


@pytest.fixture
def api(sqlite_store: Store) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    admin_key = sqlite_store.create_api_key("admin", "test admin")
    app = create_app(Engine(Settings(max_body_bytes=LIMIT), sqlite_store))
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        yield client, {"X-API-Key": admin_key}


def batch(n: int) -> bytes:
    return json.dumps([product(f"P{i}", description="x" * 100) for i in range(n)]).encode()


def test_a_body_over_the_bound_is_refused_by_its_length(api) -> None:
    client, admin = api
    body = batch(60)
    assert len(body) > LIMIT
    resp = client.post("/products", content=body, headers=admin | {"Content-Type": "application/json"})
    assert_error(resp, 413, "too_large", f"at most {LIMIT:,}")
    assert resp.json()["error"]["details"] == {"max_bytes": LIMIT}
    assert client.get("/products", headers=admin).json()["total"] == 0


def test_a_streamed_body_without_a_length_is_cut_off_at_the_bound(api) -> None:
    client, admin = api
    body = batch(60)

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for i in range(0, len(body), 512):
            yield body[i : i + 512]

    resp = client.post("/products", content=chunks(), headers=admin | {"Content-Type": "application/json"})
    assert_error(resp, 413, "too_large", f"{LIMIT:,}")
    assert client.get("/products", headers=admin).json()["total"] == 0


def test_a_body_within_the_bound_is_written_and_413_is_documented(api) -> None:
    client, admin = api
    body = batch(5)
    assert len(body) < LIMIT
    resp = client.post("/products", content=body, headers=admin | {"Content-Type": "application/json"})
    assert resp.status_code == 200 and resp.json()["written"] == 5
    paths = client.get("/openapi.json").json()["paths"]
    assert all("413" in op["responses"] for ops in paths.values() for op in ops.values())


def test_a_url_too_long_to_parse_gets_the_error_shape_and_shorter_ones_the_field_limit(api) -> None:
    """A 100 kB search query never reaches the app (the HTTP parser refuses the request line): the answer is
    still the API's JSON error, naming the query's limit; a 20 kB one gets the usual 422 on ``q``."""
    client, admin = api
    long = client.get("/search", params={"q": "a" * 20_000}, headers=admin)
    assert_error(long, 422, "invalid_input", "1000")
    url = httpx.URL(str(client.base_url))  # httpx itself refuses such a URL: the standard library sends it
    conn = http.client.HTTPConnection(url.host, url.port, timeout=10)
    conn.request("GET", "/search?q=" + "a" * 100_000, headers=admin)
    raw = conn.getresponse()
    body = json.loads(raw.read())
    conn.close()
    assert raw.status == 400 and raw.getheader("content-type") == "application/json"
    assert set(body) == {"error"} and body["error"]["code"] == "bad_request"
    assert "at most 1,000 characters" in body["error"]["message"]
    assert client.get("/health").status_code == 200  # the server goes on
