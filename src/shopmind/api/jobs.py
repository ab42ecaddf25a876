"""Background jobs for the admin console: one worker thread, progress from the library's own logs.

A job is a plain callable returning a JSON-ready dict. While it runs, every ``shopmind.*`` log
record emitted from its thread (e.g. a recommender's per-epoch line) is appended to the job's
``log``, which is what the console polls and shows as progress. Jobs run one at a time (training
is CPU-bound; two at once would only slow both down); later ones wait in the queue.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)
LIBRARY_LOGGER = "shopmind"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    """One submitted job and what is known about it so far."""

    job_id: str
    kind: str  # what it does, e.g. "retrain"
    title: str  # for people, e.g. "retrain rec with itemknn"
    fn: Callable[[], dict[str, Any]] = field(repr=False)
    status: str = "queued"  # queued | running | done | failed
    created_at: str = field(default_factory=_now)
    started_at: str | None = None
    finished_at: str | None = None
    log: list[str] = field(default_factory=list)  # progress lines, oldest first
    result: dict[str, Any] | None = None
    error: str | None = None
    _t0: float = field(default=0.0, repr=False)
    _t1: float = field(default=0.0, repr=False)

    def to_dict(self) -> dict[str, Any]:
        elapsed = None
        if self._t0:
            elapsed = round((self._t1 or time.monotonic()) - self._t0, 1)
        return {
            "job_id": self.job_id,
            "kind": self.kind,
            "title": self.title,
            "status": self.status,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "seconds": elapsed,
            "log": list(self.log),
            "result": self.result,
            "error": self.error,
        }


class _JobLogHandler(logging.Handler):
    """Copies library log records emitted on a job's thread into that job's log."""

    def __init__(self, runner: JobRunner) -> None:
        super().__init__(logging.INFO)
        self.runner = runner
        self.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s", "%H:%M:%S"))

    def emit(self, record: logging.LogRecord) -> None:
        job = self.runner._running
        if job is not None and record.thread == self.runner._worker_ident:
            job.log.append(self.format(record))
            del job.log[: -self.runner.max_log]


class JobRunner:
    """A queue of jobs served by one daemon thread; keeps the last ``keep`` jobs for polling."""

    def __init__(self, keep: int = 50, max_log: int = 200) -> None:
        self.keep, self.max_log = keep, max_log
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[Job] = queue.Queue()
        self._lock = threading.Lock()
        self._running: Job | None = None
        self._worker: threading.Thread | None = None
        self._worker_ident: int | None = None

    def submit(self, kind: str, title: str, fn: Callable[[], dict[str, Any]]) -> Job:
        job = Job(secrets.token_hex(6), kind, title, fn)
        with self._lock:
            self._jobs[job.job_id] = job
            for old in list(self._jobs)[: max(0, len(self._jobs) - self.keep)]:
                if self._jobs[old].status in ("done", "failed"):
                    del self._jobs[old]
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="shopmind-jobs", daemon=True)
                self._worker.start()
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def list(self) -> list[Job]:
        """Newest first."""
        return list(reversed(self._jobs.values()))

    def busy(self, kind: str) -> Job | None:
        """A queued or running job of ``kind``, if any."""
        return next(
            (j for j in self._jobs.values() if j.kind == kind and j.status in ("queued", "running")), None
        )

    def _work(self) -> None:
        self._worker_ident = threading.get_ident()
        handler = _JobLogHandler(self)
        lib = logging.getLogger(LIBRARY_LOGGER)
        while True:
            job = self._queue.get()
            lib.addHandler(handler)
            level = lib.level
            if lib.getEffectiveLevel() > logging.INFO:
                lib.setLevel(logging.INFO)  # progress lines are INFO records
            self._run(job)
            lib.setLevel(level)
            lib.removeHandler(handler)

    def _run(self, job: Job) -> None:
        job.status, job.started_at, job._t0 = "running", _now(), time.monotonic()
        self._running = job
        try:
            job.result = job.fn()
            job.status = "done"
        except Exception as exc:  # noqa: BLE001 - a failed job reports its error, the server lives on
            log.warning("job %s (%s) failed: %s", job.job_id, job.title, exc)
            job.error = f"{type(exc).__name__}: {exc}"
            job.log.append(traceback.format_exc(limit=3).strip().splitlines()[-1])
            job.status = "failed"
        finally:
            self._running = None
            job.finished_at, job._t1 = _now(), time.monotonic()
