"""Query understanding on the labelled suite: per-group parse accuracy and NDCG@10 vs the unparsed baseline.

    OMP_NUM_THREADS=1 python bench/bench_query_understanding.py [--split dev|test|all] [--lexical]
    python bench/bench_query_understanding.py --write      # rebuild tests/search/data/query_suite.jsonl
    python bench/bench_query_understanding.py --fresh-seed 1   # a new suite, never seen: held out

The suite (``shopmind.search.suite_build``, seed 0) is drawn from the demo catalog (``DemoConfig()``):
46 queries per group (typo, pinyin, negation, price_intent, brand, attribute, mixed, no_result), each
with its expected parse and graded relevant products; even positions are the dev part (rules are built
on it), odd positions the held-out test part (reported once).

Per group: *parse* = share of queries whose parse says what the case expects
(``shopmind.search.suite.parse_ok``); *NDCG@10 served* = the served ranking (the matches of the understood
query, then the related products); *NDCG@10 baseline* = hybrid retrieval of the raw words (no chips,
filters, corrections or synonyms), with the same fusion. The no_result group has no relevant products:
its figure is the share of queries answered "no exact match" (total 0), served vs baseline.
Embeddings are cached in var/search/embeddings.sqlite (the quality bench's cache).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from shopmind.search import evaluate as E
from shopmind.search import suite as S
from shopmind.search.index import IndexConfig, ProductIndex
from shopmind.search.service import SearchConfig, SearchService

SUITE = Path(__file__).resolve().parents[1] / "tests" / "search" / "data" / "query_suite.jsonl"
CACHE = "var/search/embeddings.sqlite"


def service_for(lexical: bool) -> SearchService:
    from shopmind.data.simulate import DemoConfig
    from shopmind.data.simulate_catalog import make_catalog

    cfg = DemoConfig()
    start = int(np.datetime64(cfg.start, "s").astype("int64"))
    products = make_catalog(cfg, np.random.default_rng(cfg.seed), start).frame
    config = IndexConfig(dense=not lexical, fast_encoder="", cache_queries=True, cache_path=CACHE)
    index = ProductIndex.from_frame(products, config)
    mode = "lexical" if lexical else "hybrid"
    return SearchService(None, SearchConfig(mode=mode, log_events=False), index=index)


def evaluate(service: SearchService, cases: list[S.Case]) -> dict[str, dict[str, float]]:
    """Per group (and "all"): queries, parse accuracy, NDCG@10 served and baseline (no_result: the
    share answered with no match)."""
    mode = service.config.mode
    mask = service.index.columns().alive
    rows: dict[str, dict[str, float]] = {}
    for group in [*S.GROUPS, "all"]:
        part = [c for c in cases if group in ("all", c.group)]
        if not part:
            continue
        ok, served, base = [], [], []
        qs = E.QuerySet(group, [c.query for c in part], [c.gains for c in part])
        baseline = E.run_queries(service, qs, mode)
        for case, raw in zip(part, baseline, strict=True):
            parsed = service.parser.parse(case.query)
            ok.append(S.parse_ok(parsed.to_dict(), case.expect))
            ranked = service.rank(parsed, mask, mode)
            if case.group == "no_result":
                served.append(float(ranked.no_match))
                base.append(float(len(raw) == 0))
            else:
                served.append(E.ndcg_at_k(ranked.ranked_ids(service.index.ids), case.gains))
                base.append(E.ndcg_at_k(raw, case.gains))
        rows[group] = {
            "queries": len(part),
            "parse": float(np.mean(ok)),
            "served": float(np.mean(served)),
            "baseline": float(np.mean(base)),
        }
    return rows


def failures(service: SearchService, cases: list[S.Case], limit: int = 40) -> list[str]:
    out = []
    for case in cases:
        parsed = service.parser.parse(case.query).to_dict()
        if not S.parse_ok(parsed, case.expect):
            chips = [(c["type"], c.get("value"), c.get("min"), c.get("max")) for c in parsed["chips"]]
            out.append(f"{case.group}: {case.query!r} expected {case.expect} got {chips}")
    return out[:limit]


def table(rows: dict[str, dict[str, float]]) -> str:
    lines = [
        "| group | queries | parse accuracy | NDCG@10 served | NDCG@10 baseline (unparsed hybrid) |",
        "|---|---:|---:|---:|---:|",
    ]
    for group, r in rows.items():
        note = " (share answered “no match”)" if group == "no_result" else ""
        parse = f"{100 * r['parse']:.1f} %"
        lines.append(
            f"| {group}{note} | {r['queries']} | {parse} | {r['served']:.4f} | {r['baseline']:.4f} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="dev", choices=["dev", "test", "all"])
    ap.add_argument("--lexical", action="store_true", help="BM25 only (no encoder): fast, for rule work")
    ap.add_argument("--write", action="store_true", help="rebuild the suite file and exit")
    ap.add_argument("--failures", action="store_true", help="print the queries whose parse is wrong")
    ap.add_argument(
        "--fresh-seed", type=int, default=None, help="instead of the stored suite: a new one drawn with this "
        "seed (never seen while the rules were written: a fresh held-out check, to be run once per seed)"
    )  # fmt: skip
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.write:
        from shopmind.search.suite_build import build

        cases = build()
        S.save(cases, SUITE)
        print(f"{len(cases)} cases -> {SUITE}")
        return
    if args.fresh_seed is not None:
        from shopmind.search.suite_build import build

        cases = build(seed=args.fresh_seed)
        args.split = f"all of a fresh suite drawn with seed {args.fresh_seed}"
    else:
        cases = S.load(SUITE, None if args.split == "all" else args.split)
    t0 = time.perf_counter()
    service = service_for(args.lexical)
    print(f"indexed {len(service.index):,} products in {time.perf_counter() - t0:.1f} s")
    rows = evaluate(service, cases)
    print(
        f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, load {os.getloadavg()[0]:.2f}, "
        f"split {args.split}, mode {service.config.mode}\n"
    )
    print(table(rows))
    if args.failures:
        print("\n".join(["", *failures(service, cases)]))


if __name__ == "__main__":
    main()
