"""Benchmark: one search's own cost at a real shop's scale, in one thread, without HTTP.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_search_tail.py --products 100000

Builds the demo catalog at ``--products`` with one purchase per product (``bench_sync.py``'s
scale-up) in a SQLite file, starts an engine as a server does (search in its default hybrid mode
over the static encoder's vectors, HNSW above 20,000 rows; no encoding with the sentence encoder),
waits until every product has a vector, then times ``SearchService.search`` on the queries
``bench_serving.py`` sends (one or two title words, English and Chinese; search events not logged)
and prints p50/p90/p99/max in milliseconds with the slowest queries. It separates what a search
costs from what serving it under concurrency adds (``bench_serving.py``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_serving import title_queries  # noqa: E402
from bench_sync import catalog, purchases  # noqa: E402

from shopmind.config import Settings  # noqa: E402
from shopmind.data.store import Store  # noqa: E402
from shopmind.engine import Engine  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description="one search's cost in one thread, at scale")
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--settle", type=float, default=600, help="max seconds to wait for dense coverage")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="shopmind-bench-search-tail-"))
    url = f"sqlite:///{tmp / 'shop.db'}"
    store = Store(url)
    store.migrate()
    frame = catalog(args.products)
    store.write_frames({"products": frame, "events": purchases(frame)})
    queries = title_queries(store, args.queries)
    store.dispose()
    settings = Settings(database_url=url, var_dir=tmp / "var", artifacts_dir=tmp / "artifacts",
                        search_backfill_encode=False, embedded_worker=False)  # fmt: skip
    with Engine(settings) as engine:
        engine.start(wait=True)
        search = engine.search
        deadline = time.monotonic() + args.settle
        while search.status().get("dense", {}).get("coverage", 0) < 1 and time.monotonic() < deadline:
            time.sleep(1)
        dense = search.status().get("dense", {})
        for q in queries[:20]:  # first-use paths
            search.search(q, log=False)
        took = []
        for q in queries:
            t0 = time.perf_counter()
            answer = search.search(q, log=False)
            took.append(((time.perf_counter() - t0) * 1e3, q, answer["total"]))
    ms = np.array([t for t, _, _ in took])
    p50, p90, p99 = np.percentile(ms, [50, 90, 99])
    threads = os.environ.get("OMP_NUM_THREADS", "?")
    print(f"{args.products:,} products · SQLite · hybrid · OMP threads {threads}")
    print(f"dense vectors: {dense.get('encoder')} {dense.get('vectors')}/{dense.get('products')}")
    print(f"load: {os.getloadavg()[0]:.2f} (1 min)")
    print(f"{len(ms)} searches: p50 {p50:.1f} / p90 {p90:.1f} / p99 {p99:.1f} / max {ms.max():.1f} ms")
    for t, q, total in sorted(took, reverse=True)[:5]:
        print(f"  {t:7.1f} ms  {q!r} ({total} results)")


if __name__ == "__main__":
    main()
