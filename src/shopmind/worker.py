"""Workers: claim jobs from the store's queue, run them, report progress, survive each other's deaths.

A :class:`Worker` runs on one thread: it claims the oldest queued job whose kind its queue has a
handler for (or the ``kinds`` it is limited to), runs the handler, and writes the result or error.
While a job runs, a second thread writes the job's heartbeat every few seconds and its progress and
log lines at most every ``flush`` seconds, so every replica sees them. Every worker also requeues
jobs whose heartbeat stopped for ``stale_after`` seconds (their worker died: ``kill -9``, a lost
machine) — until a job has used its attempts, when it fails.

``shopmind worker`` runs one in the foreground (:func:`serve`); a server runs one embedded
(``SHOPMIND_EMBEDDED_WORKER``). Stopping (SIGTERM, Ctrl-C, :meth:`Worker.stop`) lets the running job
finish for a grace period, then puts it back in the queue for another worker.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shopmind.jobs import Job, JobLostError, _current

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from shopmind.jobs import JobQueue

log = logging.getLogger(__name__)
LIBRARY_LOGGER = "shopmind"


@dataclass(frozen=True)
class WorkerConfig:
    """How a worker polls and reports (built by the engine or ``shopmind worker`` from settings)."""

    poll: float = 1.0  # seconds between looks at the queue while idle
    stale_after: float = 30.0  # a running job without a heartbeat this long lost its worker: requeued
    flush: float = 0.5  # progress and log lines are written at most this often
    kinds: tuple[str, ...] = ()  # kind names or prefix:* patterns to run (empty: every handled kind)

    @property
    def heartbeat(self) -> float:
        """Seconds between two heartbeats of a running job (a fifth of ``stale_after``)."""
        return max(0.2, min(5.0, self.stale_after / 5))


# ---------------------------------------------------------------------------- log capture
_level_lock = threading.Lock()
_level_users = 0
_level_saved = logging.NOTSET


@contextmanager
def _library_info() -> Iterator[None]:
    """The library's INFO records (the progress lines) are emitted while any job runs in the process;
    the logger's own level is restored when the last one ends."""
    global _level_users, _level_saved
    lib = logging.getLogger(LIBRARY_LOGGER)
    with _level_lock:
        if _level_users == 0:
            _level_saved = lib.level
            if lib.getEffectiveLevel() > logging.INFO:
                lib.setLevel(logging.INFO)
        _level_users += 1
    try:
        yield
    finally:
        with _level_lock:
            _level_users -= 1
            if _level_users == 0:
                lib.setLevel(_level_saved)


class _JobLog(logging.Handler):
    """Copies library log records emitted on the worker's thread into the running job's log."""

    def __init__(self, worker: Worker) -> None:
        super().__init__(logging.INFO)
        self.worker = worker
        self.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s", "%H:%M:%S"))

    def emit(self, record: logging.LogRecord) -> None:
        job = self.worker.job
        if job is not None and record.thread == self.worker._ident:
            job.add_log(self.format(record))


