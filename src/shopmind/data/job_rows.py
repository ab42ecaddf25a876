"""The durable job queue's rows: insert, claim, heartbeat, finish, release, requeue (see shopmind.jobs).

Part of :class:`~shopmind.data.store.Store`. Two workers never claim one job: the claim is one
``UPDATE … WHERE job_id = (SELECT … LIMIT 1 FOR UPDATE SKIP LOCKED) AND status = 'queued'
RETURNING …`` — on PostgreSQL concurrent claimers skip each other's locked rows, and SQLite runs
write statements one at a time, so the status check decides there. A kind that runs one job at a
time holds the unique ``exclusive_kind`` column while its job is queued or running, so a second one is
refused by the database itself, across processes. Every write to a running job names its worker
(``WHERE worker_id = …``): a worker that lost its job (requeued after its heartbeat stopped) writes
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shopmind.data import tables as T
from shopmind.data.sql import plain

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

UNFINISHED = ("queued", "running")


def kind_filter(kinds: Sequence[str]) -> Any:
    """A condition on ``jobs.kind`` for names and ``prefix:*`` patterns (every kind when empty)."""
    if not kinds:
        return sa.true()
    k = T.jobs.c.kind
    exact = [p for p in kinds if not p.endswith("*")]
    prefixes = [p[:-1] for p in kinds if p.endswith("*")]
    return sa.or_(k.in_(exact), *(k.startswith(p, autoescape=True) for p in prefixes))


class JobQueries:
    """Rows of the ``jobs`` table (a part of :class:`~shopmind.data.store.Store`)."""

    engine: Engine

    def insert_job(self, row: Mapping[str, Any]) -> dict[str, Any] | None:
        """Insert a job; with ``exclusive_kind`` set and a job of that kind unfinished, insert nothing
        and return the unfinished one instead (None when inserted)."""
        j = T.jobs
        for _ in range(5):  # the busy job may finish between the refused insert and the look-up
            try:
                with self.engine.begin() as conn:
                    conn.execute(j.insert().values(**row))
                return None
            except IntegrityError:
                if not row.get("exclusive_kind"):
                    raise
            busy = self._one(j.c.exclusive_kind == row["exclusive_kind"])
            if busy is not None:
                return busy
        raise RuntimeError(f"could not queue a {row['kind']} job: its kind stayed locked")

    def job(self, job_id: str) -> dict[str, Any] | None:
        return self._one(T.jobs.c.job_id == job_id)

    def jobs(self, limit: int = 50, kinds: Sequence[str] = ()) -> list[dict[str, Any]]:
        """The newest jobs first (of ``kinds`` names or ``prefix:*`` patterns when given)."""
        j = T.jobs
        stmt = sa.select(j).where(kind_filter(kinds)).order_by(j.c.created_at.desc(), j.c.job_id.desc())
        with self.engine.connect() as conn:
            return [plain(r) for r in conn.execute(stmt.limit(limit)).mappings()]

    def unfinished_job(self, kind: str) -> dict[str, Any] | None:
        """The oldest queued or running job of ``kind``."""
        j = T.jobs
        return self._one(j.c.kind == kind, j.c.status.in_(UNFINISHED))

    def _one(self, *cond: Any) -> dict[str, Any] | None:
        j = T.jobs
        stmt = sa.select(j).where(*cond).order_by(j.c.created_at).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).mappings().first()
        return None if row is None else plain(row)

    def has_queued_jobs(self, kinds: Sequence[str] = ()) -> bool:
        """Whether a job of ``kinds`` waits (a cheap read before trying a claim)."""
        j = T.jobs
        stmt = sa.select(j.c.job_id).where(j.c.status == "queued", kind_filter(kinds)).limit(1)
        with self.engine.connect() as conn:
            return conn.execute(stmt).first() is not None

    def claim_job(self, worker_id: str, kinds: Sequence[str], now: datetime) -> dict[str, Any] | None:
        """Take the oldest queued job of ``kinds`` for ``worker_id`` (running, one more attempt)."""
        j = T.jobs
        oldest = (
            sa.select(j.c.job_id)
            .where(j.c.status == "queued", kind_filter(kinds))
            .order_by(j.c.created_at, j.c.job_id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        stmt = (
            j.update()
            .where(j.c.job_id == oldest, j.c.status == "queued")
            .values(
                status="running",
                worker_id=worker_id,
                attempts=j.c.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                finished_at=None,
            )  # fmt: skip
            .returning(*j.c)
        )
        with self.engine.begin() as conn:
            row = conn.execute(stmt).mappings().first()
        return None if row is None else plain(row)

    def _owned(self, job_id: str, worker_id: str) -> Any:
        j = T.jobs
        return sa.and_(j.c.job_id == job_id, j.c.worker_id == worker_id, j.c.status == "running")

    def beat_job(self, job_id: str, worker_id: str, now: datetime, **fields: Any) -> bool:
        """Record that ``worker_id`` still runs the job (and its ``progress``/``log``); False when the
        job is no longer this worker's."""
        with self.engine.begin() as conn:
            done = conn.execute(
                T.jobs.update().where(self._owned(job_id, worker_id)).values(heartbeat_at=now, **fields)
            )
            return done.rowcount > 0

    def finish_job(self, job_id: str, worker_id: str, status: str, now: datetime, **fields: Any) -> bool:
        """Mark the job ``done`` or ``failed`` with its ``result``/``error``/``progress``/``log``; False
        (nothing written) when the job is no longer this worker's."""
        values = {"status": status, "finished_at": now, "heartbeat_at": now, "exclusive_kind": None, **fields}
        with self.engine.begin() as conn:
            return (
                conn.execute(T.jobs.update().where(self._owned(job_id, worker_id)).values(**values)).rowcount
                > 0
            )

    def release_job(self, job_id: str, worker_id: str, **fields: Any) -> bool:
        """Put a job this worker is running back in the queue, the attempt not counted (a clean stop)."""
        j = T.jobs
        values = {"status": "queued", "worker_id": None, "started_at": None, "heartbeat_at": None,
                  "attempts": j.c.attempts - 1, **fields}  # fmt: skip
        with self.engine.begin() as conn:
            return (
                conn.execute(j.update().where(self._owned(job_id, worker_id)).values(**values)).rowcount > 0
            )

    def requeue_stale_jobs(self, cutoff: datetime, now: datetime, error: str) -> tuple[list[str], list[str]]:
        """Running jobs whose last heartbeat is older than ``cutoff``: queued again while attempts
        remain, else failed with ``error``. Returns (requeued ids, failed ids)."""
        j = T.jobs
        stale = sa.and_(j.c.status == "running", j.c.heartbeat_at < cutoff)
        retry = sa.and_(stale, j.c.attempts < j.c.max_attempts)
        give_up = sa.and_(stale, j.c.attempts >= j.c.max_attempts)
        with self.engine.begin() as conn:
            requeued = (
                conn.execute(
                    j.update().where(retry).values(status="queued", worker_id=None).returning(j.c.job_id)
                )
                .scalars()
                .all()
            )
            failed = (
                conn.execute(
                    j.update()
                    .where(give_up)
                    .values(status="failed", error=error, finished_at=now, exclusive_kind=None)
                    .returning(j.c.job_id)  # fmt: skip
                )
                .scalars()
                .all()
            )
        return list(requeued), list(failed)

    def prune_jobs(self, keep: int) -> int:
        """Delete finished jobs beyond the newest ``keep``; how many were deleted."""
        j = T.jobs
        finished = j.c.status.in_(("done", "failed"))
        newest = sa.select(j.c.job_id).where(finished).order_by(j.c.created_at.desc()).limit(keep)
        with self.engine.begin() as conn:
            return conn.execute(j.delete().where(finished, j.c.job_id.not_in(newest))).rowcount
