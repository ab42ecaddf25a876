"""Followers: state derived from the store follows the store's change log in the background.

A :class:`Follower` is one piece of derived in-memory state — the search index with its counters,
the recommendation catalog, the knowledge base — with the change-log cursor it is at and two
functions: ``load(cursor)`` builds the state in full, consistent with ``cursor``; ``apply(changes)``
applies changes the state has not seen (their cost grows with the changes, not with the catalog). A
follower is loaded in full when it is made, or when the log was pruned past its cursor, or after
``apply`` failed; otherwise it only ever applies changes.

:class:`Followers` is the one background thread of an engine. Every ``interval`` seconds it reads the
log once, after the earliest of its followers' cursors, and hands each follower what that follower has
not seen; after one tick they all share one cursor, so a tick with nothing changed is one small query.
A second thread runs timers (trending, pruning the log). No request waits for either: a request reads
whatever state the last tick left. Tests and the CLI make it deterministic with :meth:`catch_up` /
:meth:`wait_for`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shopmind.data.changes import Changes, Cursor

if TYPE_CHECKING:
    from shopmind.data.store import Store

log = logging.getLogger(__name__)


class Follower:
    """One piece of derived state and its cursor in the change log of ``store``.

    ``tables``: the logged tables whose changes it applies; ``load(cursor)``: build the state in full,
    consistent with ``cursor``; ``apply(changes)``: apply changes it has not seen (only of ``tables``).
    """

    def __init__(
        self,
        name: str,
        store: Store,
        tables: Sequence[str],
        load: Callable[[Cursor], None],
        apply: Callable[[Changes], None],
    ) -> None:
        self.name = name
        self.store = store
        self.tables = tuple(tables)
        self._load, self._apply = load, apply
        self.cursor: Cursor | None = None  # None until loaded
        self.runner: Followers | None = None  # the engine's followers, once added to them
        self.stale = False  # apply failed: reload before following on
        self._own_lock = threading.RLock()

    @property
    def lock(self) -> threading.RLock:
        """One lock per runner, so a tick and a direct reload or catch-up never interleave."""
        return self.runner.lock if self.runner is not None else self._own_lock

    def reload(self) -> None:
        """Build the state in full from the store, at the log's head."""
        with self.lock:
            cursor = self.store.change_cursor()
            self._load(cursor)
            self.cursor, self.stale = cursor, False

    def follow(self, changes: Changes) -> int:
        """Apply what of ``changes`` this follower has not seen; returns how many changes that was."""
        with self.lock:
            if self.cursor is None or self.stale or changes.pruned_past(self.cursor):
                self.reload()
                return 0
            mine = changes.since(self.cursor)
            rows = tuple(r for r in mine.rows if r.table in self.tables)
            if rows:
                try:
                    self._apply(Changes(changes.cursor, rows))
                except Exception:
                    self.stale = True
                    raise
            self.cursor = changes.cursor
            return len(rows)

    def catch_up(self) -> int:
        """Apply every change committed so far (through the engine's followers when added to them)."""
        if self.runner is not None:
            return self.runner.catch_up()
        with self.lock:
            if self.cursor is None or self.stale:
                self.reload()
            applied = 0
            while True:
                changes = self.store.changes_since(self.cursor, tables=self.tables)
                applied += self.follow(changes)
                if not changes.more:
                    return applied


@dataclass
class _Timer:
    name: str
    seconds: float
    fn: Callable[[], object]
    due: float