# ---------------------------------------------------------------------------- the worker
class Worker:
    """Runs jobs of one :class:`~shopmind.jobs.JobQueue` (see the module docstring)."""

    def __init__(self, queue: JobQueue, config: WorkerConfig | None = None, name: str = "worker") -> None:
        self.queue, self.config = queue, config or WorkerConfig()
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{name}-{secrets.token_hex(3)}"
        self.job: Job | None = None  # the job running now
        self.ran = 0  # jobs run to an end (done or failed)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._ident: int | None = None
        self._checked = 0.0  # when stale jobs were last requeued

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def kinds(self) -> list[str]:
        """What this worker claims: its configured kinds that the queue has handlers for."""
        handled = self.queue.kinds()
        return overlap(self.config.kinds, handled) if self.config.kinds else handled

    def start(self) -> threading.Thread:
        """Run :meth:`run` on a daemon thread; returns it."""
        self._thread = threading.Thread(target=self.run, name=f"shopmind-{self.worker_id}", daemon=True)
        self._thread.start()
        return self._thread

    def wake(self) -> None:
        """Look at the queue now (a job was just submitted in this process)."""
        self._wake.set()

    def run(self, once: bool = False) -> int:
        """Claim and run jobs until stopped (with ``once``: until none is queued); returns how many ran."""
        self._ident = threading.get_ident()
        capture = _JobLog(self)
        lib = logging.getLogger(LIBRARY_LOGGER)
        lib.addHandler(capture)
        log.info("worker %s takes %s", self.worker_id, ", ".join(self.kinds()))
        try:
            while not self._stop.is_set():
                self._requeue_stale()
                job = self._claim(self.kinds())  # handlers may be registered while it runs
                if job is not None:
                    self._execute(job)
                    continue
                if once:
                    break
                self._wake.wait(self.config.poll)
                self._wake.clear()
        finally:
            lib.removeHandler(capture)
        return self.ran

    def stop(self, timeout: float = 5.0) -> bool:
        """Take no more jobs; let the running one finish within ``timeout`` seconds, else put it back
        in the queue. True when the worker ended within the time."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                self.release()
                return False
        return True

    def release(self) -> None:
        """Put the running job back in the queue (its attempt not counted) and stop reporting for it."""
        job = self.job
        if job is None:
            return
        job._lost = True
        try:
            released = self.queue.store.release_job(
                job.job_id, self.worker_id, progress=job.progress, log=job.log
            )
        except Exception as exc:  # noqa: BLE001 - then the job is requeued when its heartbeat is stale
            log.warning("job %s could not be put back in the queue (%s)", job.job_id, exc)
            return
        if released:
            log.warning("job %s put back in the queue: worker %s stopped", job.job_id, self.worker_id)

    # ------------------------------------------------------------------ one job
    def _claim(self, kinds: list[str]) -> Job | None:
        store = self.queue.store
        try:
            if not store.has_queued_jobs(kinds):
                return None
            row = store.claim_job(self.worker_id, kinds, _now())
        except Exception as exc:  # noqa: BLE001 - a database outage must not end the worker
            log.warning("worker %s: cannot read the job queue (%s); retrying", self.worker_id, exc)
            self._stop.wait(self.config.poll)
            return None
        return None if row is None else Job.from_row(row)

    def _execute(self, job: Job) -> None:
        self.job, ended = job, threading.Event()
        reporter = threading.Thread(target=self._report, args=(job, ended), name="shopmind-job-heartbeat",
                                    daemon=True)  # fmt: skip
        log.info("job %s started: %s (attempt %d of %d)", job.job_id, job.title, job.attempts,
                 job.max_attempts)  # fmt: skip
        t0 = time.monotonic()
        with _library_info():
            reporter.start()
            try:
                status, result, error = self._run_handler(job)
            finally:
                self.job = None
                ended.set()
        reporter.join()
        self._finish(job, status, result, error, time.monotonic() - t0)

    def _run_handler(self, job: Job) -> tuple[str, Any, str | None]:
        """(status, result, error) of running ``job``'s handler on this thread."""
        token = _current.set(job)
        try:
            handler = self.queue.handler(job.kind)
            if handler is None:
                raise LookupError(f"this worker has no handler for {job.kind!r}")
            return "done", handler(job) or {}, None
        except JobLostError:
            return "lost", None, None
        except Exception as exc:  # noqa: BLE001 - a failed job reports its error, the worker lives on
            job.add_log(traceback.format_exc(limit=3).strip().splitlines()[-1])
            return "failed", None, f"{type(exc).__name__}: {exc}"
        finally:
            _current.reset(token)

    def _finish(self, job: Job, status: str, result: Any, error: str | None, seconds: float) -> None:
        if status == "lost" or job._lost:
            log.warning("job %s: no longer this worker's; its outcome is dropped", job.job_id)
            return
        fields = {"result": result, "error": error, "progress": job.progress, "log": job.log}
        written = self._retry(lambda: self.queue.store.finish_job(job.job_id, self.worker_id, status, _now(),
                                                                  **fields))  # fmt: skip
        self.ran += 1
        if not written:
            log.warning("job %s was taken from this worker; its outcome is dropped", job.job_id)
        elif error:
            log.warning("job %s (%s) failed: %s", job.job_id, job.title, error)
        else:
            log.info("job %s done in %.1f s: %s", job.job_id, seconds, job.title)
        if self.ran % 50 == 0:
            self._retry(lambda: self.queue.store.prune_jobs(self.queue.config.keep))

    def _retry(self, write: Callable[[], Any]) -> Any:
        """``write()``, tried again every ``poll`` seconds while the store cannot be reached, for up to
        ``stale_after`` seconds (after that the job is another worker's anyway); None if it never ran."""
        deadline = time.monotonic() + self.config.stale_after
        while True:
            try:
                return write()
            except Exception as exc:  # noqa: BLE001 - a database outage must not end the worker
                if time.monotonic() > deadline:
                    log.error("worker %s: giving up writing to the store (%s)", self.worker_id, exc)
                    return None
                log.warning("worker %s: cannot write to the store (%s); retrying", self.worker_id, exc)
                time.sleep(self.config.poll)

    def _report(self, job: Job, ended: threading.Event) -> None:
        """Heartbeat + progress/log writer of the running ``job``, until ``ended`` (on its own thread)."""
        store, cfg = self.queue.store, self.config
        last_beat = time.monotonic()
        while not ended.wait(cfg.flush) and not job._lost:
            changes = job.take_changes()
            if changes is None and time.monotonic() - last_beat < cfg.heartbeat:
                continue
            try:
                if not store.beat_job(job.job_id, self.worker_id, _now(), **(changes or {})):
                    job._lost = True
                    log.warning("job %s was requeued while this worker ran it", job.job_id)
                last_beat = time.monotonic()
            except Exception as exc:  # noqa: BLE001 - the job goes on; the next beat tries again
                log.warning("job %s: heartbeat not written (%s)", job.job_id, exc)

    def _requeue_stale(self) -> None:
        """Requeue (or fail) jobs whose worker stopped beating; at most every ``stale_after / 4`` s."""
        now = time.monotonic()
        if now - self._checked < max(0.5, self.config.stale_after / 4):
            return
        self._checked = now
        stale = self.config.stale_after
        error = f"its worker stopped (no heartbeat for {stale:g} s) on every attempt"
        try:
            requeued, failed = self.queue.store.requeue_stale_jobs(
                _now() - timedelta(seconds=stale), _now(), error
            )
        except Exception as exc:  # noqa: BLE001 - a database outage must not end the worker
            log.warning("worker %s: cannot check for stale jobs (%s)", self.worker_id, exc)
            return
        for job_id in requeued:
            log.warning("job %s requeued: its worker stopped sending heartbeats", job_id)
        for job_id in failed:
            log.warning("job %s failed: its worker stopped on its last attempt", job_id)


