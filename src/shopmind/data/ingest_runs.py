"""The log of ingestion runs (``GET /admin/ingest-runs``), and runs whose process died.

A run is logged as ``running`` with the machine (``host``) and process (``pid``) doing it; with every
batch its counts so far and a fresh ``heartbeat_at`` are written in the batch's own transaction (so
the log never counts a row the store does not hold). It ends ``done`` or ``failed``; a process killed
outright (``kill -9``, a lost machine) cannot say so, and its run would stay ``running`` forever.
:func:`mark_interrupted` — called when ``shopmind ingest``, a server or a worker starts — marks such
runs ``interrupted`` (``finished_at`` is their last heartbeat): a run on this machine whose process
is gone, once its heartbeat is :data:`GRACE_SECONDS` old (the process might be in another PID
namespace under the same host name), and any run whose heartbeat is older than ``stale_after``
seconds. A live run that was marked by mistake sets itself back to running at its next batch.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from shopmind.data.store import Store

log = logging.getLogger(__name__)

# A dead process on this machine is believed once its run's heartbeat is this old (seconds).
GRACE_SECONDS = 10.0


def _host() -> str:
    return socket.gethostname()[:255]


def _alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists (owned by someone else), or the platform cannot tell
    return True


def start_run(store: Store, kind: str, path: Path) -> dict[str, Any]:
    """Log a new run as running, on this host and process."""
    now = datetime.now(UTC)
    run = {
        "run_id": secrets.token_hex(8),
        "kind": kind,
        "source": str(path),
        "started_at": now,
        "status": "running",
        "host": _host(),
        "pid": os.getpid(),
        "heartbeat_at": now,
    }
    store.record_ingest_run(run)
    return run


def heartbeat(
    store: Store, run: dict[str, Any], counts: dict[str, Any], conn: Connection | None = None
) -> None:
    """The run is alive: its counts so far and a fresh heartbeat (and ``running`` again if it was
    marked interrupted by mistake); in ``conn``'s transaction when given."""
    run.update(counts, heartbeat_at=datetime.now(UTC), status="running", finished_at=None)
    store.record_ingest_run(run, conn)


def finish_run(store: Store, run: dict[str, Any], counts: dict[str, Any], status: str) -> None:
    now = datetime.now(UTC)
    run.update(counts, finished_at=now, heartbeat_at=now, status=status)
    store.record_ingest_run(run)


def _dead(run: dict[str, Any], now: datetime, stale_after: float, grace: float, host: str) -> bool:
    beat = run.get("heartbeat_at") or run["started_at"]
    age = (now - beat).total_seconds()
    if age > stale_after:
        return True
    same_process_table = run.get("host") == host and run.get("pid") is not None
    return same_process_table and age > grace and not _alive(int(run["pid"]))


def mark_interrupted(store: Store, stale_after: float = 600.0, grace: float = GRACE_SECONDS) -> list[str]:
    """Mark the runs whose process died as interrupted (see the module docstring); their ids.
    ``grace``: how old the heartbeat of a run on this machine whose process is gone must be."""
    now, host = datetime.now(UTC), _host()
    marked = []
    for run in store.running_ingest_runs():
        if run.get("pid") == os.getpid() and run.get("host") == host:
            continue  # this very process
        if _dead(run, now, stale_after, grace, host):
            last = run.get("heartbeat_at") or run["started_at"]
            if store.end_ingest_run(run["run_id"], "interrupted", last, run.get("heartbeat_at")):
                marked.append(run["run_id"])
                log.warning(
                    "ingest run %s (%s from %s on %s, pid %s) was interrupted: last seen %s",
                    run["run_id"],
                    run["kind"],
                    run["source"],
                    run.get("host"),
                    run.get("pid"),
                    last,
                )
    return marked
