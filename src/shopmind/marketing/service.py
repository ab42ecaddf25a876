"""MarketingService: the marketing features over a store, as plain Python (the API and CLI call these).

Two kinds of work, kept apart:

- **Per data version, cheap, cached**: the purchases, the customer table (RFM, tenure, price
  sensitivity), segments. A new order makes the next request recompute.
- **Fitted models** — CLV (BG/NBD + Gamma-Gamma), churn propensity, uplift
  (:mod:`shopmind.marketing.models`) — fitted once per data version by :meth:`MarketingService.refit`
  and published as a version of the ``marketing`` artifact kind. Requests serve the published
  version and never fit (:mod:`shopmind.marketing.serving`). When it was fitted on other data, or
  nothing is published, a request queues one refit job (``train:marketing``) and answers from what
  there is:

  - a **stale** version: its models applied to the current data; the answer says
    ``"stale": true``, with ``model_version`` and ``fitted_on``;
  - **nothing published**: the documented fallback (:data:`FALLBACK`) — RFM, segments and profiles
    without the CLV/churn columns (null, with a note); CLV, churn, campaign plans and launches and
    the CLV/Qini/forecast charts raise :class:`ModelNotReadyError` (HTTP 503) naming the job.

Without a job queue (library use, tests) the service fits in the calling thread only when its
config says ``fit_inline=True``; a server always has a job queue and never fits in a request.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.artifacts import ArtifactStore
from shopmind.data.store import NotFoundError
from shopmind.jobs import Job, JobQueue
from shopmind.marketing import campaigns as C
from shopmind.marketing.charts import clv_data, segment_map_data
from shopmind.marketing.data import Purchases
from shopmind.marketing.models import MarketingModels
from shopmind.marketing.profiles import CustomerBase, customer_base, profile
from shopmind.marketing.rfm import rfm_grid, segment_summary
from shopmind.marketing.segments import SegmentConfig, segment_customers
from shopmind.marketing.serving import (
    FALLBACK,
    DataVersion,
    MarketingConfig,
    ModelNotReadyError,
    ServedModels,
)
from shopmind.marketing.threads import limited_threads

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import pandas as pd

    from shopmind.data.store import Store

__all__ = ["FALLBACK", "MarketingConfig", "MarketingService", "ModelNotReadyError"]
log = logging.getLogger(__name__)
ItemVectors = tuple[list[str], np.ndarray]


class MarketingService:
    """Profiles, RFM, CLV, churn, segments, campaign planning and outcomes, charts — for one store.

    ``item_vectors`` (optional) returns the published recommender's product ids and (I, D) item
    vectors, or None; without it category affinities are purchase shares.
    """

    def __init__(
        self,
        store: Store,
        artifacts: ArtifactStore,
        jobs: JobQueue | None = None,
        config: MarketingConfig | None = None,
        *,
        item_vectors: Callable[[], ItemVectors | None] | None = None,
        online: Callable[[], Any] | None = None,
        recommend: Callable[[str, int], dict[str, Any]] | None = None,
    ) -> None:
        self.store = store
        self.config = config or MarketingConfig()
        self.item_vectors = item_vectors
        self.online = online  # the online service (impressions of what a campaign's messages show)
        self.recommend = recommend  # (customer_id, k) -> the recommender's answer (``items``)
        self.models = ServedModels(store, artifacts, jobs, self.config, store.orders_fingerprint)
        self._lock = threading.Lock()  # the caches below
        self._bases: dict[tuple, CustomerBase] = {}  # (data, model version) -> customer table
        self._risks: dict[tuple, pd.Series] = {}  # (data, model version, horizon) -> churn risk

    # ------------------------------------------------------------------ the model lifecycle
    def refit(self, job: Job | None = None) -> Path:
        """Fit CLV, churn and uplift on the store's current data, save them as a new version of the
        ``marketing`` artifact and publish it; returns the version folder."""
        return self.models.refit(job)

    def ensure_fitted(self) -> Job | None:
        """Queue a refit when the published models are missing or stale (see ServedModels.ensure_fitted)."""
        return self.models.ensure_fitted()

    def status(self) -> dict[str, Any]:
        """``{"kind", "version", "serving": "model"|"fallback", "fallback", "stale", …}``; never fits."""
        return self.models.status()

    # ------------------------------------------------------------------ the customer base
    def _base(self, data: DataVersion, models: MarketingModels | None) -> CustomerBase:
        key = (data.key, data.fingerprint, models.version if models else None)
        with self._lock:
            base = self._bases.get(key)
        if base is None:
            bg, gg = (models.bgnbd, models.gamma_gamma) if models else (None, None)
            base = customer_base(data.purchases, bg, gg, notes=models.notes if models else [])
            with self._lock:
                self._bases = {key: base}
        return replace(base, item_vectors=self._vectors())

    def _vectors(self) -> ItemVectors | None:
        if self.item_vectors is None:
            return None
        try:
            return self.item_vectors()
        except Exception as exc:  # noqa: BLE001 - a broken recommender must not break marketing
            log.warning("recommender item vectors not usable for affinities: %s", exc)
            return None

    def base(self) -> tuple[Purchases, CustomerBase]:
        """The purchases and the customer table, with CLV/churn columns from the served models."""
        data, models = self.models.served()
        return data.purchases, self._base(data, models)

    # ------------------------------------------------------------------ analyses
    def profile(self, customer_id: str) -> dict[str, Any]:
        data, models = self.models.served()
        base = self._base(data, models)
        if customer_id not in base.table.index:
            self.store.get_customer(customer_id)  # NotFoundError for an unknown customer
            raise NotFoundError(f"customer {customer_id!r} has no purchases to profile yet")
        return profile(base, data.purchases, customer_id) | self.models.info(data, models)

    def rfm(self) -> dict[str, Any]:
        data = self.models.data()
        table = self._base(data, self.models.hot.get()[0]).table
        summary = segment_summary(table)
        return {
            "as_of": data.purchases.as_of.isoformat(),
            "customers": len(table),
            "revenue": float(table["monetary"].sum()),
            "segments": summary,
            "grid": rfm_grid(table),
        }

    def clv(self, top: int = 20) -> dict[str, Any]:
        data, models = self.models.served()
        base = self._base(data, self.models.require(models))
        t = base.table
        values = t["clv_365d"].to_numpy("float64")
        best = t["clv_365d"].dropna().nlargest(top)
        return {
            "as_of": data.purchases.as_of.isoformat(),
            "time_unit": "week",
            "bgnbd": base.bgnbd.params_ if base.bgnbd else None,
            "gamma_gamma": base.gamma_gamma.params_ if base.gamma_gamma else None,
            "notes": base.notes,
            "expected_purchases_90d": float(np.nansum(t["expected_90d"])),
            "clv_365d_total": float(np.nansum(values)),
            "distribution": clv_data(values),
            "top": [{"customer_id": c, "clv_365d": float(v)} for c, v in best.items()],
        } | self.models.info(data, models)

    def segments(self, k: int | None = None, seed: int = 0) -> dict[str, Any]:
        data, models = self.models.served()
        base = self._base(data, models)
        with limited_threads(self.config.threads):
            result = segment_customers(base, data.purchases.lines, SegmentConfig(k=k, seed=seed))
        result["map"] = segment_map_data(result["map"], result["labels"], result["segments"])
        result["sizes"] = result["labels"].value_counts().sort_index().astype(int).tolist()
        result.pop("labels")
        return result | self.models.info(data, models)

    def churn(self, horizon_days: int = 90, top: int = 20) -> dict[str, Any]:
        """The customers most at risk now, from the served propensity model for ``horizon_days``, with
        the AUC of its temporal check (trained one horizon earlier, scored on the next)."""
        data, models = self.models.served()
        models = self.models.require(models)
        fit = models.churn.get(horizon_days)
        if fit is None:
            fitted = ", ".join(str(h) for h in sorted(models.churn)) or "none"
            why = [n for n in models.notes if f"for {horizon_days} days" in n]
            raise NotFoundError(
                f"no churn model for a {horizon_days}-day horizon in version {models.version} "
                f"(fitted horizons: {fitted})" + (f": {why[0]}" if why else "")
            )
        risk = self._churn_risk(data, models, horizon_days)
        order = np.argsort(-risk.to_numpy())[:top]
        report = dict(fit.report)
        report["at_risk"] = [{"customer_id": risk.index[i], "churn_risk": float(risk.iloc[i])} for i in order]
        report["horizon_days"] = horizon_days
        return report | self.models.info(data, models)

    def _churn_risk(self, data: DataVersion, models: MarketingModels, horizon_days: int) -> pd.Series:
        key = (data.key, data.fingerprint, models.version, horizon_days)
        with self._lock:
            risk = self._risks.get(key)
        if risk is None:
            with limited_threads(self.config.threads):
                risk = models.churn_risk(data.purchases, horizon_days)
            with self._lock:  # keep the other horizons of the same data and version only
                self._risks = {k: v for k, v in self._risks.items() if k[:3] == key[:3]} | {key: risk}
        return risk

    # ------------------------------------------------------------------ campaigns
    def scores(self, window_days: int = 30) -> tuple[pd.DataFrame, str]:
        """Per customer: uplift, p_convert, value, segment — from the uplift model fitted on past campaign
        outcomes when the served version has one, else a stated prior."""
        data, models = self.models.served()
        return self._scores(data, self.models.require(models), window_days)

    def _scores(
        self, data: DataVersion, models: MarketingModels, window_days: int
    ) -> tuple[pd.DataFrame, str]:
        import pandas as pd

        from shopmind.marketing.churn import snapshot

        purchases = data.purchases
        base = self._base(data, models)
        t = base.table
        value = t["avg_order_value"].astype("float64")
        if base.gamma_gamma is not None:
            s = _repeat_summary(purchases)
            spend = base.gamma_gamma.conditional_expected_value(s["frequency"], s["monetary_value"])
            value = pd.Series(spend, index=s.index).reindex(t.index).fillna(value)
        expected = t["expected_90d"].astype("float64").fillna(0.0) * (window_days / 90)
        p_base = 1 - np.exp(-expected)
        lift = self.config.prior_lift
        source = f"prior: +{lift:.0%} relative lift on the BG/NBD {window_days}-day buy probability"
        uplift = lift * p_base
        if models.uplift is not None:
            now = snapshot(purchases, purchases.as_of + pd.Timedelta(seconds=1), None)
            now = now.reindex(t.index).fillna(0.0)
            with limited_threads(self.config.threads):
                uplift = pd.Series(models.uplift_of(now), index=t.index)
            cfg = models.uplift.config
            source = (
                f"uplift model ({cfg.method.replace('_', '-')}, {cfg.learner}) on {models.uplift_rows} "
                "labelled campaign customers"
            )
        frame = pd.DataFrame(
            {
                "uplift": uplift,
                "p_convert": (p_base + uplift.clip(lower=0)).clip(0, 1),
                "value": value,
                "segment": t["segment"],
            }
        )
        return frame, source

    def plan(self, config: C.PlanConfig, window_days: int = 30) -> tuple[pd.DataFrame, dict[str, Any]]:
        data, models = self.models.served()
        scores, source = self._scores(data, self.models.require(models), window_days)
        ranked, summary = C.plan(scores, config)
        summary["uplift_source"] = source
        summary["forecast"] = C.forecast_curve(ranked)
        return ranked, summary | self.models.info(data, models)

    def launch(
        self,
        name: str,
        config: C.PlanConfig,
        holdout_share: float = 0.1,
        window_days: int = 30,
        seed: int = 0,
        started_at: datetime | None = None,
        *,
        products: Sequence[str] = (),
        recommend_k: int = 0,
    ) -> dict:
        """Plan and record a running campaign (started now, or at ``as_of`` for a service looking back).
        A message that shows ``products`` (the same for everybody) or each recipient's top
        ``recommend_k`` recommendations logs an impression per contacted recipient (surface
        ``campaign``; :func:`~shopmind.marketing.campaigns.recipients` lists their ids)."""
        show = self._shower(list(products), recommend_k)
        ranked, summary = self.plan(config, window_days)
        started_at = started_at or self.config.as_of
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
            show=show,
        )
        meta = row["meta"]
        plan = {k: v for k, v in summary.items() if k != "forecast"}
        return {"campaign_id": row["campaign_id"], "treatment": len(meta["treatment"]),
                "control": len(meta["control"]), "shown": len(meta["shown"]), "plan": plan}  # fmt: skip

    def _shower(self, products: list[str], k: int) -> Callable[[str], dict[str, Any] | None] | None:
        """What a campaign message shows a recipient, its impression logged (None: shows no products)."""
        if products and k:
            raise ValueError("a campaign shows either a fixed list of products or recommendations, not both")
        if not 0 <= k <= C.MAX_SHOWN or len(products) > C.MAX_SHOWN:
            raise ValueError(f"a campaign message shows at most {C.MAX_SHOWN} products")
        products = list(dict.fromkeys(products))
        known = {p["product_id"] for p in self.store.products_by_ids(products)} if products else set()
        if missing := [p for p in products if p not in known]:
            raise ValueError(f"unknown product ids: {', '.join(missing[:10])}")
        if k and self.recommend is None:
            raise ValueError("recommendations per recipient need the recommender, which is not available")
        if not products and not k:
            return None
        online = self.online() if self.online is not None else None

        def show(customer_id: str) -> dict[str, Any] | None:
            kind, version, ids = "", "", products
            if k:
                answer = self.recommend(customer_id, k)
                kind, version = "rec", answer.get("version") or ""
                ids = [i["product_id"] for i in answer["items"]]
            if not ids:
                return None
            iid = None
            if online is not None:
                iid = online.show(
                    "campaign", ids, customer_id=customer_id, model_kind=kind, model_version=version
                )
            return {"impression_id": iid, "products": ids}

        return show

    def recipients(self, campaign_id: str) -> list[dict[str, Any]]:
        """The contacted recipients of a campaign with the impression id of what their message shows."""
        return C.recipients(C.get_campaign(self.store, campaign_id))

    def outcome(self, campaign_id: str) -> dict[str, Any]:
        """Analyse a campaign and record its outcome: new labelled data, so the models become stale."""
        result = C.outcome(self.store, campaign_id, self.models.data().purchases)
        self.models.invalidate()
        return result

    def qini(self) -> dict[str, Any]:
        """The Qini curve of the uplift model on past campaign outcomes (fitted on one half of the
        labelled customers, drawn on the other), as saved with the served version."""
        data, models = self.models.served()
        models = self.models.require(models)
        if models.qini is not None:
            return dict(models.qini)
        if models.data_fingerprint != data.fingerprint and len(data.labelled) >= 20:
            raise ModelNotReadyError(
                f"the Qini curve of the new campaign outcomes is not fitted yet: {self.models.job_line()}"
            )
        why = [n for n in models.notes if "Qini" in n or "uplift" in n]
        raise NotFoundError(
            "no campaign outcomes to draw a Qini curve from yet: launch a campaign and record its outcome"
            + (f" ({why[0]})" if why else "")
        )

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


def _repeat_summary(purchases: Purchases) -> pd.DataFrame:
    """frequency and monetary_value of every customer (weeks, as of the analysis date)."""
    from shopmind.marketing.clv import summary_from_transactions

    return summary_from_transactions(
        purchases.orders, "customer_id", "date", "value", calibration_end=purchases.as_of
    )
