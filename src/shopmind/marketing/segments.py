"""Behavioural segmentation: k-means on behaviour (+ category or embedding) features, described in words.

Features per customer: log recency, log frequency, log monetary, log tenure, price sensitivity,
churn risk (behaviour, standardised) and the first principal components of either the
customer's recommender vector (mean of bought items' vectors) or their category shares. ``k`` is
chosen by silhouette score over ``k_range`` unless given. Each segment is described by the
behaviour features whose segment mean differs most from the shop's (in standard deviations) and
by its most bought category, in English and in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from shopmind.marketing.threads import capped

if TYPE_CHECKING:
    import pandas as pd

    from shopmind.marketing.profiles import CustomerBase


@dataclass(frozen=True)
class SegmentConfig:
    """How customers are clustered."""

    k: int | None = None  # number of segments; None = best silhouette in k_range
    k_range: tuple[int, int] = (3, 6)  # inclusive range tried when k is None
    taste_components: int = 4  # principal components of the taste (embedding/category) features
    taste_weight: float = 0.5  # weight of the taste block against the behaviour block
    seed: int = 0  # k-means seed


# feature -> (English when high, English when low, Chinese when high, Chinese when low)
WORDS: dict[str, tuple[str, str, str, str]] = {
    "recency": ("have not bought for a long time", "bought recently", "很久没有购买", "最近刚购买过"),
    "frequency": ("buy often", "rarely buy", "购买频繁", "很少购买"),
    "monetary": ("spend a lot", "spend little", "消费金额高", "消费金额低"),
    "tenure": ("have been with the shop a long time", "joined recently", "是老客户", "是新客户"),
    "price_sensitivity": ("hunt for low prices", "pay full price", "对价格敏感", "对价格不敏感"),
    "churn_risk": ("are likely to churn", "are likely to stay", "流失风险高", "流失风险低"),
}
BEHAVIOUR = list(WORDS)


def _behaviour(table: pd.DataFrame) -> np.ndarray:
    cols = []
    for name in BEHAVIOUR:
        v = table[name].astype("float64").to_numpy()
        v = np.log1p(np.maximum(v, 0)) if name in ("recency", "frequency", "monetary", "tenure") else v
        cols.append(np.nan_to_num(v, nan=np.nanmean(v) if np.isfinite(v).any() else 0.0))
    X = np.column_stack(cols)  # (N, 6)
    return (X - X.mean(0)) / (X.std(0) + 1e-9)


def _taste(
    base: CustomerBase, purchases_lines: pd.DataFrame, n_components: int
) -> tuple[np.ndarray | None, str]:
    """(N, c) taste features: PCA of recommender customer vectors when available, else of category shares."""
    from sklearn.decomposition import PCA

    index = base.table.index
    if base.item_vectors is not None:
        ids, vecs = base.item_vectors
        pos = {p: i for i, p in enumerate(ids)}
        unit = vecs / (np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-12)
        rows = np.zeros((len(index), unit.shape[1]))
        where = {c: i for i, c in enumerate(index)}
        known = purchases_lines[purchases_lines["product_id"].isin(pos)]
        for cid, group in known.groupby("customer_id"):
            if cid in where:
                rows[where[cid]] = unit[[pos[p] for p in group["product_id"]]].mean(0)
        source = "recommender item vectors"
    elif len(base.category_shares):
        rows = base.category_shares.reindex(index).fillna(0.0).to_numpy()
        source = "category shares"
    else:
        return None, "none"
    c = min(n_components, rows.shape[1], len(index) - 1)
    if c < 1:
        return None, "none"
    Z = PCA(n_components=c, random_state=0).fit_transform(rows)
    return Z / (Z[:, :1].std() + 1e-9), source


@capped
def segment_customers(base: CustomerBase, lines: pd.DataFrame, config: SegmentConfig | None = None) -> dict:
    """Cluster the customer base; returns labels (Series), 2-D map coordinates and described segments."""
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.metrics import silhouette_score

    cfg = config or SegmentConfig()
    table = base.table
    if len(table) < 3:
        raise ValueError(f"segmentation needs at least 3 customers with purchases; the shop has {len(table)}")
    B = _behaviour(table)
    T, source = _taste(base, lines, cfg.taste_components)
    X = B if T is None else np.hstack([B, cfg.taste_weight * T])
    ks = [cfg.k] if cfg.k else list(range(cfg.k_range[0], min(cfg.k_range[1], len(table) - 1) + 1))
    best = None
    for k in ks:
        km = KMeans(n_clusters=k, n_init=4, random_state=cfg.seed).fit(X)
        sample = min(len(X), 3000)
        score = silhouette_score(X, km.labels_, sample_size=sample, random_state=cfg.seed) if k > 1 else 0.0
        if best is None or score > best[0]:
            best = (score, k, km)
    score, k, km = best
    labels = pd.Series(km.labels_, index=table.index, name="segment")
    xy = PCA(n_components=2, random_state=0).fit_transform(X)
    return {
        "k": k,
        "silhouette": float(score),
        "taste_features": source,
        "labels": labels,
        "map": pd.DataFrame(xy, index=table.index, columns=["x", "y"]),
        "segments": [describe(table, labels, s) for s in range(k)],
    }


def describe(table: pd.DataFrame, labels: pd.Series, segment: int, n_words: int = 2) -> dict:
    """A segment's size, means and a bilingual description from its most distinguishing features."""
    part = table[labels == segment]
    z = {}
    for name in BEHAVIOUR:
        col = table[name].astype("float64")
        sd = col.std()
        z[name] = float((part[name].astype("float64").mean() - col.mean()) / sd) if sd and sd > 0 else 0.0
    strongest = sorted((n for n in z if np.isfinite(z[n])), key=lambda n: -abs(z[n]))[:n_words]
    en = [WORDS[n][0 if z[n] > 0 else 1] for n in strongest if abs(z[n]) >= 0.25]
    zh = [WORDS[n][2 if z[n] > 0 else 3] for n in strongest if abs(z[n]) >= 0.25]
    top_cat = part["top_category"].mode().iloc[0] if "top_category" in part and len(part) else ""
    text_en = "Customers who " + (" and ".join(en) if en else "behave like the average customer")
    text_zh = "这些客户" + ("、".join(zh) if zh else "行为接近平均水平")
    if top_cat:
        text_en += f"; they mostly buy {top_cat}"
        text_zh += f"，主要购买「{top_cat}」"
    return {
        "segment": int(segment),
        "customers": int(len(part)),
        "share": float(len(part) / len(table)),
        "revenue_share": float(part["monetary"].sum() / table["monetary"].sum())
        if table["monetary"].sum()
        else 0.0,
        "z_scores": {n: round(v, 3) for n, v in z.items()},
        "top_category": top_cat,
        "description_en": text_en + ".",
        "description_zh": text_zh + "。",
    }
