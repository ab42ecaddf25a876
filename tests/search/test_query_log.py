"""The search log's writer: batches in one transaction, a bounded queue, flush and close."""

from __future__ import annotations

from datetime import UTC, datetime

from shopmind.data.store import Store
from shopmind.search.query_log import QueryLog, QueryLogConfig


def search_event(i: int) -> dict:
    return {"event_id": f"q-{i}", "type": "search", "query": f"dress {i % 3}", "ts": datetime.now(UTC)}


def test_queued_searches_are_written_in_batches_with_their_sources(store: Store) -> None:
    calls: list[int] = []
    write = store.log_events

    class Counting:  # the real store, with its log_events calls counted
        def log_events(self, events, sources):
            calls.append(len(events))
            write(events, sources)

    qlog = QueryLog(Counting(), QueryLogConfig(batch=50, interval=0.2))
    for i in range(120):
        qlog.add(
            search_event(i), {"event_id": f"q-{i}", "visitor": "a:1234", "results": i % 2} if i % 4 else None
        )
    assert qlog.flush()
    assert qlog.written == 120 and sum(calls) == 120 and max(calls) <= 50 and len(calls) < 120
    assert store.event_counts("query", "search") == {"dress 0": 40, "dress 1": 40, "dress 2": 40}
    assert store.query_visitors(found_only=False)  # sources joined to their events
    qlog.close()


def test_a_full_queue_drops_searches_instead_of_blocking(sqlite_store: Store) -> None:
    class Stalled:  # a database that does not answer: the writer holds its first batch
        def __init__(self) -> None:
            import threading

            self.release = threading.Event()

        def log_events(self, events, sources):
            self.release.wait(10)

    stalled = Stalled()
    qlog = QueryLog(stalled, QueryLogConfig(capacity=10, batch=1, interval=0.01))
    for i in range(30):
        qlog.add(search_event(i), None)  # returns at once even though nothing can be written
    assert qlog.dropped >= 19
    assert not qlog.flush(timeout=0.2)  # not written yet
    stalled.release.set()
    assert qlog.flush() and qlog.written + qlog.dropped == 30
    qlog.close()
