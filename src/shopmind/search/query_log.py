"""The search log's writer: searches are written to the store in batches by one background thread.

A search request only appends its event (and, for a public visitor, the event's source) to a bounded
queue — no thread is woken, which under load cost more than the append; the writer looks every
``interval`` seconds and writes what is queued, up to ``batch`` rows at a time, in one transaction
(:meth:`~shopmind.data.store_abuse.AbuseQueries.log_events`).
So a request never waits for the database's write lock (on SQLite one writer at a time), and N
concurrent searches cost one commit instead of 2N.

When the queue is full (the database is away or far behind) a search is still answered and its event
dropped, counted in ``dropped`` and logged once a minute: the log is a signal for suggestions and
reports, never worth stalling a request or holding unbounded memory. ``flush()`` waits until what was
queued is written (the suggestions' refresh and tests call it); ``close()`` writes the rest and stops.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueryLogConfig:
    capacity: int = 10_000  # queued searches at most (beyond it new ones are dropped, counted)
    batch: int = 500  # rows written in one transaction at most
    interval: float = 0.1  # seconds between the writer's looks at the queue


class QueryLog:
    """A bounded queue of search events and the thread that writes them (started on first use).
    A subclass logs other rows through the same queue and thread by overriding ``_write`` (and ``name``)."""

    name = "search-log"  # the writer thread's name; the warnings say "<name> full"

    def __init__(self, store: Any, config: QueryLogConfig | None = None) -> None:
        self.store = store
        self.config = config or QueryLogConfig()
        self._queue: deque[tuple[dict[str, Any], dict[str, Any] | None]] = deque()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.written = 0
        self.dropped = 0
        self._pending = 0  # queued and not yet written (or given up)
        self._last_warning = 0.0

    def add(self, event: dict[str, Any], source: dict[str, Any] | None) -> bool:
        """Queue one search event (and its source); never blocks. False: the queue was full (dropped)."""
        self._start()
        with self._lock:
            full = len(self._queue) >= self.config.capacity
            if not full:
                self._queue.append((event, source))
                self._pending += 1
        if full:
            self.dropped += 1
            if time.monotonic() - self._last_warning > 60:
                self._last_warning = time.monotonic()
                log.warning("%s full: %d rows not logged so far", self.name, self.dropped)
            return False
        return True

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every search queued so far is written (False if ``timeout`` passed first)."""
        if self._thread is None:
            return True
        deadline = time.monotonic() + timeout
        while self._pending > 0:
            if time.monotonic() > deadline or not self._thread.is_alive():
                return False
            time.sleep(0.005)
        return True

    def close(self) -> None:
        """Write what is queued and stop the writer."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=10)

    # ------------------------------------------------------------------ the writer
    def _start(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                thread.start()
                self._thread = thread

    def _take(self) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """The next batch: up to ``batch`` of the queued rows, oldest first (empty when none is queued)."""
        with self._lock:
            n = min(len(self._queue), self.config.batch)
            return [self._queue.popleft() for _ in range(n)]

    def _run(self) -> None:
        while True:
            rows = self._take()
            if rows:
                self._write(rows)
                with self._lock:
                    self._pending -= len(rows)
            elif self._stop.is_set():
                return
            else:
                self._stop.wait(self.config.interval)

    def _write(self, rows: list[tuple[dict[str, Any], dict[str, Any] | None]]) -> None:
        events = [event for event, _ in rows]
        sources = [source for _, source in rows if source is not None]
        try:
            self.store.log_events(events, sources)
            self.written += len(events)
        except Exception as exc:  # noqa: BLE001 - the log must never stop the writer
            self.dropped += len(events)
            log.warning("%d search events not logged: %s", len(events), exc)
