"""Benchmark: the ingestion fuzz in full — 1,000 generated files mixing valid and malformed rows.

    .venv/bin/python bench/bench_ingest_fuzz.py --files 1000 [--database-url postgresql+psycopg://…]

Each file (CSV / JSON Lines / Parquet; products, customers, events, orders; seven encodings) is
ingested into one store; the run checks that every valid row was stored with its values, that the
rejects file names every bad row by its line, and that nothing raised. Prints the counts, any
problem found, and the time per file; the figure goes to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import collections
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from shopmind.data.ingest import ingest_file
from shopmind.data.ingest_fuzz import check_case, check_store, make_case
from shopmind.data.store import Store


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = Store(args.database_url or f"sqlite:///{folder / 'fuzz.db'}")
        store.migrate()
        cases, problems, seconds = [], [], []
        kinds: collections.Counter[str] = collections.Counter()
        rows = bad = 0
        for i in range(args.files):
            case = make_case(folder, i, seed=args.seed)
            kinds[f"{case.kind}/{case.fmt}/{case.encoding or 'detected'}"] += 1
            t0 = time.perf_counter()
            try:
                batch = rng.choice((3, 7, 20_000))  # orders and rejects across batch boundaries, and in one
                report = ingest_file(
                    store, case.kind, case.path, encoding=case.encoding, batch_size=batch,
                    rejects_path=folder / f"rejects-{i}.csv",
                )  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - a traceback is what the fuzz looks for
                problems.append(f"{case.path.name}: {type(exc).__name__}: {exc}")
                continue
            seconds.append(time.perf_counter() - t0)
            problems += [f"{case.path.name}: {p}" for p in check_case(case, report)]
            rows, bad = rows + report.rows_read, bad + report.rows_rejected
            cases.append(case)
        problems += check_store(store, cases)
        store.dispose()
    mixes = f"{len(kinds)} kind/format/encoding mixes"
    print(f"{args.files:,} files ({mixes}), {rows:,} rows read, {bad:,} rejected")
    print(
        f"ingestion: {sum(seconds):.1f} s in all, median {statistics.median(seconds) * 1000:.0f} ms per file"
    )
    print(f"problems: {len(problems)}")
    for line in problems[:30]:
        print("  ", line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
