"""Background jobs: one queue and one worker thread per engine, for every kind of long work.

Training a recommender, fitting a synthesizer or a marketing model, anything that must not run
inside a request, is a job: a callable ``fn(job) -> dict | None`` submitted with a kind (e.g.
``train:rec``) and a title for people. Jobs run one at a time in submission order (training is
CPU-bound; two at once would only slow both down). While a job runs, every ``shopmind.*`` log
record emitted from the worker thread is appended to the job's ``log`` (what the console polls as
progress), and ``job.update(epoch=…, epochs=…, losses=…)`` sets structured progress fields.
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
STATES = ("queued", "running", "done", "failed")


class JobBusyError(RuntimeError):
    """A job of the same kind is already queued or running (for kinds that run one at a time)."""

    def __init__(self, job: Job) -> None:
        super().__init__(f"a {job.kind} job is already {job.status} (job {job.job_id})")
        self.job = job


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    """One submitted job and what is known about it so far."""

    job_id: str
    kind: str  # what it does, e.g. "train:rec" or "synth:customers"
    title: str  # for people, e.g. "train rec with itemknn"
    fn: Callable[[Job], dict[str, Any] | None] = field(repr=False)
    status: str = "queued"  # one of STATES
    created_at: str = field(default_factory=_now)
    started_at: str | None = None
    finished_at: str | None = None
    log: list[str] = field(default_factory=list)  # progress lines, oldest first
    progress: dict[str, Any] = field(default_factory=dict)  # structured progress (epoch, losses …)
    result: dict[str, Any] | None = None
    error: str | None = None
    _t0: float = field(default=0.0, repr=False)
    _t1: float = field(default=0.0, repr=False)

    def update(self, **fields: Any) -> None:
        """Set structured progress fields (called by the job's own code while it runs)."""
        self.progress = {**self.progress, **fields}

    @property
    def seconds(self) -> float | None:
        if not self._t0:
            return None
        return round((self._t1 or time.monotonic()) - self._t0, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "kind": self.kind,
            "title": self.title,
            "status": self.status,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "seconds": self.seconds,
            "progress": dict(self.progress),
            "log": list(self.log),
            "result": self.result,
            "error": self.error,
        }


class _JobLogHandler(logging.Handler):
    """Copies library log records emitted on the worker thread into the running job's log."""

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
    """A queue of jobs served by one daemon thread; keeps the last ``keep`` finished jobs for polling."""

    def __init__(self, keep: int = 50, max_log: int = 200) -> None:
        self.keep, self.max_log = keep, max_log
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._running: Job | None = None
        self._worker: threading.Thread | None = None
        self._worker_ident: int | None = None
        self._closed = False

    def submit(
        self, kind: str, title: str, fn: Callable[[Job], dict[str, Any] | None], *, exclusive: bool = False
    ) -> Job:
        """Queue ``fn``; with ``exclusive`` a queued or running job of the same kind raises
        :class:`JobBusyError` instead."""
        job = Job(secrets.token_hex(6), kind, title, fn)
        with self._lock:
            if self._closed:
                raise RuntimeError("the job runner is closed")
            if exclusive and (busy := self._busy(kind)) is not None:
                raise JobBusyError(busy)
            self._jobs[job.job_id] = job
            finished = [k for k, j in self._jobs.items() if j.status in ("done", "failed")]
            for old in finished[: max(0, len(finished) - self.keep)]:
                del self._jobs[old]
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="shopmind-jobs", daemon=True)
                self._worker.start()
            self._queue.put(job)
        log.info("job %s queued: %s", job.job_id, title)
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def list(self) -> list[Job]:
        """Newest first."""
        return list(reversed(self._jobs.values()))

    def busy(self, kind: str) -> Job | None:
        """A queued or running job of ``kind``, if any."""
        with self._lock:
            return self._busy(kind)

    def _busy(self, kind: str) -> Job | None:
        return next(
            (j for j in self._jobs.values() if j.kind == kind and j.status in ("queued", "running")), None
        )

    def wait(self, job: Job, timeout: float | None = None) -> Job:
        """Block until ``job`` has finished (or ``timeout`` seconds passed); returns it."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while job.status in ("queued", "running"):
            if deadline is not None and time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return job

    def close(self, timeout: float = 5.0) -> None:
        """Take no more jobs; the worker stops after the job it is running (waited for up to
        ``timeout`` seconds; a daemon thread never holds the process open)."""
        with self._lock:
            self._closed = True
            worker = self._worker
        self._queue.put(None)
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout)

    def _work(self) -> None:
        self._worker_ident = threading.get_ident()
        handler = _JobLogHandler(self)
        lib = logging.getLogger(LIBRARY_LOGGER)
        while True:
            job = self._queue.get()
            if job is None:
                return
            lib.addHandler(handler)
            level = lib.level
            if lib.getEffectiveLevel() > logging.INFO:
                lib.setLevel(logging.INFO)  # progress lines are INFO records
            try:
                self._run(job)
            finally:
                lib.setLevel(level)
                lib.removeHandler(handler)

    def _run(self, job: Job) -> None:
        job.status, job.started_at, job._t0 = "running", _now(), time.monotonic()
        self._running = job
        try:
            job.result = job.fn(job) or {}
            job.status = "done"
        except Exception as exc:  # noqa: BLE001 - a failed job reports its error, the server lives on
            job.error = f"{type(exc).__name__}: {exc}"
            job.log.append(traceback.format_exc(limit=3).strip().splitlines()[-1])
            job.status = "failed"
        finally:
            self._running = None
            job.finished_at, job._t1 = _now(), time.monotonic()
        if job.error:  # logged after the job's own log is closed
            log.warning("job %s (%s) failed: %s", job.job_id, job.title, job.error)
        else:
            log.info("job %s done in %.1f s: %s", job.job_id, job.seconds or 0.0, job.title)
