"""Derived state follows the store's change log off the request path: a write is searchable after the
followers' next tick (on SQLite and PostgreSQL), a request never syncs or reads the catalog, a tick with
nothing changed is one small query, two writers committing out of order lose nothing, and the engine's
thread applies writes by itself."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from shopmind.assistant.knowledge import KnowledgeBase, KnowledgeConfig
from shopmind.config import Settings
from shopmind.data.ingest import ingest_records
from shopmind.data.store import Store
from shopmind.engine import Engine
from shopmind.followers import Follower, Followers
from shopmind.search.index import IndexConfig
from shopmind.search.service import SearchConfig, SearchService
from tests.search.conftest import CATALOG


def lexical(store: Store, log_events: bool = False) -> SearchService:
    """A lexical-only search service over ``store`` (no encoder: fast)."""
    config = SearchConfig(index=IndexConfig(dense=False), mode="lexical", log_events=log_events)
    return SearchService(store, config)


def ids(svc: SearchService, query: str, **kw) -> list[str]:
    return [p["product_id"] for p in svc.search(query, **kw)["products"]]


class Statements:
    """The SQL statements run on a store's engine while counting."""

    def __init__(self, store: Store) -> None:
        self.store, self.seen = store, []

    def _on(self, conn, cursor, statement, params, context, executemany) -> None:
        self.seen.append(" ".join(statement.split()))

    def __enter__(self) -> list[str]:
        sa.event.listen(self.store.engine, "before_cursor_execute", self._on)
        return self.seen

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.store.engine, "before_cursor_execute", self._on)


def test_added_changed_and_deleted_products_follow_into_search(store: Store) -> None:
    ingest_records(store, "products", CATALOG)
    svc = lexical(store)
    followers = Followers(store)
    followers.add(svc.follower)
    ingest_records(store, "products", [CATALOG[0] | {"product_id": "P8", "title": "Pixel 9 Pro phone"}])
    store.upsert("products", [CATALOG[4] | {"title": "Northline Black Suede Jacket"}])
    store.delete_product("P2")
    assert ids(svc, "pixel") == [] and ids(svc, "earbuds") == ["P2"]  # a request does not sync
    assert followers.wait_for(store.change_position(), timeout=5)
    assert ids(svc, "pixel") == ["P8"] and ids(svc, "suede") == ["P5"] and ids(svc, "earbuds") == []
    assert svc.sync() == {"indexed": 0, "deleted": 0}  # nothing left to apply


def test_new_events_update_best_selling_and_suggestions(store: Store) -> None:
    ingest_records(store, "products", CATALOG)
    ingest_records(store, "events", [{"type": "purchase", "product_id": "P1", "ts": "2025-01-01T00:00:00Z"}])
    svc = lexical(store, log_events=True)
    assert ids(svc, "black", sort="best_selling")[0] == "P1"  # loaded in full: one sale of P1
    buys = [{"type": "purchase", "product_id": "P5", "ts": "2025-01-02T00:00:00Z"}] * 2
    ingest_records(store, "events", [b | {"event_id": f"B{i}"} for i, b in enumerate(buys)])
    for shopper in ("C1", "C2", "C3"):  # a query is suggested once 3 distinct shoppers searched it
        svc.search("northline jacket", customer_id=shopper)
    assert svc.suggest("northline j")["suggestions"] == []  # not until the followers apply them
    svc.sync()
    assert ids(svc, "black", sort="best_selling")[0] == "P5"
    assert svc.suggest("northline j")["suggestions"][0] == {
        "text": "northline jacket",
        "source": "query_log",
        "count": 3,
    }


def test_a_search_request_never_syncs_or_reads_the_catalog(sqlite_store: Store, monkeypatch) -> None:
    ingest_records(sqlite_store, "products", CATALOG)
    svc = lexical(sqlite_store, log_events=True)

    def no_sync(*args, **kwargs):
        raise AssertionError("a request synced")

    monkeypatch.setattr(svc, "sync", no_sync)
    monkeypatch.setattr(svc.follower, "catch_up", no_sync)
    monkeypatch.setattr(svc.follower, "reload", no_sync)
    monkeypatch.setattr(sqlite_store, "frame", no_sync)
    with Statements(sqlite_store) as seen:
        assert ids(svc, "northline", sort="best_selling")[0] == "P5"
        svc.search("连衣裙 200元以下", customer_id="C1")
        svc.suggest("nor")
    reads = [s for s in seen if re.search(r"^SELECT .*\bFROM (products|events|docs|changes)\b", s)]
    assert seen and not reads, reads  # the search events are logged (inserts); nothing is read back


def test_a_tick_with_nothing_changed_is_one_small_query(store: Store) -> None:
    ingest_records(store, "products", CATALOG)
    store.upsert(
        "docs", [{"doc_id": "D1", "kind": "policy", "lang": "en", "title": "Returns", "body": "30 days"}]
    )
    followers = Followers(store)
    followers.add(lexical(store).follower)
    followers.add(KnowledgeBase.from_store(store, KnowledgeConfig(encoder=None)).follower)
    store.upsert("products", [CATALOG[0] | {"price": 1.0}])  # the followers' cursors now differ
    followers.catch_up()
    with Statements(store) as seen:
        assert followers.catch_up() == 0
    assert len(seen) == 1 and "FROM changes" in seen[0], seen


