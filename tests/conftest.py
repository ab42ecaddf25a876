"""Shared fixtures: isolated settings, a store on SQLite and on PostgreSQL, a live HTTP server."""

from __future__ import annotations

import gc
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shopmind.data.store import Store

PG_URL = os.environ.get("SHOPMIND_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test writes under its own tmp folder (settings are read from the environment at each call)."""
    monkeypatch.setenv("SHOPMIND_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SHOPMIND_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    monkeypatch.delenv("SHOPMIND_DATABASE_URL", raising=False)
    # settle()'s full collection of this process's large heap pauses every thread for seconds, and other
    # tests' servers run in it; tests/test_gcpause.py turns the freeze on where it is tested
    monkeypatch.setenv("SHOPMIND_GC_FREEZE", "false")
    yield
    gc.unfreeze()  # what a started engine froze (gcpause.settle) is collectable again after its test


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'shop.db'}")
    store.migrate()
    yield store
    store.dispose()


def _pg_reachable() -> str | None:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}); set SHOPMIND_TEST_POSTGRES_URL"


@pytest.fixture
def pg_store() -> Iterator[Store]:
    """A store in a fresh PostgreSQL schema of its own (dropped afterwards)."""
    import sqlalchemy as sa

    reason = _pg_reachable()
    if reason:
        pytest.skip(reason)
    schema = f"shopmind_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    store = Store(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    store.migrate()
    try:
        yield store
    finally:
        store.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Store:
    """The same test on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_store" if request.param == "sqlite" else "pg_store")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real uvicorn server on a free loopback port, in a thread."""

    def __init__(self, app) -> None:
        import uvicorn

        from shopmind.api.protocol import http_protocol  # what `shopmind serve` runs

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", http=http_protocol())
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def shop_nlu(tmp_path_factory):
    """The shop NLU (assistant and web tests), trained once for the whole session. With
    SHOPMIND_TEST_NLU_ARTIFACTS set, the version published there (trained and published there first
    when there is none), so that later sessions skip the training."""
    from shopmind.artifacts import ArtifactStore
    from shopmind.assistant.nlu import ShopNLUConfig, load_shop_nlu, train_and_publish_nlu, train_shop_nlu
    from shopmind.config import Settings as _Settings

    datasets_dir = _Settings().datasets_dir
    root = os.environ.get("SHOPMIND_TEST_NLU_ARTIFACTS")
    if not root:
        cache = tmp_path_factory.mktemp("nlu-cache") / "nlu-vectors.sqlite"
        return train_shop_nlu(ShopNLUConfig(), datasets_dir=datasets_dir, cache_path=cache)
    artifacts = ArtifactStore(root)
    if artifacts.current("nlu") is None:
        cache = Path(root) / "var" / "cache" / "nlu-vectors.sqlite"
        train_and_publish_nlu(artifacts, ShopNLUConfig(), datasets_dir=datasets_dir, cache_path=cache)
    return load_shop_nlu(artifacts)
