"""Benchmark: following the store at catalog scale — a tick with nothing changed, one change until it is
searchable, and the full load a new process does once (what every sync cost before the change log).

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_sync.py --products 10000 100000
    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_sync.py --products 100000 --url postgresql+psycopg://…

The catalog is the demo generator's at the requested size (fixed seed), written with one purchase
event per product, in a fresh SQLite file (or the database at ``--url``, whose ShopMind tables are
dropped and created again). Search is lexical-only (no encoding), followed together with the
recommendation catalog, as an engine follows them. Figures (medians) go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from shopmind.artifacts import ArtifactStore
from shopmind.data.simulate import DemoConfig
from shopmind.data.simulate_catalog import make_catalog
from shopmind.data.store import Store
from shopmind.followers import Followers
from shopmind.recommend.service import RecommendationService
from shopmind.search.index import IndexConfig
from shopmind.search.service import SearchConfig, SearchService


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def catalog(n: int, seed: int = 7) -> pd.DataFrame:
    cfg = DemoConfig(seed=seed, scale=n / DemoConfig().n_products)
    start = int(np.datetime64(cfg.start, "s").astype("int64"))
    return make_catalog(cfg, np.random.default_rng(seed), start).frame


def purchases(products: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(products)
    return pd.DataFrame(
        {
            "event_id": [f"E{i:09d}" for i in range(n)],
            "customer_id": [f"C{i:06d}" for i in rng.integers(0, 50_000, n)],
            "type": "purchase",
            "product_id": products["product_id"].to_numpy()[rng.integers(0, n, n)],
            "ts": pd.Timestamp("2025-06-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 86400 * 60, n), "s"),
        }
    )


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(times)


def one_change_visible(store: Store, search: SearchService, product: dict, i: int) -> float:
    """Seconds from committing one product change to seeing it in search (the followers' thread)."""
    word = f"zqx{i}marker"
    t0 = time.perf_counter()
    store.upsert("products", [product | {"title": f"{product['title']} {word}"}])
    while not search.search(word)["products"]:
        time.sleep(0.002)
    return time.perf_counter() - t0


def run(n: int, url: str | None, tmp: str, repeat: int, interval: float, full: int) -> dict[str, float]:
    store = Store(url or f"sqlite:///{tmp}/sync{n}.db")
    if url:
        store.drop_all()
    store.migrate()
    products = catalog(n)
    t0 = time.perf_counter()
    store.write_frames({"products": products, "events": purchases(products)})
    write_s = time.perf_counter() - t0
    rss0, t0 = rss_mb(), time.perf_counter()
    config = SearchConfig(index=IndexConfig(dense=False), mode="lexical", log_events=False)
    search = SearchService(store, config)
    recs = RecommendationService(store, ArtifactStore(Path(tmp) / f"artifacts{n}"))
    load_s = time.perf_counter() - t0
    followers = Followers(store, interval=interval)
    followers.add(search.follower)
    followers.add(recs.follower)
    followers.catch_up()
    idle_ms = median_ms(followers.catch_up, 5 * repeat)
    full_ms = median_ms(lambda: search.sync(force=True), full)
    product = store.products_by_ids([str(products["product_id"].iloc[n // 2])])[0]
    prices = iter(range(1, 10**6))

    def write_and_apply() -> None:
        store.upsert("products", [product | {"price": float(next(prices))}])
        followers.catch_up()

    apply_ms = median_ms(write_and_apply, repeat)
    followers.start()
    try:
        visible = [one_change_visible(store, search, product, i) for i in range(repeat)]
    finally:
        followers.close()
    store.dispose()
    return {
        "products": n,
        "write catalog s": write_s,
        "full load s": load_s,
        "memory MiB": rss_mb() - rss0,
        "idle tick ms": idle_ms,
        "full reload ms": full_ms,
        "write+apply one ms": apply_ms,
        "visible s": statistics.median(visible),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--products", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--url", default=None, help="a scratch database (its ShopMind tables are recreated)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--interval", type=float, default=0.5, help="seconds between the followers' reads")
    ap.add_argument("--full-repeat", type=int, default=3, help="timed full reloads (slow at 1M)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.products:
            row = run(n, args.url, tmp, args.repeat, args.interval, args.full_repeat)
            cells = [f"{k}: {v:,.3f}" if isinstance(v, float) else f"{k}: {v:,}" for k, v in row.items()]
            print("  ".join(cells), flush=True)


if __name__ == "__main__":
    main()
