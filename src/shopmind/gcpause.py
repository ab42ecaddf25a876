"""Garbage-collector pauses in a serving process: measured, logged, and kept off the serving state.

CPython's cyclic collector stops every thread while it runs. A full (generation 2) collection walks
every tracked object that has lived long, and a serving process's long-lived objects are mostly its
derived state: at 100,000 products the search index, catalog tables and caches make one full
collection take ~0.3 s on these machines, and whichever requests are running then wait for it.

:func:`settle` collects once and then freezes what is alive (``gc.freeze``): the objects built at
start are moved out of the collector's generations for good, so later collections walk only what was
created after (requests' temporaries, changes applied by the followers). Reference counting still
frees frozen objects that are dropped (an index replaced by a rebuild); only cyclic garbage that was
alive at the freeze would stay, and the collect before it removes that.

:class:`PauseWatch` times every collection through ``gc.callbacks`` and logs the slow ones, so a pause
shows in the logs with its size instead of as an unexplained latency spike. While a process builds
its state (``quiet=True`` until :meth:`PauseWatch.settled`) the slow pauses of that build are only
counted, and summed up in one line when it ends: a start-up prints no warning per collection.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)


class PauseWatch:
    """Counts collections per generation with their total and longest pause (milliseconds); logs a
    warning for each pause of at least ``slow_ms`` (while ``quiet``: counts them for one summary line
    at :meth:`settled`). Install once per process; :meth:`close` removes it."""

    def __init__(self, slow_ms: float = 100.0, *, quiet: bool = False) -> None:
        self.slow_ms = slow_ms
        self._lock = threading.Lock()
        self._started: float | None = None
        self._slow_full = False  # a slow full collection since the last refreeze()
        self._quiet = quiet  # building: slow pauses are counted in _build, not logged one by one
        self._build = {"slow": 0, "max_ms": 0.0}
        self._stats = {g: {"collections": 0, "total_ms": 0.0, "max_ms": 0.0} for g in range(3)}
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        # runs inside the collection, on whichever thread triggered it, with the GIL held
        if phase == "start":
            self._started = time.perf_counter()
            return
        if self._started is None:
            return
        ms = (time.perf_counter() - self._started) * 1e3
        self._started = None
        generation = int(info.get("generation", 2))
        slow = ms >= self.slow_ms
        with self._lock:
            s = self._stats[generation]
            s["collections"] += 1
            s["total_ms"] += ms
            s["max_ms"] = max(s["max_ms"], ms)
            counted = slow and self._quiet  # decided with settled() excluded
            if counted:
                self._build["slow"] += 1
                self._build["max_ms"] = max(self._build["max_ms"], ms)
        if slow:
            self._slow_full = self._slow_full or generation == 2
            if counted:
                return
            log.warning(
                "gc: a generation-%d collection paused every thread for %.0f ms (%d collected)",
                generation,
                ms,
                info.get("collected", 0),
            )

    def settled(self, what: str = "the serving state") -> None:
        """The build is over: one line for the slow pauses counted during it, and a warning for
        each slow pause from now on."""
        with self._lock:
            quiet, self._quiet = self._quiet, False
            slow, longest = self._build["slow"], self._build["max_ms"]
        if quiet and slow:
            log.info(
                "gc: %d collections of %.0f ms or more while %s was built (longest %.0f ms)",
                slow,
                self.slow_ms,
                what,
                longest,
            )

    def stats(self) -> dict[str, Any]:
        """Per generation: collections, total and longest pause in ms; and how many objects are frozen."""
        with self._lock:
            out: dict[str, Any] = {
                f"gen{g}": {k: round(v, 2) if isinstance(v, float) else v for k, v in s.items()}
                for g, s in self._stats.items()
            }
        out["frozen_objects"] = gc.get_freeze_count()
        return out

    def refreeze(self) -> bool:
        """After a slow full collection (state that grew since the last freeze: changes applied, a
        model reloaded), freeze what survived it, so that the next full collection does not walk it
        again. No collection of its own: the slow one has just removed the garbage. True when it froze."""
        if not self._slow_full:
            return False
        self._slow_full = False
        gc.freeze()
        log.info("gc: froze %d objects after a slow full collection", gc.get_freeze_count())
        return True

    def close(self) -> None:
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)


def settle(reason: str = "serving state built") -> dict[str, float]:
    """One full collection, then freeze every object alive (see the module's doc). Returns the
    collection's time in ms and how many objects are frozen now; logs both."""
    t0 = time.perf_counter()
    gc.collect()
    collect_ms = (time.perf_counter() - t0) * 1e3
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("gc: %s; froze %d objects after a %.0f ms full collection", reason, frozen, collect_ms)
    return {"collect_ms": collect_ms, "frozen_objects": float(frozen)}
