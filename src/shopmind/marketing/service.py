"""MarketingService: the marketing features over a store, as plain Python (the API and CLI call these).

The customer base (RFM, CLV fits, price sensitivity, affinities) is computed once per state of the
orders table — the cache key is the orders' count and latest timestamp — so repeated requests are
cheap and a new order makes the next request recompute.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.data.store import NotFoundError
from shopmind.marketing import campaigns as C
from shopmind.marketing.charts import clv_data, qini_data, segment_map_data
from shopmind.marketing.data import Purchases, load_purchases
from shopmind.marketing.profiles import CustomerBase, customer_base, profile
from shopmind.marketing.rfm import rfm_grid, segment_summary
from shopmind.marketing.segments import SegmentConfig, segment_customers

if TYPE_CHECKING:
    import pandas as pd

    from shopmind.data.store import Store

log = logging.getLogger(__name__)


class MarketingService:
    """Profiles, RFM, CLV, churn, segments, campaign planning and outcomes, charts — for one store."""

    def __init__(
        self,
        store: Store,
        artifacts_root: str | Path | None = None,
        prior_lift: float = 0.2,
        as_of: datetime | None = None,
    ) -> None:
        self.store = store
        self.as_of = as_of  # look at the shop as it was then (None: up to its last purchase)
        self.artifacts_root = artifacts_root
        self.prior_lift = prior_lift  # relative lift assumed before any campaign outcome exists
        self._lock = threading.Lock()
        self._cache: tuple[tuple, Purchases, CustomerBase] | None = None

    # ------------------------------------------------------------------ the customer base
    def _fingerprint(self) -> tuple:
        import sqlalchemy as sa

        from shopmind.data import tables as T

        o = T.orders
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(sa.func.count(), sa.func.max(o.c.placed_at))).first()
        return (int(row[0]), str(row[1]))

    def base(self) -> tuple[Purchases, CustomerBase]:
        """The purchases and the customer base table (recomputed when the orders change)."""
        key = self._fingerprint()
        with self._lock:
            if self._cache is None or self._cache[0] != key:
                purchases = load_purchases(self.store, self.as_of)
                if purchases.orders.empty:
                    raise NotFoundError("the shop has no purchases yet: marketing needs orders")
                self._cache = (key, purchases, customer_base(purchases, self.artifacts_root))
            return self._cache[1], self._cache[2]

    # ------------------------------------------------------------------ analyses
    def profile(self, customer_id: str) -> dict[str, Any]:
        purchases, base = self.base()
        if customer_id not in base.table.index:
            self.store.get_customer(customer_id)  # NotFoundError for an unknown customer
            raise NotFoundError(f"customer {customer_id!r} has no purchases to profile yet")
        return profile(base, purchases, customer_id)

    def rfm(self) -> dict[str, Any]:
        purchases, base = self.base()
        summary = segment_summary(base.table)
        return {
            "as_of": purchases.as_of.isoformat(),
            "customers": len(base.table),
            "revenue": float(base.table["monetary"].sum()),
            "segments": summary,
            "grid": rfm_grid(base.table),
        }

    def clv(self, top: int = 20) -> dict[str, Any]:
        purchases, base = self.base()
        t = base.table
        values = t["clv_365d"].to_numpy("float64")
        best = t["clv_365d"].dropna().nlargest(top)
        return {
            "as_of": purchases.as_of.isoformat(),
            "time_unit": "week",
            "bgnbd": base.bgnbd.params_ if base.bgnbd else None,
            "gamma_gamma": base.gamma_gamma.params_ if base.gamma_gamma else None,
            "notes": base.notes,
            "expected_purchases_90d": float(np.nansum(t["expected_90d"])),
            "clv_365d_total": float(np.nansum(values)),
            "distribution": clv_data(values),
            "top": [{"customer_id": c, "clv_365d": float(v)} for c, v in best.items()],
        }

    def segments(self, k: int | None = None, seed: int = 0) -> dict[str, Any]:
        purchases, base = self.base()
        result = segment_customers(base, purchases.lines, SegmentConfig(k=k, seed=seed))
        result["map"] = segment_map_data(result["map"], result["labels"], result["segments"])
        result["sizes"] = result["labels"].value_counts().sort_index().astype(int).tolist()
        result.pop("labels")
        return result

    def churn(self, horizon_days: int = 90, top: int = 20) -> dict[str, Any]:
        """Propensity model fitted on the store's own temporal split; the customers most at risk now."""
        from shopmind.marketing.churn import ChurnConfig, fit_for_store, snapshot

        purchases, _ = self.base()
        model, report = fit_for_store(purchases, ChurnConfig(horizon_days=horizon_days))
        now = snapshot(purchases, purchases.as_of + _one_second(), None)
        risk = 1 - model.predict(now)
        order = np.argsort(-risk)[:top]
        report["at_risk"] = [{"customer_id": now.index[i], "churn_risk": float(risk[i])} for i in order]
        report["horizon_days"] = horizon_days
        return report

    # ------------------------------------------------------------------ campaigns
    def scores(self, window_days: int = 30) -> tuple[pd.DataFrame, str]:
        """Per customer: uplift, p_convert, value, segment — from past campaign outcomes when there are
        any (a two-model uplift model on the labelled rows), else a stated prior."""
        import pandas as pd

        purchases, base = self.base()
        t = base.table
        value = t["avg_order_value"].astype("float64")
        if base.gamma_gamma is not None:
            from shopmind.marketing.clv import summary_from_transactions

            s = summary_from_transactions(
                purchases.orders, "customer_id", "date", "value", calibration_end=purchases.as_of
            )
            spend = base.gamma_gamma.conditional_expected_value(s["frequency"], s["monetary_value"])
            value = pd.Series(spend, index=s.index).reindex(t.index).fillna(value)
        expected = t["expected_90d"].astype("float64").fillna(0.0) * (window_days / 90)
        p_base = 1 - np.exp(-expected)
        labelled = C.labelled_data(self.store, purchases)
        source = (
            f"prior: +{self.prior_lift:.0%} relative lift on the BG/NBD {window_days}-day buy probability"
        )
        uplift = self.prior_lift * p_base
        if len(labelled) and labelled["treatment"].nunique() == 2 and labelled["label"].nunique() == 2:
            model = self._uplift_model(labelled)
            from shopmind.marketing.churn import FEATURES, snapshot

            now = snapshot(purchases, purchases.as_of + _one_second(), None).reindex(t.index).fillna(0.0)
            uplift = pd.Series(model.predict(now[list(FEATURES)].to_numpy())[:, 0], index=t.index)
            source = f"uplift model (two-model, logistic) on {len(labelled)} labelled campaign customers"
        frame = pd.DataFrame(
            {
                "uplift": uplift,
                "p_convert": (p_base + uplift.clip(lower=0)).clip(0, 1),
                "value": value,
                "segment": t["segment"],
            }
        )
        return frame, source

    @staticmethod
    def _uplift_model(labelled: pd.DataFrame):
        from shopmind.marketing.churn import FEATURES
        from shopmind.marketing.uplift import UpliftConfig, UpliftModel

        arm = np.where(labelled["treatment"] == 1, "contacted", "control")
        X = np.log1p(np.maximum(labelled[list(FEATURES)].to_numpy("float64"), 0))
        return _LogFeatures(
            UpliftModel(UpliftConfig(method="two_model", learner="logistic")).fit(X, arm, labelled["label"])
        )

    def plan(self, config: C.PlanConfig, window_days: int = 30) -> tuple[pd.DataFrame, dict[str, Any]]:
        scores, source = self.scores(window_days)
        ranked, summary = C.plan(scores, config)
        summary["uplift_source"] = source
        summary["forecast"] = C.forecast_curve(ranked)
        return ranked, summary

    def launch(
        self,
        name: str,
        config: C.PlanConfig,
        holdout_share: float = 0.1,
        window_days: int = 30,
        seed: int = 0,
        started_at: datetime | None = None,
    ) -> dict:
        """Plan and record a running campaign (started now, or at ``as_of`` for a service looking back)."""
        ranked, summary = self.plan(config, window_days)
        started_at = started_at or self.as_of
        targets = list(ranked.index[ranked["selected"]])
        row = C.launch(
            self.store,
            name,
            targets,
            config,
            holdout_share=holdout_share,
            window_days=window_days,
            seed=seed,
            started_at=started_at,
        )
        meta = row["meta"]
        return {
            "campaign_id": row["campaign_id"],
            "treatment": len(meta["treatment"]),
            "control": len(meta["control"]),
            "plan": {k: v for k, v in summary.items() if k != "forecast"},
        }  # fmt: skip

    def outcome(self, campaign_id: str) -> dict[str, Any]:
        purchases, _ = self.base()
        return C.outcome(self.store, campaign_id, purchases)

    def qini(self, seed: int = 0) -> dict[str, Any]:
        """Qini curve of the uplift model on past campaign outcomes (fit on one half, drawn on the other)."""
        purchases, _ = self.base()
        labelled = C.labelled_data(self.store, purchases)
        if len(labelled) < 20 or labelled["treatment"].nunique() < 2:
            raise NotFoundError(
                "no campaign outcomes to draw a Qini curve from yet: launch a campaign and record its outcome"
            )
        rng = np.random.default_rng(seed)
        half = rng.random(len(labelled)) < 0.5
        model = self._uplift_model(labelled[half])
        from shopmind.marketing.churn import FEATURES

        test = labelled[~half]
        u = model.predict(test[list(FEATURES)].to_numpy())[:, 0]
        return qini_data(test["label"].to_numpy(), u, test["treatment"].to_numpy())

    def chart(self, name: str, **kw: Any) -> dict[str, Any]:
        """The JSON data of chart ``name`` (see charts.CHARTS)."""
        if name == "rfm-grid":
            return self.rfm()["grid"]
        if name == "clv":
            return self.clv()["distribution"]
        if name == "segments":
            return self.segments(kw.get("k"))["map"]
        if name == "qini":
            return self.qini()
        if name == "forecast":
            return self.plan(kw.get("config") or C.PlanConfig())[1]["forecast"]
        from shopmind.marketing.charts import CHARTS

        raise ValueError(f"unknown chart {name!r}: use one of {', '.join(CHARTS)}")


class _LogFeatures:
    """An uplift model over log1p features (purchase counts and amounts are heavy-tailed)."""

    def __init__(self, model) -> None:
        self.model = model

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.model.predict(np.log1p(np.maximum(np.asarray(X, dtype="float64"), 0)))


def _one_second():
    import pandas as pd

    return pd.Timedelta(seconds=1)