def lower_priority(steps: int) -> int:
    """Lower this process's CPU priority by ``steps`` (Unix nice; 0 leaves it), so that serving
    processes on the same machine get the cores first while a training runs. Returns the niceness now."""
    if not hasattr(os, "nice"):  # not a Unix system: nothing to lower
        return 0
    if steps <= 0:
        return os.nice(0)
    now = os.nice(steps)
    log.info("worker: CPU priority lowered to nice %d (serving processes on this machine come first)", now)
    return now


def _now() -> datetime:
    return datetime.now(UTC)


def _covers(pattern: str, kind: str) -> bool:
    return kind == pattern or (pattern.endswith("*") and kind.startswith(pattern[:-1]))


def overlap(wanted: tuple[str, ...] | list[str], handled: list[str]) -> list[str]:
    """The kinds (names or ``prefix:*`` patterns) in both ``wanted`` and ``handled``."""
    out: set[str] = set()
    for w in wanted:
        if not w.endswith("*"):
            out.update(w for h in handled if _covers(h, w))
            continue
        for h in handled:
            if _covers(h, w):  # a handler pattern as wide as w or wider
                out.add(w)
            elif h.startswith(w[:-1]):  # a handled name or a narrower pattern inside w
                out.add(h)
    return sorted(out)


# ---------------------------------------------------------------------------- shopmind worker
def serve(worker: Worker, once: bool = False, grace: float = 30.0) -> int:
    """Run ``worker`` in the foreground until SIGTERM/SIGINT (or, with ``once``, until the queue is
    empty). On a signal the running job gets ``grace`` seconds to finish, then goes back to the queue
    (a second signal: at once). Returns the number of jobs run."""
    if once:
        return worker.run(once=True)
    signals = {"n": 0}
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        signals["n"] += 1
        log.info("worker %s: %s received, stopping", worker.worker_id, signal.Signals(signum).name)
        stop.set()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        thread = worker.start()
        while thread.is_alive() and not stop.wait(0.2):
            pass
        worker._stop.set()
        worker._wake.set()
        deadline = time.monotonic() + grace
        while thread.is_alive() and time.monotonic() < deadline and signals["n"] < 2:
            thread.join(0.2)
        if thread.is_alive():
            worker.release()
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
    log.info("worker %s stopped after %d job(s)", worker.worker_id, worker.ran)
    return worker.ran
