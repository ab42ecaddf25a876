"""Customer profiles: RFM, tenure, category affinities, price sensitivity, churn risk and value, per customer.

:func:`customer_base` builds one table for the whole shop (one row per customer with a purchase)
that RFM, CLV, segmentation and the campaign planner all read; :func:`profile` picks one row and
adds the category affinities.

- **Category affinities** come from the published recommender's item vectors when it has them
  (BPR, LightGCN, SASRec): the customer's vector is the mean of the unit vectors of what they
  bought, a category's vector the mean over its products, and the affinity is their cosine. Without
  item vectors (or for categories the model does not know) they are purchase shares.
- **Price sensitivity** in [0, 1]: from the median price index (price paid / median list price of
  the product's category) of what the customer bought: 0.5 − 0.5·log2(index), clipped. 0.5 = pays
  typical prices, 1 = buys at half the category median or less, 0 = at twice or more.
- **Churn risk** = 1 − P(alive) of the BG/NBD model fitted on the shop (weeks); ``expected_90d`` the
  purchases it expects in the next 90 days, ``clv_365d`` the Gamma-Gamma value over a year.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.marketing.clv import (
    BetaGeoModel,
    FitError,
    GammaGammaModel,
    customer_lifetime_value,
    summary_from_transactions,
)
from shopmind.marketing.rfm import SEGMENT_BY_KEY, rfm_table

if TYPE_CHECKING:
    import pandas as pd

    from shopmind.marketing.data import Purchases

log = logging.getLogger(__name__)


@dataclass
class CustomerBase:
    """The shop's customers as one table, with the fitted CLV models and notes on what could not be fitted."""

    table: pd.DataFrame  # index customer_id; see customer_base()
    bgnbd: BetaGeoModel | None
    gamma_gamma: GammaGammaModel | None
    notes: list[str]
    category_shares: pd.DataFrame  # (customers, categories) purchase shares
    item_vectors: tuple[list[str], np.ndarray] | None  # product ids and (I, D) vectors of the recommender


def price_sensitivity(purchases: Purchases) -> pd.Series:
    """Per customer, 0.5 − 0.5·log2(median price index) clipped to [0, 1] (see the module docstring)."""
    import pandas as pd

    lines = purchases.lines
    if lines.empty or "list_price" not in lines:
        return pd.Series(dtype="float64")
    med = lines.groupby("category")["list_price"].transform("median")
    index = (lines["unit_price"] / med.where(med > 0)).where(lambda s: s > 0)
    per = index.groupby(lines["customer_id"]).median()
    return (0.5 - 0.5 * np.log2(per)).clip(0, 1)


def category_shares(purchases: Purchases) -> pd.DataFrame:
    """(customers, categories) share of purchased units per category (rows sum to 1)."""
    lines = purchases.lines
    if lines.empty:
        import pandas as pd

        return pd.DataFrame()
    units = lines.pivot_table(
        index="customer_id", columns="category", values="quantity", aggfunc="sum", fill_value=0
    )
    return units.div(units.sum(axis=1).replace(0, 1), axis=0)


def _clv_columns(purchases: Purchases, table: pd.DataFrame, notes: list[str]):
    """BG/NBD + Gamma-Gamma on the shop in weeks; adds p_alive, churn_risk, expected_90d, clv_365d."""
    summary = summary_from_transactions(
        purchases.orders, "customer_id", "date", "value", calibration_end=purchases.as_of
    )
    summary = summary[summary["T"] > 0].reindex(table.index)
    table["p_alive"] = table["churn_risk"] = table["expected_90d"] = table["clv_365d"] = np.nan
    bg = gg = None
    ok = summary["T"].notna().to_numpy()
    s = summary[ok]
    try:
        bg = BetaGeoModel().fit(s["frequency"], s["recency"], s["T"])
    except (FitError, ValueError) as exc:
        notes.append(f"BG/NBD not fitted: {exc}")
        return None, None
    p_alive = bg.p_alive(s["frequency"], s["recency"], s["T"])
    table.loc[ok, "p_alive"] = p_alive
    table.loc[ok, "churn_risk"] = 1 - p_alive
    table.loc[ok, "expected_90d"] = bg.conditional_expected_purchases(
        90 / 7, s["frequency"], s["recency"], s["T"]
    )
    try:
        gg = GammaGammaModel().fit(s["frequency"], s["monetary_value"])
        table.loc[ok, "clv_365d"] = customer_lifetime_value(bg, gg, s, horizon=52, step=4)
    except (FitError, ValueError) as exc:
        notes.append(f"Gamma-Gamma not fitted: {exc}")
    return bg, gg


