"""Offline evaluation of search on graded relevance labels: NDCG@10, MRR and Recall@100.

Two query sets:

- **Home Depot** (real queries, human relevance 1-3; ../shared/data/search/homedepot): the catalog
  is every product in the file; queries are split by query text with a fixed seed into a
  validation part (for tuning) and a test part (reported once). Gain = relevance - 1 (so 1 = not
  relevant counts 0); a product is *relevant* for MRR and Recall when its relevance is >= 2.
- **Demo shop** (generated, Chinese and English): queries are built from the demo catalog's own
  nouns and attributes with the demo's query templates, so the relevant products are known.
  Gain 2 = same product noun and the asked attribute (colour, feature, material or brand);
  gain 1 = same noun only, or the same leaf category with the attribute; relevant = gain 2.

Unlabelled products count as gain 0. NDCG uses linear gains and log2 discounts (Järvelin &
Kekäläinen, 2002).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


@dataclass
class QuerySet:
    """Queries with graded labels: ``qrels[i]`` maps product id -> gain (> 0)."""

    name: str
    queries: list[str]
    qrels: list[dict[str, float]]
    relevant_min: float = 2.0  # gain at or above which a product counts as relevant (MRR, Recall)

    def __len__(self) -> int:
        return len(self.queries)

    def subset(self, idx: list[int] | np.ndarray, name: str | None = None) -> QuerySet:
        return QuerySet(
            name or self.name, [self.queries[i] for i in idx], [self.qrels[i] for i in idx], self.relevant_min
        )


# ---------------------------------------------------------------------- metrics
def ndcg_at_k(ranked: list[str], gains: dict[str, float], k: int = 10) -> float:
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = sum(gains.get(pid, 0.0) * disc[i] for i, pid in enumerate(ranked[:k]))
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = float(np.dot(ideal, disc[: len(ideal)]))
    return dcg / idcg if idcg > 0 else 0.0


def reciprocal_rank(ranked: list[str], relevant: set[str]) -> float:
    for i, pid in enumerate(ranked):
        if pid in relevant:
            return 1.0 / (i + 1)
    return 0.0


def recall_at_k(ranked: list[str], relevant: set[str], k: int = 100) -> float:
    return len(relevant.intersection(ranked[:k])) / len(relevant) if relevant else 0.0


def score_run(runs: list[list[str]], qs: QuerySet) -> dict[str, float]:
    """Mean metrics of ranked product-id lists against a query set."""
    nd, rr, rc = [], [], []
    for ranked, gains in zip(runs, qs.qrels, strict=True):
        relevant = {p for p, g in gains.items() if g >= qs.relevant_min}
        nd.append(ndcg_at_k(ranked, gains))
        rr.append(reciprocal_rank(ranked, relevant))
        rc.append(recall_at_k(ranked, relevant))
    return {
        "ndcg@10": float(np.mean(nd)),
        "mrr": float(np.mean(rr)),
        "recall@100": float(np.mean(rc)),
        "queries": len(qs),
    }


# ---------------------------------------------------------------------- running a system
def run_queries(service, qs: QuerySet, mode: str, understand: bool = False, k: int = 100) -> list[list[str]]:
    """The top-``k`` product ids per query. ``understand=False`` searches the raw words (no chips,
    filters, corrections or synonyms), which compares the retrievers themselves; ``understand=True``
    ranks as served: the matches of the understood query, then the related products."""
    from shopmind.search import analyze as A
    from shopmind.search.query import ParsedQuery

    mask = service.index.columns().alive
    out = []
    for q in qs.queries:
        if understand:  # as the shopper sees it: the matches, then the related products
            out.append(service.rank(service.parser.parse(q), mask, mode).ranked_ids(service.index.ids, k))
            continue
        parsed = ParsedQuery(raw=q, text=A.normalise(q), terms={t: 1.0 for t in A.analyze(q)})
        slots, _, _ = service.retrieve(parsed, mask, mode)
        out.append([service.index.ids[s] for s in slots[:k]])
    return out


def compare(service, qs: QuerySet, understand_row: bool = True) -> dict[str, dict[str, float]]:
    """BM25-only vs dense-only vs hybrid (and hybrid with query understanding) on one query set."""
    rows: dict[str, dict[str, float]] = {}
    for label, mode in (("BM25", "lexical"), ("dense", "dense"), ("hybrid", "hybrid")):
        t0 = time.perf_counter()
        rows[label] = score_run(run_queries(service, qs, mode), qs)
        rows[label]["ms_per_query"] = 1000 * (time.perf_counter() - t0) / max(len(qs), 1)
    if understand_row:
        t0 = time.perf_counter()
        rows["hybrid + understanding"] = score_run(run_queries(service, qs, "hybrid", understand=True), qs)
        rows["hybrid + understanding"]["ms_per_query"] = 1000 * (time.perf_counter() - t0) / max(len(qs), 1)
    return rows


def tune(
    service, valid: QuerySet, alphas=None, rrf_ks=(10.0, 30.0, 60.0), extra_weights=(0.2, 0.3, 0.4, 0.5, 0.6)
) -> tuple[Any, dict[str, float]]:
    """The fusion setting with the best validation NDCG@10 (blend alphas and RRF offsets; with a
    second encoder in the index, every blend alpha also with each of ``extra_weights``)."""
    from shopmind.search.rank import FusionConfig

    alphas = np.round(np.arange(0.0, 1.01, 0.1), 2) if alphas is None else alphas
    base = service.config.fusion
    extra = service.index.extra_vectors is not None
    extras = [0.0] + list(extra_weights) if extra else [base.extra_weight]
    grid = [
        replace(base, method="blend", alpha=float(a), extra_weight=float(e))
        for a in alphas
        for e in (extras if a < 1.0 else extras[:1])  # alpha 1 is BM25 alone whatever e is
    ]
    grid += [replace(base, method="rrf", rrf_k=float(k)) for k in rrf_ks]
    results = {}
    for cfg in grid:
        service.config.fusion = cfg
        results[cfg] = score_run(run_queries(service, valid, "hybrid"), valid)["ndcg@10"]
    service.config.fusion = base
    best = max(results, key=results.get)

    def label(c: FusionConfig) -> str:
        if c.method != "blend":
            return f"rrf k={c.rrf_k:g}"
        return f"blend alpha={c.alpha}" + (f" extra={c.extra_weight:g}" if extra else "")

    table = {label(c): v for c, v in results.items()}
    assert isinstance(best, FusionConfig)
    return best, table


# ---------------------------------------------------------------------- Home Depot
def homedepot(folder=None, seed: int = 0, valid_share: float = 0.3, max_queries: int | None = None):
    """(products frame, validation QuerySet, test QuerySet) from the Home Depot relevance file."""
    import pandas as pd

    from shopmind.data.datasets import load_homedepot

    df = load_homedepot(folder=folder).dropna(subset=["query", "title"])
    products = df.drop_duplicates("product_uid")
    products = pd.DataFrame(
        {
            "product_id": "HD" + products["product_uid"].astype(str),
            "title": products["title"],
            "price": 0.0,
            "stock": 1,
        }
    )
    qrels: dict[str, dict[str, float]] = {}
    for q, pid, rel in zip(df["query"], df["product_uid"], df["relevance"], strict=True):
        if rel > 1.0:
            qrels.setdefault(str(q), {})[f"HD{pid}"] = float(rel) - 1.0
    queries = sorted(q for q, g in qrels.items() if max(g.values()) >= 1.0)
    order = np.random.default_rng(seed).permutation(len(queries))
    if max_queries:
        order = order[:max_queries]
    n_valid = int(round(valid_share * len(order)))
    qs = QuerySet("homedepot", queries, [qrels[q] for q in queries], relevant_min=1.0)
    return (
        products,
        qs.subset(order[:n_valid], "homedepot-valid"),
        qs.subset(order[n_valid:], "homedepot-test"),
    )


# ---------------------------------------------------------------------- demo shop
def demo_queries(config=None, n: int = 400, seed: int = 0):
    """(products frame, Chinese QuerySet, English QuerySet) generated from the demo catalog."""
    from shopmind.data.simulate import DemoConfig
    from shopmind.data.simulate_catalog import make_catalog
    from shopmind.data.simulate_events import _query_text
    from shopmind.data.simulate_text import LEAVES

    cfg = config or DemoConfig()
    rng = np.random.default_rng(cfg.seed)
    start = int(np.datetime64(cfg.start, "s").astype("int64"))
    cat = make_catalog(cfg, rng, start)  # the same draw as generate(cfg): identical products
    ids = cat.frame["product_id"].to_numpy()
    qrng = np.random.default_rng(seed)
    sets: dict[str, QuerySet] = {lang: QuerySet(f"demo-{lang}", [], []) for lang in ("zh", "en")}
    attr_of = {1: cat.colour, 2: cat.feature, 3: cat.material, 4: cat.brand}
    tries = 0
    while min(len(s) for s in sets.values()) < n // 2 and tries < 20 * n:
        tries += 1
        lang = "zh" if len(sets["zh"]) <= len(sets["en"]) else "en"
        row = int(qrng.integers(len(ids)))  # anchor product: its noun and one of its attributes
        leaf, noun = int(cat.leaf[row]), int(cat.noun[row])
        kind = int(qrng.choice([0, 1, 2, 3, 4], p=[0.15, 0.3, 0.25, 0.15, 0.15]))
        value = -1 if kind == 0 else int(attr_of[kind][row])
        if kind == 1 and value < 0:
            continue
        same_noun = (cat.leaf == leaf) & (cat.noun == noun)
        if kind == 0:
            gains = np.where(same_noun, 2.0, np.where(cat.leaf == leaf, 1.0, 0.0))
        else:
            hit = (attr_of[kind] == value) & ((cat.leaf == leaf) | (kind == 4))
            gains = np.where(same_noun & hit, 2.0, np.where(same_noun | (hit & (cat.leaf == leaf)), 1.0, 0.0))
        text = _query_text(LEAVES[leaf], kind, value, noun, lang, float(qrng.random()))
        if text in sets[lang].queries:
            continue
        sets[lang].queries.append(text)
        sets[lang].qrels.append({str(ids[i]): float(gains[i]) for i in np.flatnonzero(gains)})
    return cat.frame, sets["zh"], sets["en"]


def markdown_table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """``{query set: {system: metrics}}`` as one Markdown table."""
    lines = [
        "| query set | system | NDCG@10 | MRR | Recall@100 | queries | ms/query |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for qs_name, rows in results.items():
        for system, m in rows.items():
            lines.append(
                f"| {qs_name} | {system} | {m['ndcg@10']:.4f} | {m['mrr']:.4f} | {m['recall@100']:.4f} "
                f"| {m['queries']} | {m.get('ms_per_query', float('nan')):.1f} |"
            )
    return "\n".join(lines)
