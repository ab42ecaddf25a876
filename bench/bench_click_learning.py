"""Learning search ranking from clicks on simulated traffic: NDCG@10 against the simulator's true
relevance of the engine's order, a naive click-through learner and the IPW learner.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_click_learning.py

The demo shop (seed 7, ``--scale``) is indexed (lexical search); its category and product words in
both languages are the queries, the engine's top 20 results their candidates. Simulated shoppers
(data/simulate_shoppers.py) search, see the top 10 (10 % of answers shuffled for the propensities) and
click by the query's true relevance through the position-biased click model. For each log size and
seed, the learners are fitted on the log and the re-sorted candidates scored (online/click_learning.py).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

from shopmind.data.demo import load_demo_shop
from shopmind.data.simulate import DemoConfig
from shopmind.data.simulate_shoppers import Shoppers
from shopmind.data.store import Store
from shopmind.online.click_learning import ClickLearner, ClickLearnerConfig
from shopmind.online.search_simulation import candidates, mean_ndcg, queries, search_log
from shopmind.search.index import IndexConfig
from shopmind.search.service import SearchConfig, SearchService


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--visits", type=int, nargs="+", default=[3_000, 10_000, 30_000, 100_000])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'shop.db'}")
        load_demo_shop(store, seed=7, scale=args.scale)
        config = SearchConfig(
            index=IndexConfig(dense=False), mode="lexical", pins_path=str(Path(tmp) / "p.json")
        )
        search = SearchService(store, config)
        search.sync(force=True)
        asked = queries()
        leaf = dict(asked)
        cands = candidates(search, asked)
        shoppers = Shoppers(DemoConfig(seed=7, scale=args.scale))
        base = mean_ndcg(shoppers, cands, leaf, None)
        print(f"{len(cands)} queries with 10+ results; engine's order (lexical) NDCG@10 {base:.4f}")
        print("| searches logged | naive NDCG@10 | IPW NDCG@10 | IPW − engine | IPW − naive |")
        print("|---:|---:|---:|---:|---:|")
        for visits in args.visits:
            naive, ipw = [], []
            for seed in range(args.seeds):
                log = search_log(shoppers, cands, leaf, visits, np.random.default_rng(seed))
                naive.append(
                    mean_ndcg(
                        shoppers, cands, leaf, ClickLearner(ClickLearnerConfig(corrected=False)).fit(log)
                    )
                )
                ipw.append(mean_ndcg(shoppers, cands, leaf, ClickLearner().fit(log)))
            n, i = np.array(naive), np.array(ipw)
            print(f"| {visits:,} | {n.mean():.4f} ± {n.std():.4f} | {i.mean():.4f} ± {i.std():.4f} | "
                  f"{i.mean() - base:+.4f} | {(i - n).mean():+.4f} |")  # fmt: skip
        search.close()
        threads = os.environ.get("OMP_NUM_THREADS")
        print(f"({args.seeds} seeds each; machine: {os.cpu_count()} cores, OMP_NUM_THREADS={threads})")


if __name__ == "__main__":
    main()
