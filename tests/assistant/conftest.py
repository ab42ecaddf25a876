"""Assistant fixtures: a tiny hand-made shop on both backends, the demo shop, the shop NLU."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shopmind.data.store import Store

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _timeline(order_id: str, steps: list[tuple[str, datetime]]) -> list[dict]:
    return [
        {"order_id": order_id, "seq": i + 1, "status": s, "at": at, "note": s}
        for i, (s, at) in enumerate(steps)
    ]


def fill_mini_shop(store: Store) -> None:
    """Two customers; C1 has one order in each interesting state, C2 one shipped order."""
    store.upsert(
        "customers",
        [
            {"customer_id": "C1", "name": "Ann", "email": "ann@example.com", "lang": "en"},
            {"customer_id": "C2", "name": "王伟", "email": "wei@example.com", "lang": "zh"},
        ],
    )
    base = {
        "currency": "CNY",
        "shipping_address": "1 Old Street, London",
        "tracking_number": "",
        "carrier": "",
    }
    orders = [
        {
            "order_id": "O000001",
            "customer_id": "C1",
            "status": "paid",
            "placed_at": NOW - 1 * DAY,
            "total": 120.0,
        },
        {
            "order_id": "O000002",
            "customer_id": "C1",
            "status": "shipped",
            "placed_at": NOW - 3 * DAY,
            "total": 80.0,
            "tracking_number": "SF123456789012",
            "carrier": "SF Express",
        },
        {
            "order_id": "O000003",
            "customer_id": "C1",
            "status": "delivered",
            "placed_at": NOW - 14 * DAY,
            "total": 300.0,
            "tracking_number": "ZTO111111111111",
            "carrier": "ZTO Express",
        },
        {
            "order_id": "O000004",
            "customer_id": "C1",
            "status": "delivered",
            "placed_at": NOW - 60 * DAY,
            "total": 45.0,
            "tracking_number": "YT222222222222",
            "carrier": "YTO Express",
        },
        {
            "order_id": "O000005",
            "customer_id": "C2",
            "status": "shipped",
            "placed_at": NOW - 2 * DAY,
            "total": 999.0,
            "tracking_number": "JDX999999999999",
            "carrier": "JD Logistics",
            "shipping_address": "北京市海淀区秘密路9号",
        },
    ]
    store.upsert("orders", [base | o for o in orders])
    rows = []
    rows += _timeline("O000001", [("placed", NOW - 1 * DAY), ("paid", NOW - 1 * DAY)])
    rows += _timeline(
        "O000002", [("placed", NOW - 3 * DAY), ("paid", NOW - 3 * DAY), ("shipped", NOW - 2 * DAY)]
    )
    rows += _timeline(
        "O000003",
        [
            ("placed", NOW - 14 * DAY),
            ("paid", NOW - 14 * DAY),
            ("shipped", NOW - 13 * DAY),
            ("delivered", NOW - 10 * DAY),
        ],
    )
    rows += _timeline(
        "O000004",
        [
            ("placed", NOW - 60 * DAY),
            ("paid", NOW - 60 * DAY),
            ("shipped", NOW - 59 * DAY),
            ("delivered", NOW - 56 * DAY),
        ],
    )
    rows += _timeline(
        "O000005", [("placed", NOW - 2 * DAY), ("paid", NOW - 2 * DAY), ("shipped", NOW - 1 * DAY)]
    )
    store.upsert("order_status", rows)
    store.upsert(
        "events",
        [
            {"event_id": "E1", "customer_id": "C1", "type": "search", "query": "red dress", "ts": NOW - DAY},
        ],
    )


@pytest.fixture
def mini_shop(store: Store) -> Store:
    fill_mini_shop(store)
    return store


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The demo shop (seed 7, scale 0.2) in a SQLite file, built once per session; copy before writing."""
    from shopmind.data.demo import load_demo_shop

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = Store(f"sqlite:///{path}")
    load_demo_shop(store, seed=7, scale=0.2)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.dispose()
    return path


@pytest.fixture
def demo_store(demo_db: Path, tmp_path: Path):
    """A private writable copy of the demo shop."""
    copy = tmp_path / "demo.db"
    shutil.copy(demo_db, copy)
    store = Store(f"sqlite:///{copy}")
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def knowledge_config(tmp_path_factory):
    """Hybrid retrieval with one embedding cache for the whole session (passages encoded once)."""
    from shopmind.assistant.knowledge import KnowledgeConfig

    return KnowledgeConfig(cache_path=str(tmp_path_factory.mktemp("kb") / "embeddings.sqlite"))


@pytest.fixture(scope="session")
def demo_knowledge(knowledge_config):
    """The hybrid knowledge base over the demo shop's documents."""
    from shopmind.assistant.knowledge import KnowledgeBase
    from shopmind.data.simulate import docs_frame

    return KnowledgeBase(knowledge_config).fit(docs_frame(0).to_dict("records"))
