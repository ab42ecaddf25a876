"""Benchmark: ingest N event rows from CSV into a fresh SQLite file.

    .venv/bin/python bench/bench_ingest.py --rows 1000000 --repeat 3

Prints rows/s per run and the median; the figure goes to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from shopmind.data.ingest import ingest_file
from shopmind.data.store import Store


def make_events_csv(path: Path, rows: int, seed: int = 0) -> None:
    """A realistic event file: 5% searches, the rest product events, timestamps over a year."""
    rng = np.random.default_rng(seed)
    types = rng.choice(
        ["view", "click", "add_to_cart", "purchase", "search"], rows, p=[0.6, 0.2, 0.08, 0.07, 0.05]
    )
    start = pd.Timestamp("2025-01-01", tz="UTC").value // 10**9
    ts = pd.to_datetime(np.sort(rng.integers(start, start + 365 * 86400, rows)), unit="s", utc=True)
    df = pd.DataFrame(
        {
            "customer_id": np.char.add("C", rng.integers(0, 50_000, rows).astype(str)),
            "session_id": np.char.add("S", (np.arange(rows) // 8).astype(str)),
            "type": types,
            "product_id": np.where(
                types == "search", "", np.char.add("P", rng.integers(0, 100_000, rows).astype(str))
            ),
            "query": np.where(types == "search", "red dress", ""),
            "value": np.where(types == "purchase", "1", ""),
            "ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    )
    df.to_csv(path, index=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "events.csv"
        make_events_csv(csv, args.rows)
        print(f"file: {csv.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows")
        times = []
        for i in range(args.repeat):
            db = Path(tmp) / f"bench{i}.db"
            store = Store(f"sqlite:///{db}")
            store.migrate()
            t0 = time.perf_counter()
            report = ingest_file(store, "events", csv, rejects_path=Path(tmp) / "rejects.csv")
            dt = time.perf_counter() - t0
            assert report.rows_written == args.rows, report
            times.append(dt)
            print(f"run {i + 1}: {dt:.1f} s ({args.rows / dt:,.0f} rows/s)")
            store.dispose()
        med = statistics.median(times)
        print(f"median: {med:.1f} s for {args.rows:,} rows ({args.rows / med:,.0f} rows/s)")


if __name__ == "__main__":
    main()