class Followers:
    """The followers of one engine, kept up to date by one background thread (see the module docstring).

    ``interval``: seconds between reads of the change log; ``batch``: changes read per query.
    """

    def __init__(self, store: Store, interval: float = 0.5, batch: int = 10_000) -> None:
        self.store = store
        self.interval = interval
        self.batch = batch
        self.lock = threading.RLock()
        self.ticks = 0  # reads of the change log so far
        self._members: list[Follower] = []
        self._timers: list[_Timer] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._failing_since: float | None = None

    @property
    def members(self) -> list[Follower]:
        return list(self._members)

    def add(self, follower: Follower) -> Follower:
        """Keep ``follower`` up to date from now on (it is loaded in full first if it never was)."""
        if follower.store is not self.store:
            raise ValueError(f"follower {follower.name!r} reads another store than these followers")
        with self.lock:
            if follower.runner is self:
                return follower
            if follower.runner is not None:
                raise ValueError(f"follower {follower.name!r} already belongs to other followers")
            follower.runner = self
            if follower.cursor is None:
                follower.reload()
            self._members.append(follower)
        return follower

    def every(self, seconds: float, fn: Callable[[], object], name: str) -> None:
        """Run ``fn`` every ``seconds`` on the timer thread (first run one period from now)."""
        self._timers.append(_Timer(name, seconds, fn, time.monotonic() + seconds))

    # ------------------------------------------------------------------ following
    def catch_up(self) -> int:
        """One tick now: read the changes after the earliest cursor, hand each follower its part;
        returns the number of changes applied (over all followers)."""
        with self.lock:
            members = []
            for m in self._members:
                if m.cursor is None or m.stale:
                    self._reload(m)
                if m.cursor is not None and not m.stale:
                    members.append(m)
            if not members:
                return 0
            cursor, applied = Cursor.earliest(m.cursor for m in members), 0
            while True:
                changes = self.store.changes_since(cursor, limit=self.batch)
                self.ticks += 1
                for m in members:
                    applied += self._deliver(m, changes)
                cursor = changes.cursor
                if not changes.more:
                    return applied

    def _deliver(self, member: Follower, changes: Changes) -> int:
        try:
            return member.follow(changes)
        except Exception:  # noqa: BLE001 - one failing follower must not stop the others
            log.exception("follower %s failed to apply changes; it reloads on the next tick", member.name)
            return 0

    def _reload(self, member: Follower) -> None:
        try:
            member.reload()
        except Exception:  # noqa: BLE001 - retried on the next tick
            log.exception("follower %s failed to load; retrying on the next tick", member.name)

    def position(self) -> int:
        """The change position every follower has reached (0 without followers)."""
        with self.lock:
            highs = [m.cursor.high for m in self._members if m.cursor is not None]
        return min(highs) if highs else 0

    def wait_for(self, position: int, timeout: float = 10.0) -> bool:
        """Catch up until every follower has applied the change at ``position`` (a seq from
        ``store.change_position()``); False if that took longer than ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            self.catch_up()
            if self.position() >= position:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)

    # ------------------------------------------------------------------ threads
    def start(self) -> None:
        """Start the follow thread and the timer thread (idempotent)."""
        with self.lock:
            if self._threads:
                return
            self._stop.clear()
            self._threads = [
                threading.Thread(target=self._follow_loop, name="followers", daemon=True),
                threading.Thread(target=self._timer_loop, name="followers-timers", daemon=True),
            ]
        for t in self._threads:
            t.start()

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def close(self, timeout: float = 10.0) -> None:
        """Stop the threads (after the tick or timer in progress)."""
        self._stop.set()
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(timeout)
        self._threads = []

    def _follow_loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.catch_up()
                if self._failing_since is not None:
                    log.info("followers: the change log is readable again")
                self._failing_since = None
            except Exception as exc:  # noqa: BLE001 - the database may be away for a while
                if self._failing_since is None:
                    log.warning("followers: cannot read the change log (%s); retrying", exc)
                    self._failing_since = time.monotonic()

    def _timer_loop(self) -> None:
        while not self._stop.wait(min([self.interval, *(t.seconds for t in self._timers)])):
            now = time.monotonic()
            for timer in list(self._timers):
                if now < timer.due or self._stop.is_set():
                    continue
                try:
                    timer.fn()
                except Exception:  # noqa: BLE001 - a failing timer runs again next period
                    log.exception("followers: timer %s failed", timer.name)
                timer.due = time.monotonic() + timer.seconds
