"""Customer profiles: RFM, tenure, category affinities, price sensitivity, churn risk and value, per customer.

:func:`customer_base` builds one table for the whole shop (one row per customer with a purchase)
that RFM, CLV, segmentation and the campaign planner all read; :func:`profile` picks one row and
adds the category affinities.

- **Category affinities** come from the published recommender's item vectors when the caller hands
  them in (BPR, LightGCN, SASRec have them): the customer's vector is the mean of the unit vectors
  of what they bought, a category's vector the mean over its products, and the affinity is their
  cosine. Without item vectors (or for categories the model does not know) they are purchase shares.
- **Price sensitivity** in [0, 1]: from the median price index (price paid / median list price of
  the product's category) of what the customer bought: 0.5 − 0.5·log2(index), clipped. 0.5 = pays
  typical prices, 1 = buys at half the category median or less, 0 = at twice or more.
- **Churn risk** = 1 − P(alive) of the BG/NBD model fitted on the shop (weeks); ``expected_90d`` the
  purchases it expects in the next 90 days, ``clv_365d`` the Gamma-Gamma value over a year. The
  models are fitted once per data version (:func:`fit_clv`, by the marketing models' refit) and
  only evaluated here (:func:`clv_columns`); without them the columns are NaN.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.marketing.clv import (
    BetaGeoModel,
    CLVConfig,
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
    """The shop's customers as one table, the CLV models that scored it and notes on what is missing."""

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


def clv_summary(purchases: Purchases) -> pd.DataFrame:
    """Per customer frequency, recency, T and monetary_value in weeks, as of the analysis date; customers
    whose first purchase is on that date (T = 0) are left out."""
    summary = summary_from_transactions(
        purchases.orders, "customer_id", "date", "value", calibration_end=purchases.as_of
    )
    return summary[summary["T"] > 0]


def fit_clv(
    purchases: Purchases, config: CLVConfig | None = None, notes: list[str] | None = None
) -> tuple[BetaGeoModel | None, GammaGammaModel | None]:
    """BG/NBD and Gamma-Gamma fitted on the shop in weeks; a model that cannot be fitted is None, with
    the reason appended to ``notes``."""
    notes = notes if notes is not None else []
    s = clv_summary(purchases)
    cfg = config or CLVConfig()
    try:
        bg = BetaGeoModel(cfg).fit(s["frequency"], s["recency"], s["T"])
    except (FitError, ValueError) as exc:
        notes.append(f"BG/NBD not fitted: {exc}")
        return None, None
    try:
        gg = GammaGammaModel(cfg).fit(s["frequency"], s["monetary_value"])
    except (FitError, ValueError) as exc:
        notes.append(f"Gamma-Gamma not fitted: {exc}")
        gg = None
    return bg, gg


def clv_columns(
    purchases: Purchases, table: pd.DataFrame, bg: BetaGeoModel | None, gg: GammaGammaModel | None
) -> None:
    """Adds p_alive, churn_risk, expected_90d and clv_365d to ``table`` from fitted models (NaN where a
    model is missing or a customer has T = 0)."""
    table["p_alive"] = table["churn_risk"] = table["expected_90d"] = table["clv_365d"] = np.nan
    if bg is None or not len(table):
        return
    s = clv_summary(purchases).reindex(table.index)
    ok = s["T"].notna().to_numpy()
    s = s[ok]
    p_alive = bg.p_alive(s["frequency"], s["recency"], s["T"])
    table.loc[ok, "p_alive"] = p_alive
    table.loc[ok, "churn_risk"] = 1 - p_alive
    table.loc[ok, "expected_90d"] = bg.conditional_expected_purchases(
        90 / 7, s["frequency"], s["recency"], s["T"]
    )
    if gg is not None:
        table.loc[ok, "clv_365d"] = customer_lifetime_value(bg, gg, s, horizon=52, step=4)


def customer_base(
    purchases: Purchases,
    bgnbd: BetaGeoModel | None = None,
    gamma_gamma: GammaGammaModel | None = None,
    item_vectors: tuple[list[str], np.ndarray] | None = None,
    notes: list[str] | None = None,
) -> CustomerBase:
    """RFM + tenure + price sensitivity for every customer with a purchase, and the CLV/churn columns
    from the fitted models given (NaN without them)."""
    table = rfm_table(purchases)
    sens = price_sensitivity(purchases)
    table["price_sensitivity"] = sens.reindex(table.index).fillna(0.5) if len(sens) else 0.5
    table["avg_order_value"] = table["monetary"] / table["frequency"].clip(lower=1)
    clv_columns(purchases, table, bgnbd, gamma_gamma)
    shares = category_shares(purchases)
    if len(shares):
        top = shares.idxmax(axis=1)
        table["top_category"] = top.reindex(table.index).fillna("")
    else:
        table["top_category"] = ""
    return CustomerBase(table, bgnbd, gamma_gamma, list(notes or []), shares, item_vectors)


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
