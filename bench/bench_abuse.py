"""Benchmark: the costs of the abuse controls at catalog scale — ``GET /products/{id}/similar`` for a
product the recommender has not seen (its fallback), the per-visitor-capped trending recomputation
(a background timer), the suggestion rebuild (a background timer) and one rate-limit UPSERT.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_abuse.py --products 10000 100000
    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_abuse.py --products 100000 --url postgresql+psycopg://…

The catalog is the demo generator's at the requested size (fixed seed) with one purchase event and one
logged search per product (``bench_sync.py``'s purchases; searches over products/20 queries), in a
fresh SQLite file (or the database at ``--url``, whose ShopMind tables are dropped and created
again); no model is published and search is not built, so ``similar`` serves the same-category
trending fallback (the dense-vector fallback is a lookup in the search index's vectors).
Requests go through the app in-process (TestClient).
Figures (medians) go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from bench_sync import catalog, median_ms, purchases  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from shopmind.api.app import create_app  # noqa: E402
from shopmind.config import Settings  # noqa: E402
from shopmind.data.store import Store  # noqa: E402
from shopmind.engine import Engine  # noqa: E402


def searches(n: int, seed: int = 7) -> pd.DataFrame:
    """``n`` logged searches over ``n / 20`` distinct queries by 50,000 customers (Zipf-like counts)."""
    rng = np.random.default_rng(seed)
    distinct = max(1, n // 20)
    return pd.DataFrame(
        {
            "event_id": [f"S{i:09d}" for i in range(n)],
            "customer_id": [f"C{i:06d}" for i in rng.integers(0, 50_000, n)],
            "type": "search",
            "query": [f"query {q}" for q in np.minimum(rng.zipf(1.3, n), distinct)],
            "ts": pd.Timestamp("2025-06-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 86400 * 60, n), "s"),
        }
    )


def run(n: int, url: str | None, tmp: str, repeat: int) -> dict[str, float]:
    store = Store(url or f"sqlite:///{tmp}/abuse{n}.db")
    store.drop_all()
    store.migrate()
    products = catalog(n)
    events = pd.concat([purchases(products), searches(n)], ignore_index=True)
    store.write_frames({"products": products, "events": events})
    folder = Path(tmp)
    settings = Settings(var_dir=folder / "var", artifacts_dir=folder / "artifacts", embedded_worker=False)
    engine = Engine(settings, store)
    admin = {"X-API-Key": store.create_api_key("admin", "bench")}
    public = {"X-API-Key": store.create_api_key("storefront", "bench")}
    client = TestClient(create_app(engine, close_engine=False))
    first_product = products.iloc[0]
    new = {"product_id": "NEW-1", "title": "A product nobody has seen", "stock": 3}
    new |= {"category": str(first_product["category"]), "price": float(first_product["price"])}
    assert client.put("/products/NEW-1", json=new, headers=admin).status_code == 200
    engine.recommendations.follower.catch_up()

    def similar() -> None:
        answer = client.get("/products/NEW-1/similar", headers=public)
        assert answer.status_code == 200 and answer.json()["fallback"], answer.text

    first = median_ms(similar, 1)
    out = {
        "similar_first_ms": first,
        "similar_ms": median_ms(similar, repeat),
        "trending_refresh_ms": median_ms(engine.recommendations.refresh_trending, 3),
        "suggestions_refresh_ms": median_ms(lambda: store.query_visitors(), 3),
        "rate_upsert_ms": median_ms(lambda: store.take_tokens(["k1", "k2"], 300, 5, time.time()), repeat),
    }
    client.close()
    engine.close()
    store.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--products", type=int, nargs="+", default=[10_000])
    ap.add_argument("--url", default=None, help="a database URL (default: a fresh SQLite file)")
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    print("| products | similar (unseen product), first / median | trending refresh | suggestions refresh "
          "| rate-limit UPSERT |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.products:
            r = run(n, args.url, tmp, args.repeat)
            print(
                f"| {n:,} | {r['similar_first_ms']:.1f} ms / {r['similar_ms']:.1f} ms "
                f"| {r['trending_refresh_ms']:.0f} ms | {r['suggestions_refresh_ms']:.1f} ms "
                f"| {r['rate_upsert_ms']:.2f} ms |"
            )


if __name__ == "__main__":
    main()
