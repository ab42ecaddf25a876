"""Search speed: index build time and memory, p50/p99 latency at 1 client, QPS at 4 clients.

    OMP_NUM_THREADS=1 python bench/bench_search.py [--products 100000] [--queries 300] \
        [--extra-encoder st:minilm] [--lang en]

The catalog is the demo catalog drawn at the given size (seed 7); every query is distinct and is
encoded by the sentence encoder at query time. See shopmind.search.bench for how the 100k vectors
are made without encoding 100k titles (a base of 3,000 encoded titles plus noise).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
from datetime import UTC, datetime

from shopmind.search.bench import run_benchmark


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--extra-encoder", default="", help="a second encoder in the index (st:minilm)")
    ap.add_argument("--lang", default="", choices=["", "en", "zh"], help="one language's queries only")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(
        f"{datetime.now(UTC):%Y-%m-%d}, {platform.node()}, {os.cpu_count()} CPUs, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}\n"
    )
    print(
        run_benchmark(
            n_products=args.products, n_queries=args.queries, extra_encoder=args.extra_encoder, lang=args.lang
        )
    )


if __name__ == "__main__":
    main()
