"""Next-purchase propensity (and churn risk = 1 − propensity) from purchase histories, on temporal splits.

A *snapshot* at a cutoff date describes every customer who has bought before it by features of
their history up to the cutoff only, and labels them 1 when they buy again within ``horizon_days``
after it. Training, validation and test use snapshots at successive cutoffs whose label windows do
not overlap, so nothing from the future leaks into a model: tune on the validation snapshot, then
refit on train + validation and score the test snapshot once.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np

from shopmind.marketing.learners import hgb_params, signed_log
from shopmind.marketing.threads import capped

if TYPE_CHECKING:
    import pandas as pd

    from shopmind.marketing.data import Purchases

log = logging.getLogger(__name__)

FEATURES = (
    "recency_days",
    "frequency",
    "monetary",
    "tenure_days",
    "avg_order_value",
    "orders_30d",
    "orders_90d",
    "spend_90d",
    "mean_gap_days",
    "distinct_products",
    "items_per_order",
)


@dataclass(frozen=True)
class ChurnConfig:
    """The propensity model."""

    horizon_days: int = 90  # "buys again within this many days" is the positive label
    learner: str = "hgb"  # "hgb" (HistGradientBoosting) or "logistic"
    max_iter: int = 200  # boosting rounds
    learning_rate: float = 0.05  # boosting step
    max_leaf_nodes: int = 15  # leaves per tree
    min_samples_leaf: int = 40  # smallest leaf
    l2: float = 1.0  # L2 regularisation (logistic: C = 1/l2)
    seed: int = 0  # random seed


def snapshot(purchases: Purchases, cutoff: object, horizon_days: int | None = 90) -> pd.DataFrame:
    """Features of every customer with a purchase before ``cutoff`` (index customer_id), and ``label``
    (bought again in (cutoff, cutoff + horizon]) when ``horizon_days`` is given."""
    import pandas as pd

    cut = pd.Timestamp(cutoff)
    if cut.tz is None:
        cut = cut.tz_localize("UTC")
    o = purchases.orders
    past = o[o["date"] < cut]
    day = pd.Timedelta(days=1)
    g = past.groupby("customer_id")
    f = pd.DataFrame(
        {
            "recency_days": (cut - g["date"].max()) / day,
            "frequency": g["order_id"].nunique().astype("float64"),
            "monetary": g["value"].sum(),
            "tenure_days": (cut - g["date"].min()) / day,
        }
    )
    f["avg_order_value"] = f["monetary"] / f["frequency"]
    for days in (30, 90):
        recent = past[past["date"] >= cut - pd.Timedelta(days=days)].groupby("customer_id")
        f[f"orders_{days}d"] = recent["order_id"].nunique().reindex(f.index).fillna(0.0)
        if days == 90:
            f["spend_90d"] = recent["value"].sum().reindex(f.index).fillna(0.0)
    f["mean_gap_days"] = np.where(
        f["frequency"] > 1, (f["tenure_days"] - f["recency_days"]) / (f["frequency"] - 1), -1.0
    )
    lines = purchases.lines
    if len(lines):
        lp = lines[lines["date"] < cut].groupby("customer_id")
        f["distinct_products"] = lp["product_id"].nunique().reindex(f.index).fillna(0.0)
        f["items_per_order"] = (lp["quantity"].sum().reindex(f.index).fillna(0.0)) / f["frequency"]
    else:
        f["distinct_products"] = 0.0
        f["items_per_order"] = 0.0
    if horizon_days is not None:
        future = o[(o["date"] >= cut) & (o["date"] < cut + pd.Timedelta(days=horizon_days))]
        f["label"] = f.index.isin(future["customer_id"]).astype("int64")
    f.index.name = "customer_id"
    return f


class PropensityModel:
    """P(buys again within the horizon | history); ``fit(snapshot)`` → self, ``predict(snapshot)`` → (N,)."""

    def __init__(self, config: ChurnConfig | None = None) -> None:
        self.config = config or ChurnConfig()
        self.model_ = None

    def _make(self):
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import FunctionTransformer, StandardScaler

        c = self.config
        if c.learner == "hgb":
            return HistGradientBoostingClassifier(**hgb_params(c))
        if c.learner == "logistic":
            logistic = LogisticRegression(C=1 / c.l2, max_iter=2000)
            return make_pipeline(FunctionTransformer(signed_log), StandardScaler(), logistic)
        raise ValueError(f"unknown learner {c.learner!r}: use hgb or logistic")

    @capped
    def fit(self, snap: pd.DataFrame) -> PropensityModel:
        if snap["label"].nunique() < 2:
            raise ValueError(
                "the training snapshot has only one label value: use an earlier cutoff or longer history"
            )
        self.model_ = self._make().fit(snap[list(FEATURES)].to_numpy(), snap["label"].to_numpy())
        return self

    @capped
    def predict(self, snap: pd.DataFrame) -> np.ndarray:
        if self.model_ is None:
            raise RuntimeError("PropensityModel is not fitted")
        return self.model_.predict_proba(snap[list(FEATURES)].to_numpy())[:, 1]

    def to_dict(self) -> dict:
        return {"config": asdict(self.config), "features": list(FEATURES)}


def auc(label: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(label, score))


def temporal_cutoffs(purchases: Purchases, horizon_days: int, n: int = 3) -> list[pd.Timestamp]:
    """``n`` cutoffs ending ``horizon_days`` before the last purchase, one horizon apart (oldest first)."""
    import pandas as pd

    last = purchases.orders["date"].max().normalize() + pd.Timedelta(days=1)
    return [last - pd.Timedelta(days=horizon_days * (n - i)) for i in range(n)]


def fit_for_store(purchases: Purchases, config: ChurnConfig | None = None) -> tuple[PropensityModel, dict]:
    """Fit on the latest labelled snapshot (cutoff = last purchase − horizon), report its AUC on the
    snapshot one horizon earlier → later (train on older, check on newer), and return the model."""
    cfg = config or ChurnConfig()
    older, newer = temporal_cutoffs(purchases, cfg.horizon_days, 2)
    train, check = snapshot(purchases, older, cfg.horizon_days), snapshot(purchases, newer, cfg.horizon_days)
    report: dict = {"train_cutoff": str(older.date()), "check_cutoff": str(newer.date())}
    if train["label"].nunique() == 2 and check["label"].nunique() == 2:
        report["auc"] = auc(check["label"].to_numpy(), PropensityModel(cfg).fit(train).predict(check))
    model = PropensityModel(cfg).fit(check if check["label"].nunique() == 2 else train)
    return model, report
