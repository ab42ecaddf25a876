"""Ingestion runs whose process died are marked interrupted — never one another live process is doing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shopmind.data.ingest import ingest_file
from shopmind.data.ingest_runs import mark_interrupted
from shopmind.data.store import Store

HEADER = "product_id,title,price,stock,category\n"


def write(tmp_path: Path, name: str, data: str) -> Path:
    path = tmp_path / name
    path.write_text(data, encoding="utf-8")
    return path


def _ingest_in_a_child(db: Path, csv_path: Path) -> subprocess.Popen:
    script = (
        "import sys\n"
        "from shopmind.data.ingest import ingest_file\n"
        "from shopmind.data.store import Store\n"
        "ingest_file(Store(sys.argv[1]), 'products', sys.argv[2], batch_size=500)\n"
    )
    return subprocess.Popen([sys.executable, "-c", script, f"sqlite:///{db}", str(csv_path)])


def test_a_run_killed_mid_file_is_marked_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "shop.db"
    store = Store(f"sqlite:///{db}")
    store.migrate()
    rows = "\n".join(f"P{i},Item {i},{i},1,Home" for i in range(200_000))
    path = write(tmp_path, "p.csv", HEADER + rows + "\n")
    child = _ingest_in_a_child(db, path)
    try:
        deadline = time.monotonic() + 120
        while not (runs := store.running_ingest_runs()) or not runs[0]["rows_written"]:
            assert child.poll() is None and time.monotonic() < deadline, (
                "the child ended before it was killed"
            )
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    (run,) = store.running_ingest_runs()
    assert run["pid"] == child.pid and run["host"] and run["heartbeat_at"] is not None
    assert mark_interrupted(store, stale_after=600, grace=0) == [run["run_id"]]
    (after,) = store.last_ingest_runs(1)
    assert after["status"] == "interrupted" and after["finished_at"] == run["heartbeat_at"]
    written = store.counts()["products"]  # whole batches only, and the log counts them (same transaction)
    assert written % 500 == 0 and after["rows_written"] == written > 0
    store.dispose()


def test_live_runs_are_left_alone_and_stale_ones_marked_at_the_next_start(
    store: Store, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = socket.gethostname()
    base = {
        "kind": "products",
        "source": "x.csv",
        "started_at": now - timedelta(hours=1),
        "status": "running",
    }
    try:
        store.record_ingest_run(
            {**base, "run_id": "live", "host": host, "pid": live.pid, "heartbeat_at": now}
        )
        store.record_ingest_run(
            {**base, "run_id": "busy", "host": "elsewhere", "pid": 1, "heartbeat_at": now}
        )
        old = now - timedelta(minutes=20)
        store.record_ingest_run(
            {**base, "run_id": "quiet", "host": "elsewhere", "pid": 1, "heartbeat_at": old}
        )
        gone = now - timedelta(seconds=30)
        store.record_ingest_run(
            {**base, "run_id": "gone", "host": host, "pid": dead.pid, "heartbeat_at": gone}
        )
        store.record_ingest_run({**base, "run_id": "legacy"})  # logged before runs had a heartbeat
        ingest_file(store, "products", write(tmp_path, "p.csv", HEADER + "P1,Mug,1,1,Home\n"))  # a start
        status = {r["run_id"]: r["status"] for r in store.last_ingest_runs(10)}
        assert status == {
            "live": "running",
            "busy": "running",
            "quiet": "interrupted",
            "gone": "interrupted",
            "legacy": "interrupted",
            **{r: "done" for r in status if r not in ("live", "busy", "quiet", "gone", "legacy")},
        }
    finally:
        live.kill()
        live.wait()


def test_a_server_or_worker_start_marks_dead_runs(sqlite_store: Store) -> None:
    from shopmind.config import Settings
    from shopmind.engine import Engine

    hours_ago = datetime.now(UTC) - timedelta(hours=2)
    run = {"kind": "events", "source": "e.csv", "started_at": hours_ago, "status": "running"}
    sqlite_store.record_ingest_run(
        {**run, "run_id": "old", "host": "gone", "pid": 7, "heartbeat_at": hours_ago}
    )
    with Engine(Settings(), sqlite_store) as engine:  # `shopmind serve`/`demo` (start) and `worker`
        engine.mark_interrupted_ingest_runs()
    (after,) = sqlite_store.last_ingest_runs(1)
    assert after["status"] == "interrupted" and after["finished_at"] == hours_ago
