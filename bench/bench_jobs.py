"""Benchmark: the durable job queue and the shared state's cost on the request path.

    .venv/bin/python bench/bench_jobs.py                       # SQLite file in a temporary folder
    .venv/bin/python bench/bench_jobs.py --url 'postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dbench_jobs'

(For PostgreSQL, create the schema first: ``psql -c 'CREATE SCHEMA bench_jobs'``; its tables are
created by the migrations and the jobs deleted after each run.)

Prints, as medians of ``--repeat`` runs: the time to queue one job; jobs per second drained by 1, 2
and 4 worker threads (no-op jobs, so what is measured is the queue: claim, heartbeat thread, finish);
and the per-call cost of what a request touches — ``Hot.get()`` with the published-model pointer in
the store (read at most once a second) against a CURRENT file, and a pin lookup. The figures go to
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from shopmind.artifacts import ArtifactStore, Hot, write_model
from shopmind.data.store import Store
from shopmind.jobs import JobQueue
from shopmind.search.pins import Pins
from shopmind.worker import Worker, WorkerConfig


def drain(store: Store, jobs: int, threads: int) -> tuple[float, float]:
    """(ms to queue one job, jobs/s drained by ``threads`` workers) for ``jobs`` no-op jobs."""
    queue = JobQueue(store)
    queue.register("bench:noop", lambda job: None)
    t0 = time.perf_counter()
    for i in range(jobs):
        queue.submit("bench:noop", f"noop {i}")
    submit_ms = (time.perf_counter() - t0) / jobs * 1000
    workers = [Worker(queue, WorkerConfig(poll=0.05), name=f"b{i}") for i in range(threads)]
    runs = [threading.Thread(target=w.run, kwargs={"once": True}) for w in workers]
    t0 = time.perf_counter()
    for t in runs:
        t.start()
    for t in runs:
        t.join()
    seconds = time.perf_counter() - t0
    assert sum(w.ran for w in workers) == jobs
    store.prune_jobs(0)
    return submit_ms, jobs / seconds


def per_call_us(fn, calls: int) -> float:
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls * 1e6


def request_path(store: Store, root: Path, calls: int) -> dict[str, float]:
    """µs per call of Hot.get() (store pointer / CURRENT file) and of a pin lookup."""
    shared = ArtifactStore(root / "shared", pointers=store)
    plain = ArtifactStore(root / "plain")
    for artifacts in (shared, plain):
        artifacts.save_version("bench", "m", lambda p: write_model(p, {"m": 1}))
    pins = Pins(store)
    pins.set("red dress", ["P1", "P2"])
    return {
        "Hot.get, pointer in the store": per_call_us(Hot("bench", str, shared).get, calls),
        "Hot.get, CURRENT file": per_call_us(Hot("bench", str, plain).get, calls),
        "pin lookup": per_call_us(lambda: pins.get("Red Dress"), calls),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="", help="database URL (default: a SQLite file in a temp folder)")
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(args.url or f"sqlite:///{tmp}/bench.db")
        store.migrate()
        print(f"database: {store.dialect}; {args.jobs} no-op jobs, median of {args.repeat} runs")
        for threads in (1, 2, 4):
            runs = [drain(store, args.jobs, threads) for _ in range(args.repeat)]
            submit = statistics.median(r[0] for r in runs)
            rate = statistics.median(r[1] for r in runs)
            print(f"  {threads} worker thread(s): {rate:7.1f} jobs/s   (queueing one job: {submit:.2f} ms)")
        costs = [request_path(store, Path(tmp) / f"r{i}", args.calls) for i in range(args.repeat)]
        for name in costs[0]:
            print(f"  {name}: {statistics.median(c[name] for c in costs):.2f} µs per call")
        store.dispose()


if __name__ == "__main__":
    main()
