"""Benchmark: latency of top-20 recommendations over a 100k-product catalog.

    .venv/bin/python bench/bench_rec_latency.py --items 100000 --model sasrec --requests 1000

Builds a synthetic shop in a temporary SQLite file (100k products, 20k customers, ~400k
events with clustered tastes), trains ``--model`` briefly (latency does not depend on how
well it is trained), publishes it, then times ``RecommendationService.recommend(customer, 20)``
— the whole serving path: the customer's recent events and purchases from the store, model
scoring over every item, stock/bought exclusion and the top-k cut — for random customers, the
same with a category filter, and the model-only scoring step. Prints p50/p90/p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import numpy as np
import pandas as pd


def build_shop(store, n_items: int, n_users: int, n_events: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    n_cats = 50
    cat_of = rng.integers(0, n_cats, n_items)
    products = pd.DataFrame(
        {
            "product_id": [f"P{i:06d}" for i in range(n_items)],
            "title": [f"Product {i} of category {c}" for i, c in enumerate(cat_of)],
            "description": "",
            "category": [f"Cat{c // 10} > Leaf{c}" for c in cat_of],
            "brand": "",
            "price": rng.lognormal(4, 0.6, n_items).round(2),
            "currency": "CNY",
            "attributes": [{}] * n_items,
            "stock": np.where(rng.random(n_items) < 0.05, 0, 10),
            "image_url": "",
            "lang": "en",
            "created_at": pd.Timestamp("2025-01-01", tz="UTC"),
        }
    )
    taste = rng.integers(0, n_cats, n_users)
    by_cat = [np.flatnonzero(cat_of == c) for c in range(n_cats)]
    users = rng.integers(0, n_users, n_events)
    explore = rng.random(n_events) < 0.2
    items = np.array([rng.choice(by_cat[taste[u]]) for u in users[~explore]])
    chosen = np.empty(n_events, dtype=np.int64)
    chosen[~explore] = items
    chosen[explore] = rng.integers(0, n_items, int(explore.sum()))
    ts = pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(
        np.sort(rng.integers(0, 300 * 86400, n_events)), "s"
    )
    events = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n_events)],
            "customer_id": [f"C{u:06d}" for u in users],
            "session_id": "",
            "type": "view",
            "product_id": [f"P{i:06d}" for i in chosen],
            "query": None,
            "value": np.nan,
            "ts": ts,
        }
    )
    store.write_frames({"products": products, "events": events})


def percentiles(ms: list[float]) -> str:
    p50, p90, p99 = np.percentile(ms, [50, 90, 99])
    return f"p50 {p50:.2f} ms · p90 {p90:.2f} ms · p99 {p99:.2f} ms (n={len(ms)})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=20_000)
    ap.add_argument("--events", type=int, default=400_000)
    ap.add_argument("--model", default="sasrec")
    ap.add_argument("--params", default='{"epochs": 1}', help="JSON model config for the short training run")
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from shopmind import artifacts
    from shopmind.data.store import Store
    from shopmind.recommend.base import create
    from shopmind.recommend.data import interactions_from_store
    from shopmind.recommend.service import RecommendationService
    from shopmind.recommend.train import KIND

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/shop.db")
        store.migrate()
        t0 = time.perf_counter()
        build_shop(store, args.items, args.users, args.events)
        print(f"shop built in {time.perf_counter() - t0:.0f}s: {store.counts()}")
        data = interactions_from_store(store)
        t0 = time.perf_counter()
        model = create(args.model, **json.loads(args.params)).fit(data)
        print(f"{args.model} fitted in {time.perf_counter() - t0:.0f}s on {len(data):,} events")
        path = model.save(artifacts.new_version_dir(KIND, args.model, tmp))
        artifacts.publish(KIND, path, tmp)
        service = RecommendationService(store, root=tmp)
        rng = np.random.default_rng(1)
        customers = [f"C{u:06d}" for u in rng.integers(0, args.users, args.requests)]
        service.recommend(customers[0], k=20)  # load the model and the catalog once
        total, scoring = [], []
        for cid in customers:
            t0 = time.perf_counter()
            out = service.recommend(cid, k=20)
            total.append((time.perf_counter() - t0) * 1000)
            assert len(out["items"]) == 20
        filtered = []  # the same with a category filter (a top-level category: ~1/5 of the catalog)
        for n, cid in enumerate(customers[:300]):
            t0 = time.perf_counter()
            service.recommend(cid, k=20, category=f"Cat{n % 5}")
            filtered.append((time.perf_counter() - t0) * 1000)
        loaded, _ = service.model.get()
        for cid in customers[:300]:
            t0 = time.perf_counter()
            service._model_scores(loaded, cid)
            scoring.append((time.perf_counter() - t0) * 1000)
        print(f"{args.items:,} items · model {args.model} · {args.threads} threads")
        print(f"end to end (store reads + scoring + filters + top-20): {percentiles(total)}")
        print(f"end to end with a category filter:                     {percentiles(filtered)}")
        print(f"recent events read + model scoring:                    {percentiles(scoring)}")
        store.dispose()


if __name__ == "__main__":
    main()
