"""Background jobs: a durable queue in the store, run by workers in any process.

Training a recommender, fitting a synthesizer or the marketing models, anything that must not run
inside a request, is a job. A job is data, not a closure: a kind (``train:rec``,
``synth:customers`` …), a title for people and a JSON payload, written to the store's ``jobs`` table
by :meth:`JobQueue.submit` — so every replica sees it, and any worker can run it. A worker
(:class:`shopmind.worker.Worker`: ``shopmind worker`` processes, or the worker embedded in a
server) claims the oldest queued job whose kind it has a *handler* for — ``handler(job) -> result``,
registered on the queue by kind name or ``prefix:*`` pattern — runs it with its own engine, and
writes progress (``job.update(epoch=…)``), the job's log lines (every ``shopmind.*`` log record of
the worker's thread) and the result or error back to the store.

Kinds submitted ``exclusive`` run one job at a time: a second one while the first is queued or
running raises :class:`JobBusyError`, enforced by the database across processes. A job whose worker
dies is requeued when its heartbeat stops, and fails after ``max_attempts`` runs.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shopmind.data.store import Store
    from shopmind.worker import Worker, WorkerConfig

log = logging.getLogger(__name__)
STATES = ("queued", "running", "done", "failed")
LOG_LINES = 200  # log lines kept per job (the newest)

Handler = Callable[["Job"], "dict[str, Any] | None"]


class JobBusyError(RuntimeError):
    """A job of the same kind is already queued or running (for kinds that run one at a time)."""

    def __init__(self, job: Job) -> None:
        super().__init__(f"a {job.kind} job is already {job.status} (job {job.job_id})")
        self.job = job


class JobLostError(RuntimeError):
    """The running job is no longer this worker's (released, or requeued after its heartbeat stopped)."""


@dataclass(frozen=True)
class QueueConfig:
    """How jobs are queued (built by the engine from settings)."""

    max_attempts: int = 3  # runs of one job before it fails, when the workers running it keep dying
    keep: int = 500  # finished jobs kept in the store for polling (older ones are deleted)