def recommender_item_vectors(root: Any = None) -> tuple[list[str], np.ndarray] | None:
    """Product ids and item vectors of the published recommender, or None (none published / no vectors)."""
    from shopmind import artifacts
    from shopmind.recommend.base import Recommender
    from shopmind.recommend.train import KIND

    path = artifacts.current(KIND, root)
    if path is None:
        return None
    try:
        model = Recommender.load(path)
        vecs = model.item_vectors()
    except Exception as exc:  # noqa: BLE001 - a broken artifact must not break marketing
        log.warning("recommender artifact %s not usable for affinities: %s", path, exc)
        return None
    return (list(model.items_.ids), np.asarray(vecs, dtype="float64")) if vecs is not None else None


def customer_base(
    purchases: Purchases, artifacts_root: Any = None, with_vectors: bool = True
) -> CustomerBase:
    """RFM + tenure + price sensitivity + CLV/churn columns for every customer with a purchase."""
    table = rfm_table(purchases)
    notes: list[str] = []
    sens = price_sensitivity(purchases)
    table["price_sensitivity"] = sens.reindex(table.index).fillna(0.5) if len(sens) else 0.5
    table["avg_order_value"] = table["monetary"] / table["frequency"].clip(lower=1)
    bg, gg = _clv_columns(purchases, table, notes) if len(table) else (None, None)
    shares = category_shares(purchases)
    vectors = recommender_item_vectors(artifacts_root) if with_vectors else None
    if len(shares):
        top = shares.idxmax(axis=1)
        table["top_category"] = top.reindex(table.index).fillna("")
    else:
        table["top_category"] = ""
    return CustomerBase(table, bg, gg, notes, shares, vectors)


def _vector_affinities(
    base: CustomerBase, purchases: Purchases, customer_id: str, k: int
) -> list[dict] | None:
    if base.item_vectors is None:
        return None
    ids, vecs = base.item_vectors
    pos = {p: i for i, p in enumerate(ids)}
    unit = vecs / (np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-12)  # (I, D)
    lines = purchases.lines
    mine = [pos[p] for p in lines.loc[lines["customer_id"] == customer_id, "product_id"] if p in pos]
    if not mine:
        return None
    user = unit[mine].mean(0)  # (D,)
    cats = lines[["product_id", "category"]].drop_duplicates("product_id")
    scores = []
    for cat, group in cats.groupby("category"):
        idx = [pos[p] for p in group["product_id"] if p in pos]
        if idx:
            centre = unit[idx].mean(0)
            cos = float(user @ centre / (np.linalg.norm(user) * np.linalg.norm(centre) + 1e-12))
            scores.append({"category": cat, "affinity": round(cos, 4)})
    return sorted(scores, key=lambda s: -s["affinity"])[:k]


def profile(base: CustomerBase, purchases: Purchases, customer_id: str, k: int = 5) -> dict[str, Any]:
    """One customer's profile as a JSON-ready dict (KeyError when the customer has no purchase)."""
    if customer_id not in base.table.index:
        raise KeyError(f"customer {customer_id!r} has no purchases to profile")
    row = base.table.loc[customer_id]
    seg = SEGMENT_BY_KEY[row["segment"]]
    affinities = _vector_affinities(base, purchases, customer_id, k)
    source = "recommender item vectors"
    if affinities is None:
        source = "purchase shares"
        shares = base.category_shares.loc[customer_id] if customer_id in base.category_shares.index else None
        affinities = (
            [{"category": c, "affinity": round(float(v), 4)} for c, v in shares.nlargest(k).items() if v > 0]
            if shares is not None
            else []
        )

    def num(name: str) -> float | None:
        value = row.get(name)
        return (
            None
            if value is None or (isinstance(value, float) and np.isnan(value))
            else round(float(value), 4)
        )

    return {
        "customer_id": customer_id,
        "as_of": purchases.as_of.isoformat(),
        "recency_days": num("recency"),
        "frequency": int(row["frequency"]),
        "monetary": num("monetary"),
        "tenure_days": num("tenure"),
        "avg_order_value": num("avg_order_value"),
        "rfm": {"r": int(row["r"]), "f": int(row["f"]), "m": int(row["m"]), "code": row["rfm"]},
        "segment": {"key": seg.key, "en": seg.en, "zh": seg.zh},
        "category_affinities": affinities,
        "affinity_source": source,
        "price_sensitivity": num("price_sensitivity"),
        "p_alive": num("p_alive"),
        "churn_risk": num("churn_risk"),
        "expected_purchases_90d": num("expected_90d"),
        "clv_365d": num("clv_365d"),
    }
