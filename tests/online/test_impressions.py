"""The impression log: batched writes with per-day counters, every accepted impression written by
flush and by close, a full queue refusing (counted) instead of blocking, and the spill file that a
failed shutdown leaves written at the next start."""

from __future__ import annotations

import threading
from pathlib import Path

from shopmind.data.store import Store
from shopmind.online.impressions import ImpressionLog, impression, normalise_query, unit_of
from shopmind.search.query_log import QueryLogConfig


def rows(n: int, surface: str = "recommendations", **fields) -> list[dict]:
    return [impression(surface, [f"P{i}", f"P{i + 1}"], customer_id=f"C{i % 7}", **fields) for i in range(n)]


def test_flush_writes_every_queued_impression_and_counts_it_per_day(store: Store) -> None:
    log = ImpressionLog(store)
    ids = [log.log(r) for r in rows(120, model_version="v1")]
    ids += [log.log(r) for r in rows(30, "search", query="  Red  DRESS ", results=0)]
    assert all(ids) and len(set(ids)) == 150
    assert log.flush()
    assert store.impression_count() == 150
    days = store.impression_days("2000-01-01")
    assert sum(d["impressions"] for d in days) == 150
    by_surface = {d["surface"]: d for d in days}
    assert by_surface["recommendations"]["model_version"] == "v1"
    assert by_surface["search"]["no_results"] == 30
    assert store.search_counts("2000-01-01") == [{"query": "red dress", "searches": 30, "no_results": 30}]
    log.close()


def test_the_same_impression_is_written_and_counted_once(sqlite_store: Store) -> None:
    batch = rows(5)
    assert sqlite_store.log_impressions(batch + batch[:2]) == 5
    assert sqlite_store.log_impressions(batch) == 0
    assert sum(d["impressions"] for d in sqlite_store.impression_days("2000-01-01")) == 5


def test_close_writes_what_is_still_queued(sqlite_store: Store) -> None:
    log = ImpressionLog(sqlite_store, QueryLogConfig(interval=0.5))
    for r in rows(300):
        log.log(r)
    log.close()
    assert sqlite_store.impression_count() == 300


class Blocked:
    """A store whose writes wait until released (a database far behind)."""

    def __init__(self, store: Store) -> None:
        self.store, self.release = store, threading.Event()

    def log_impressions(self, batch):
        self.release.wait(10)
        return self.store.log_impressions(batch)


def test_a_full_queue_refuses_and_counts_instead_of_blocking(sqlite_store: Store) -> None:
    slow = Blocked(sqlite_store)
    log = ImpressionLog(slow, QueryLogConfig(capacity=100, batch=10))
    ids = [log.log(r) for r in rows(400)]
    accepted = [i for i in ids if i]
    assert 100 <= len(accepted) < 400 and log.dropped == 400 - len(accepted)
    slow.release.set()
    assert log.flush()
    assert sqlite_store.impression_count() == len(accepted)  # every accepted impression is written
    log.close()


class Down:
    def log_impressions(self, batch):
        raise ConnectionError("database away")


def test_impressions_that_cannot_be_written_at_shutdown_are_written_at_the_next_start(
    sqlite_store: Store, tmp_path: Path
) -> None:
    spill = tmp_path / "spill.jsonl"
    log = ImpressionLog(Down(), QueryLogConfig(interval=0.01), spill=spill)
    for r in rows(25, "search", query="wool coat", results=3):
        log.log(r)
    log.close()
    assert spill.exists() and len(spill.read_text().splitlines()) == 25
    again = ImpressionLog(sqlite_store, spill=spill)
    assert sqlite_store.impression_count() == 25 and not spill.exists()
    again.close()


def test_units_and_queries() -> None:
    assert (
        unit_of("C1", "s1") == "c:C1" and unit_of(None, "s1") == "s:s1" and unit_of(None, "") == "a:anonymous"
    )
    assert normalise_query(" Rote  Kleid ") == "rote kleid" and normalise_query("   ") is None