@dataclass
class Job:
    """One job as the store holds it; inside a worker, also the handle its handler reports through."""

    job_id: str
    kind: str  # what it does, e.g. "train:rec" or "synth:customers"
    title: str  # for people, e.g. "train rec with itemknn"
    payload: dict[str, Any] = field(default_factory=dict)  # the handler's arguments (JSON)
    status: str = "queued"  # one of STATES
    attempts: int = 0  # runs started so far
    max_attempts: int = 3
    worker_id: str | None = None  # the worker running it (or that ran it last)
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    progress: dict[str, Any] = field(default_factory=dict)  # structured progress (epoch, losses …)
    log: list[str] = field(default_factory=list)  # progress lines, oldest first
    result: dict[str, Any] | None = None
    error: str | None = None
    _dirty: bool = field(default=False, repr=False, compare=False)
    _lost: bool = field(default=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Job:
        names = {f.name for f in fields(cls) if not f.name.startswith("_")}
        job = cls(**{k: v for k, v in row.items() if k in names})
        job.progress, job.log = dict(job.progress or {}), list(job.log or [])
        return job

    def update(self, **values: Any) -> None:
        """Set structured progress fields (called by the job's own code while it runs); raises
        :class:`JobLostError` once the job has been taken from this worker."""
        if self._lost:
            raise JobLostError(f"job {self.job_id} is no longer run by this worker")
        with self._lock:
            self.progress = {**self.progress, **values}
            self._dirty = True

    def add_log(self, line: str) -> None:
        with self._lock:
            self.log.append(line)
            del self.log[:-LOG_LINES]
            self._dirty = True

    def take_changes(self) -> dict[str, Any] | None:
        """Progress and log to write, if they changed since the last call (the worker's flusher)."""
        with self._lock:
            if not self._dirty:
                return None
            self._dirty = False
            return {"progress": dict(self.progress), "log": list(self.log)}

    def refresh(self, other: Job) -> Job:
        """Copy the stored state of ``other`` (the same job, read again) into this object."""
        for f in fields(self):
            if not f.name.startswith("_"):
                setattr(self, f.name, getattr(other, f.name))
        return self

    @property
    def seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at if self.status in ("done", "failed") and self.finished_at else _now()
        return round(max(0.0, (end - self.started_at).total_seconds()), 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "kind": self.kind,
            "title": self.title,
            "status": self.status,
            "payload": dict(self.payload),
            "attempts": self.attempts,
            "worker_id": self.worker_id,
            "created_at": _iso(self.created_at),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "seconds": self.seconds,
            "progress": dict(self.progress),
            "log": list(self.log),
            "result": self.result,
            "error": self.error,
        }


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat(timespec="seconds")


_current: ContextVar[Job | None] = ContextVar("shopmind_job", default=None)


def current_job() -> Job | None:
    """The job the calling thread runs for a worker (None outside a job): artifacts saved while it
    runs record its id, so that a retried job finds what an earlier attempt already saved."""
    return _current.get()


def ping(job: Job) -> dict[str, Any]:
    """A job that only says which worker ran it (after ``seconds`` of payload, at most 60): checks
    that a deployment's workers take jobs."""
    time.sleep(min(float(job.payload.get("seconds", 0)), 60.0))
    log.info("ping job %s ran on %s", job.job_id, job.worker_id)
    return {"worker_id": job.worker_id, "host": socket.gethostname(), "pid": os.getpid()}


class JobQueue:
    """Submit, read and wait for jobs in ``store``; the handlers this process can run, by kind.

    With ``embedded`` (a worker configuration), the queue runs jobs in this process too: a worker
    thread started by :meth:`start` or by the first :meth:`submit`, stopped by :meth:`close`.
    """

    def __init__(
        self, store: Store, config: QueueConfig | None = None, embedded: WorkerConfig | None = None
    ) -> None:
        self.store, self.config, self.embedded = store, config or QueueConfig(), embedded
        self._handlers: dict[str, Handler] = {"ping": ping}
        self._lock = threading.Lock()
        self._worker: Worker | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"JobQueue({self.store.url!r}, embedded={self.embedded is not None})"

    # ------------------------------------------------------------------ handlers
    def register(self, kind: str, handler: Handler, *, replace: bool = True) -> None:
        """Run jobs of ``kind`` (a name, or ``prefix:*`` for every kind starting with ``prefix:``)
        with ``handler``; with ``replace=False`` an existing handler for ``kind`` stays."""
        with self._lock:
            if replace or kind not in self._handlers:
                self._handlers[kind] = handler

    def handler(self, kind: str) -> Handler | None:
        """The handler of ``kind``: by its name, else by the longest matching ``prefix:*`` pattern."""
        handlers = self._handlers
        if kind in handlers:
            return handlers[kind]
        patterns = sorted((p for p in handlers if p.endswith("*") and kind.startswith(p[:-1])), key=len)
        return handlers[patterns[-1]] if patterns else None

    def kinds(self) -> list[str]:
        """The kind names and patterns this process can run."""
        return sorted(self._handlers)

    # ------------------------------------------------------------------ submitting and reading
    def submit(
        self, kind: str, title: str, payload: dict[str, Any] | None = None, *, exclusive: bool = False
    ) -> Job:
        """Queue a job; with ``exclusive`` a queued or running job of the same kind raises
        :class:`JobBusyError` instead. The kind needs a handler; the payload must be JSON."""
        if self._closed:
            raise RuntimeError("the job queue is closed")
        if self.handler(kind) is None:
            raise ValueError(f"no handler for jobs of kind {kind!r}; known kinds: {', '.join(self.kinds())}")
        payload = dict(payload or {})
        json.dumps(payload)  # a payload that is not JSON fails here, not in a worker
        row = {"job_id": secrets.token_hex(6), "kind": kind, "title": title[:500], "payload": payload,
               "status": "queued", "exclusive_kind": kind if exclusive else None, "attempts": 0,
               "max_attempts": self.config.max_attempts, "progress": {}, "log": [],
               "created_at": _now()}  # fmt: skip
        busy = self.store.insert_job(row)
        if busy is not None:
            raise JobBusyError(Job.from_row(busy))
        log.info("job %s queued: %s", row["job_id"], title)
        if self.embedded is not None:
            self.start()
            if self._worker is not None:
                self._worker.wake()
        return Job.from_row(row)

    def get(self, job_id: str) -> Job | None:
        row = self.store.job(job_id)
        return None if row is None else Job.from_row(row)

    def list(self, limit: int = 50, kinds: tuple[str, ...] = ()) -> list[Job]:
        """The newest jobs first (of ``kinds`` names or ``prefix:*`` patterns when given)."""
        return [Job.from_row(r) for r in self.store.jobs(limit, kinds)]

    def busy(self, kind: str) -> Job | None:
        """A queued or running job of ``kind``, if any."""
        row = self.store.unfinished_job(kind)
        return None if row is None else Job.from_row(row)

    def wait(self, job: Job, timeout: float | None = None, poll: float = 0.05) -> Job:
        """Block until ``job`` has finished (or ``timeout`` seconds passed); ``job`` is updated in place
        with what the store holds, and returned."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            fresh = self.get(job.job_id)
            if fresh is not None:
                job.refresh(fresh)
            if job.status not in ("queued", "running") or fresh is None:
                return job
            if deadline is not None and time.monotonic() > deadline:
                return job
            time.sleep(poll)

    # ------------------------------------------------------------------ the embedded worker
    def start(self) -> None:
        """Start the embedded worker (nothing without ``embedded``, or when it runs already)."""
        if self.embedded is None:
            return
        with self._lock:
            if self._closed or (self._worker is not None and self._worker.alive):
                return
            from shopmind.worker import Worker

            self._worker = Worker(self, self.embedded, name="embedded")
            self._worker.start()

    @property
    def worker(self) -> Worker | None:
        """The embedded worker (None when there is none or it has not started)."""
        return self._worker

    def close(self, timeout: float = 5.0) -> None:
        """Take no more jobs; the embedded worker finishes its job within ``timeout`` seconds or puts
        it back in the queue for another worker."""
        with self._lock:
            self._closed = True
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop(timeout)