@pytest.mark.postgres
def test_two_writers_committing_out_of_order_lose_nothing(pg_store: Store) -> None:
    ingest_records(pg_store, "products", CATALOG)
    svc = lexical(pg_store)
    followers = Followers(pg_store)
    followers.add(svc.follower)
    with pg_store.engine.connect() as a, pg_store.engine.connect() as b:
        ta, tb = a.begin(), b.begin()
        pg_store.upsert("products", [CATALOG[0] | {"product_id": "PA", "title": "Alpaca scarf"}], a)
        pg_store.upsert("products", [CATALOG[0] | {"product_id": "PB", "title": "Bamboo scarf"}], b)
        tb.commit()  # the higher seq becomes visible first
        followers.catch_up()
        assert ids(svc, "scarf") == ["PB"]
        ta.commit()
    followers.catch_up()
    assert sorted(ids(svc, "scarf")) == ["PA", "PB"]


def test_a_failing_follower_reloads_and_the_others_go_on(sqlite_store: Store) -> None:
    ingest_records(sqlite_store, "products", CATALOG)
    svc = lexical(sqlite_store)
    loads, fails = [], [True]

    def apply(changes) -> None:
        if fails.pop() if fails else False:
            raise RuntimeError("boom")

    flaky = Follower("flaky", sqlite_store, ("products",), loads.append, apply)
    followers = Followers(sqlite_store)
    followers.add(flaky)
    followers.add(svc.follower)
    sqlite_store.upsert("products", [CATALOG[0] | {"product_id": "P9", "title": "Quartz watch"}])
    followers.catch_up()
    assert ids(svc, "watch") == ["P9"] and flaky.stale
    followers.catch_up()
    assert len(loads) == 2 and not flaky.stale  # loaded when added, then reloaded after the failure


def test_the_engine_thread_applies_a_write_by_itself(sqlite_store: Store, tmp_path: Path) -> None:
    ingest_records(sqlite_store, "products", CATALOG)
    settings = Settings(var_dir=tmp_path / "var", artifacts_dir=tmp_path / "artifacts", follow_interval=0.2)
    engine = Engine(settings, sqlite_store).provide(search=lexical(sqlite_store))
    try:
        engine.start()
        assert engine.followers.running and engine.search.follower.runner is engine.followers
        rec = engine.recommendations.follower
        assert rec.runner is engine.followers
        t0 = time.monotonic()
        sqlite_store.upsert(
            "products", [CATALOG[0] | {"product_id": "P9", "title": "Quartz watch", "stock": 0}]
        )
        while ids(engine.search, "watch") != ["P9"]:
            assert time.monotonic() - t0 < 2.0, "the write did not reach search within 2 s"
            time.sleep(0.02)
        cat = engine.recommendations.catalog(None, None)
        deadline = time.monotonic() + 2
        while "P9" not in cat.index:  # a catalog of every product is rebuilt when products are added
            assert time.monotonic() < deadline
            time.sleep(0.02)
            cat = engine.recommendations.catalog(None, None)
        assert not cat.in_stock[cat.index["P9"]]
    finally:
        engine.close()
    assert not engine.followers.running


def test_searches_stay_whole_while_the_followers_apply_writes(sqlite_store: Store) -> None:
    """Requests racing the follower thread (products added and removed meanwhile) never fail."""
    ingest_records(sqlite_store, "products", CATALOG)
    svc = lexical(sqlite_store)
    followers = Followers(sqlite_store, interval=0.01)
    followers.add(svc.follower)
    followers.start()
    try:
        deadline, i = time.monotonic() + 1.0, 0
        while time.monotonic() < deadline:
            i += 1
            row = CATALOG[i % len(CATALOG)] | {"product_id": f"N{i}", "title": f"Northline coat {i}"}
            sqlite_store.upsert("products", [row])
            if i > 3:
                sqlite_store.delete_product(f"N{i - 3}")
            for query in ("northline coat", "black jacket 1000元以下", "连衣裙"):
                svc.search(query, {"in_stock": True}, sort="best_selling" if i % 2 else None)
        assert followers.wait_for(sqlite_store.change_position())
        assert sorted(ids(svc, "coat", page_size=100)) == sorted(
            ["P6", *(f"N{j}" for j in range(i - 2, i + 1))]
        )
    finally:
        followers.close()


def test_a_request_reads_one_snapshot_while_the_follower_changes_the_index(
    sqlite_store: Store, monkeypatch
) -> None:
    """A product added and one removed by the follower in the middle of a request: the request
    answers from the index as it was when it started (without the removed product's details)."""
    from shopmind.search import rank as R

    ingest_records(sqlite_store, "products", CATALOG)
    svc = lexical(sqlite_store)
    real = R.filters_mask

    def filters_then_follow(cols, filters):
        mask = real(cols, filters)
        sqlite_store.upsert("products", [CATALOG[4] | {"product_id": "P9", "title": "Northline parka"}])
        sqlite_store.delete_product("P6")
        svc.sync()  # what the followers' thread may do at any moment
        return mask

    monkeypatch.setattr(R, "filters_mask", filters_then_follow)
    answer = svc.search("northline", {"max_price": 10000}, sort="price_asc")
    assert [p["product_id"] for p in answer["products"]] == ["P5"]  # P9 is too new, P6 is gone
    monkeypatch.setattr(R, "filters_mask", real)
    assert sorted(ids(svc, "northline")) == ["P5", "P9"]
