"""/docs and /redoc reference only ShopMind's own URLs, and every one of them answers."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.store import Store
from shopmind.engine import Engine

URL_ATTRIBUTE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
URL_IN_SCRIPT = re.compile(r"""(?:url|openapi_url)\s*:\s*["']([^"']+)["']""")


@pytest.fixture
def client(sqlite_store: Store, tmp_path) -> Iterator[TestClient]:
    settings = Settings(var_dir=tmp_path / "var", artifacts_dir=tmp_path / "artifacts")
    engine = Engine(settings, sqlite_store)
    try:
        yield TestClient(create_app(engine))
    finally:
        engine.close()


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_reference_only_local_urls_that_answer(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]
    html = response.text
    urls = set(URL_ATTRIBUTE.findall(html)) | set(URL_IN_SCRIPT.findall(html))
    assert "/openapi.json" in html
    assert any(u.endswith(".js") for u in urls), urls
    assert "cdn." not in html and "fonts.googleapis" not in html
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), f"{page} loads {url} from elsewhere"
        assert client.get(url).status_code == 200, url


def test_swagger_oauth2_redirect_page_is_served(client: TestClient) -> None:
    assert client.get("/docs/oauth2-redirect").status_code == 200
