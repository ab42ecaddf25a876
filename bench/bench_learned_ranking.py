"""Search ranking learned from clicks, served: the cost of one refresh of the learned table from the
store (read + fit) as the log grows, the cost a request pays to re-sort its first page, and NDCG@10 of
the served (guarded, blended) order beside the unguarded IPW order on simulated search logs.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_learned_ranking.py

A SQLite store gets ``--impressions`` search impressions over ``--queries`` queries (20 of the query's 30
products shown each, 10 % shuffled), and about one click per two impressions attributed to them,
written with the store's own writers. A refresh reads at most ``max_rows`` impressions (the config's
bound) however large the log is.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from shopmind.data.store import Store
from shopmind.online.impressions import impression
from shopmind.online.learned_ranking import (
    ENGINE,
    MAX_WEIGHT,
    SHUFFLED,
    LearnedRanking,
    LearnedRankingConfig,
    fit_table,
)


def fill(store: Store, n: int, queries: int, rng: np.random.Generator) -> None:
    at = datetime.now(UTC) - timedelta(hours=1)
    for start in range(0, n, 20_000):
        rows, clicks = [], []
        for i in range(start, min(n, start + 20_000)):
            qi = int(rng.integers(queries))
            q = f"query {qi}"
            shuffled = rng.random() < 0.1
            products = [f"P{qi}-{int(x)}" for x in rng.choice(30, 20, replace=False)]
            unit = f"s:{int(rng.integers(n // 4 + 1))}"
            row = impression("search", products, session_id=unit[2:], query=q, results=20,
                             model_kind=SHUFFLED if shuffled else ENGINE) | {"at": at}  # fmt: skip
            rows.append(row)
            if rng.random() < 0.5:
                k = int(min(rng.geometric(0.3), 20))
                day = at.strftime("%Y-%m-%d")
                clicks.append({"source_id": f"e-{i}", "impression_id": row["impression_id"], "how": "id",
                               "type": "click", "product_id": products[k - 1], "position": k, "at": at,
                               "day": day, "surface": "search", "unit": unit})  # fmt: skip
        store.log_impressions(rows)
        store.add_attributions(clicks)


def as_rows(log: list) -> tuple[list[dict], list[dict]]:
    """A simulated log as the store's impression and click rows, each search by its own shopper."""
    shown, clicks = [], []
    for j, r in enumerate(log):
        kind = SHUFFLED if r.randomised else ENGINE
        shown.append({"impression_id": f"i{j}", "query": r.query, "unit": f"s:{j}", "products": r.products,
                      "model_kind": kind})  # fmt: skip
        clicks += [{"impression_id": f"i{j}", "unit": f"s:{j}", "position": k} for k in r.clicked]
    return shown, clicks


def served_ndcg(scale: float, visits: list[int], seeds: int) -> None:
    """NDCG@10 of the served order (the guarded table, blended at the default weight) beside the plain
    IPW learner's order, on the simulated search logs of bench_click_learning.py (each search one
    shopper)."""
    from shopmind.data.demo import load_demo_shop
    from shopmind.data.simulate import DemoConfig
    from shopmind.data.simulate_shoppers import Shoppers
    from shopmind.online.click_learning import ClickLearner, ndcg
    from shopmind.online.search_simulation import SHOWN, candidates, mean_ndcg, queries, search_log
    from shopmind.search.index import IndexConfig
    from shopmind.search.service import SearchConfig, SearchService

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'shop.db'}")
        load_demo_shop(store, seed=7, scale=scale)
        config = SearchConfig(index=IndexConfig(dense=False), mode="lexical", pins_path=str(Path(tmp) / "p"))
        search = SearchService(store, config)
        search.sync(force=True)
        asked = queries()
        leaf, cands = dict(asked), candidates(search, asked)
        shoppers = Shoppers(DemoConfig(seed=7, scale=scale))
        served = LearnedRankingConfig()
        print(f"\n{len(cands)} queries; engine's order NDCG@10 {mean_ndcg(shoppers, cands, leaf, None):.4f}")
        print(f"| searches logged | IPW (no guards) | served: guarded, w = {served.weight} | "
              f"guarded, w = {MAX_WEIGHT} (the cap) | queries re-sorted |")  # fmt: skip
        print("|---:|---:|---:|---:|---:|")
        for n in visits:
            plain, guarded, learned = [], [], []
            for seed in range(seeds):
                log = search_log(shoppers, cands, leaf, n, np.random.default_rng(seed))
                plain.append(mean_ndcg(shoppers, cands, leaf, ClickLearner().fit(log)))
                table = fit_table(*as_rows(log), served)
                scores: dict[float, list[float]] = {served.weight: [], MAX_WEIGHT: []}
                for q, ids in cands.items():
                    rel = dict(zip(ids, shoppers.query_relevance(leaf[q], ids), strict=True))
                    for w, out in scores.items():
                        ranked = table.rerank(q, ids, w)
                        out.append(ndcg([rel[p] for p in ranked], list(rel.values()), SHOWN))
                guarded.append([float(np.mean(v)) for v in scores.values()])
                learned.append(len(table.scores))
            p, g = np.array(plain), np.array(guarded)
            cols = " | ".join(f"{g[:, i].mean():.4f} ± {g[:, i].std():.4f}" for i in range(2))
            print(f"| {n:,} | {p.mean():.4f} ± {p.std():.4f} | {cols} | {np.mean(learned):.0f} |")
        search.close()
        store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impressions", type=int, nargs="+", default=[50_000, 200_000, 500_000])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--max-rows", type=int, default=200_000)
    parser.add_argument("--ndcg-scale", type=float, default=0.5, help="demo shop scale (0: skip NDCG)")
    parser.add_argument("--ndcg-visits", type=int, nargs="+", default=[3_000, 10_000, 30_000])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    print("| impressions in the log | read (s) | fit (s) | impressions used | estimates |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'log.db'}")
        store.migrate()
        rng, have = np.random.default_rng(0), 0
        config = LearnedRankingConfig(max_rows=args.max_rows, min_shoppers=5)
        for n in args.impressions:
            fill(store, n - have, args.queries, rng)
            have = n
            times: dict[str, float] = {}

            def timed_read(*a, _t=times):
                t0 = time.perf_counter()
                out = store.search_click_log(*a)
                _t["read"] = time.perf_counter() - t0
                return out

            ranking = LearnedRanking(timed_read, config)
            t0 = time.perf_counter()
            table = ranking.refresh()
            fit = time.perf_counter() - t0 - times["read"]
            estimates = sum(map(len, table.scores.values()))
            print(f"| {n:,} | {times['read']:.2f} | {fit:.2f} | {table.impressions:,} | {estimates:,} |")
        ranking.config = replace(config, explore=0.0)
        pages = [[{"product_id": f"P{q}-{i}"} for i in range(20)] for q in range(args.queries)]
        t0 = time.perf_counter()
        for i in range(10_000):
            ranking.apply("ipw", f"query {i % args.queries}", pages[i % args.queries])
        per = (time.perf_counter() - t0) / 10_000 * 1e6
        print(f"\nre-sorting page one (20 results) on a request: {per:.1f} µs")
        store.dispose()
    if args.ndcg_scale > 0:
        served_ndcg(args.ndcg_scale, args.ndcg_visits, args.seeds)
    print(f"(machine: {os.cpu_count()} cores, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')})")


if __name__ == "__main__":
    main()
