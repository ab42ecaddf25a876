"""A database that cannot be reached is answered 503 at once, in the one error shape, with Retry-After."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.store import Store
from shopmind.engine import Engine
from tests.conftest import LiveServer, free_port


def test_requests_get_a_fast_503_when_the_database_refuses_connections(tmp_path: Path) -> None:
    store = Store(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/shop")  # nothing listens there
    settings = Settings(var_dir=tmp_path / "var", artifacts_dir=tmp_path / "artifacts", embedded_worker=False)
    engine = Engine(settings, store)
    with LiveServer(create_app(engine)) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get("/health").status_code == 200  # liveness does not need the database
        for path in ("/products", "/search?q=dress", "/admin/jobs"):
            start = time.monotonic()
            r = client.get(path, headers={"X-API-Key": "sm_ad_not-a-configured-key"})
            assert time.monotonic() - start < 5, path
            assert r.status_code == 503, (path, r.text)
            assert r.headers["Retry-After"] == "2"
            error = r.json()["error"]
            assert error["code"] == "unavailable" and "database is unavailable" in error["message"], error
    engine.close()
    store.dispose()
