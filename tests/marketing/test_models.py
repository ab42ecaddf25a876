"""Marketing models as versioned artifacts: fitted once per data version by a job, never in a request;
stale and fallback answers; save → load gives the same scores."""

from __future__ import annotations

import threading
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from shopmind.artifacts import META, WEIGHTS, ArtifactStore
from shopmind.data.store import Store
from shopmind.jobs import JobQueue
from shopmind.marketing import serving
from shopmind.marketing.campaigns import PlanConfig
from shopmind.marketing.churn import ChurnConfig, fit_for_store, snapshot
from shopmind.marketing.data import load_purchases
from shopmind.marketing.models import FitConfig, MarketingModels, fit_models
from shopmind.marketing.profiles import customer_base
from shopmind.marketing.service import MarketingConfig, MarketingService, ModelNotReadyError

INLINE = MarketingConfig(fit_inline=True)


def _labelled(purchases, seed: int = 0) -> pd.DataFrame:
    """A made-up campaign outcome: features at a launch 60 days back, random arms, contact helps a bit."""
    start = purchases.as_of - pd.Timedelta(days=60)
    rows = snapshot(purchases, start, 30)
    rng = np.random.default_rng(seed)
    rows["treatment"] = rng.integers(0, 2, len(rows))
    rows["label"] = ((rows["label"] == 1) | (rng.random(len(rows)) < 0.1 * rows["treatment"])).astype(int)
    rows["campaign_id"] = "cmp-test"
    return rows


def _add_order(store, order_id: str = "O-NEW") -> None:
    """One more delivered order of an existing customer, a day after the last one."""
    orders = store.frame("orders", columns=["customer_id", "placed_at", "currency"])
    last = orders["placed_at"].max()
    item = store.frame("order_items", columns=["product_id", "unit_price"]).iloc[0]
    price = float(item["unit_price"])
    order = {"order_id": order_id, "customer_id": orders["customer_id"].iloc[0], "status": "delivered",
             "placed_at": (last + timedelta(days=1)).to_pydatetime(), "currency": orders["currency"].iloc[0],
             "total": price}  # fmt: skip
    store.upsert("orders", [order])
    line = {
        "order_id": order_id,
        "line_no": 1,
        "product_id": item["product_id"],
        "quantity": 1,
        "unit_price": price,
    }
    store.upsert("order_items", [line])


def _queue(store: Store) -> JobQueue:
    """A job queue in ``store`` with its worker in this process (a server's embedded worker)."""
    from shopmind.worker import WorkerConfig

    return JobQueue(store, embedded=WorkerConfig(poll=0.1, flush=0.1))


def _hold(jobs: JobQueue) -> threading.Event:
    """Keep the queue's worker busy until the returned event is set (jobs behind it stay queued)."""
    gate = threading.Event()
    jobs.register("test:hold", lambda job: gate.wait(120) and None)
    jobs.submit("test:hold", "hold the worker")
    return gate


def _marketing_jobs(jobs: JobQueue) -> list:
    return [j for j in jobs.list() if j.kind == serving.JOB_KIND]


def test_save_then_load_gives_the_same_clv_churn_and_uplift_scores(demo_store, tmp_path) -> None:
    purchases = load_purchases(demo_store)
    labelled = _labelled(purchases)
    models = fit_models(purchases, labelled, FitConfig(churn_horizons=(60, 90)))
    assert models.bgnbd is not None and models.gamma_gamma is not None and set(models.churn) == {60, 90}
    assert models.uplift is not None and models.qini is not None and models.uplift_rows == len(labelled)
    models.save(tmp_path / "v1")
    assert sorted(p.name for p in (tmp_path / "v1").iterdir()) == sorted([META, WEIGHTS])  # no pickles
    loaded = MarketingModels.load(tmp_path / "v1")

    assert (
        loaded.bgnbd.params_ == models.bgnbd.params_
        and loaded.gamma_gamma.params_ == models.gamma_gamma.params_
    )
    cols = ["p_alive", "churn_risk", "expected_90d", "clv_365d"]
    fitted = customer_base(purchases, models.bgnbd, models.gamma_gamma).table[cols]
    again = customer_base(purchases, loaded.bgnbd, loaded.gamma_gamma).table[cols]
    pd.testing.assert_frame_equal(fitted, again)
    assert fitted["clv_365d"].notna().sum() > 100
    for h in (60, 90):
        pd.testing.assert_series_equal(models.churn_risk(purchases, h), loaded.churn_risk(purchases, h))
        assert loaded.churn[h].report == models.churn[h].report
    # the stored trees are the gradient-boosting model itself: same scores as scikit-learn's own
    sk_model, _ = fit_for_store(purchases, ChurnConfig(horizon_days=90))
    now = snapshot(purchases, purchases.as_of + pd.Timedelta(seconds=1), None)
    np.testing.assert_allclose(
        1 - sk_model.predict(now), loaded.churn_risk(purchases, 90).to_numpy(), atol=1e-12
    )
    np.testing.assert_array_equal(models.uplift_of(now), loaded.uplift_of(now))
    assert loaded.qini == models.qini and loaded.metrics() == models.metrics()
    assert loaded.data_fingerprint == models.data_fingerprint and loaded.fitted_on["orders"] == len(
        purchases.orders
    )


def test_a_request_never_fits_when_the_current_data_has_a_published_model(
    shop, tmp_path, monkeypatch
) -> None:
    artifacts = ArtifactStore(tmp_path / "artifacts")
    version = MarketingService(shop, artifacts, config=INLINE).refit().name

    def no_fit(*args, **kwargs):
        raise AssertionError("a request fitted a marketing model")

    monkeypatch.setattr(serving, "fit_models", no_fit)
    jobs = _queue(shop)
    try:
        service = MarketingService(shop, artifacts, jobs)  # a fresh server process over the same store
        cid = service.clv(top=3)["top"][0]["customer_id"]
        answers = [service.clv(), service.churn(), service.churn(30), service.profile(cid),
                   service.segments(k=3), service.plan(PlanConfig(budget=50))[1]]  # fmt: skip
        for answer in answers:
            assert answer["model_version"] == version and answer["stale"] is False
        assert answers[3]["clv_365d"] > 0 and 0 <= answers[3]["churn_risk"] <= 1
        with pytest.raises(LookupError, match="fitted horizons: 30, 60, 90"):
            service.churn(45)
        assert jobs.list() == []
        assert service.status() | {"fitted_on": None} == {
            "kind": "marketing", "version": version, "serving": "model", "fallback": serving.FALLBACK,
            "stale": False, "fitted_on": None,
        }  # fmt: skip
    finally:
        jobs.close()


def test_a_new_order_queues_exactly_one_refit_job_and_answers_stale_meanwhile(shop, tmp_path) -> None:
    artifacts = ArtifactStore(tmp_path / "artifacts")
    old = MarketingService(shop, artifacts, config=INLINE).refit().name
    jobs = _queue(shop)
    try:
        service = MarketingService(shop, artifacts, jobs)
        assert service.clv()["stale"] is False and jobs.list() == []
        gate = _hold(jobs)
        _add_order(shop)
        answers = [service.clv(), service.churn(), service.clv(), service.plan(PlanConfig())[1]]
        queued = _marketing_jobs(jobs)
        assert len(queued) == 1 and queued[0].status == "queued"
        for answer in answers:
            assert answer["stale"] is True and answer["model_version"] == old
            assert queued[0].job_id in answer["note"]
        status = service.status()
        assert (
            status["stale"] is True and status["serving"] == "model" and status["job"]["status"] == "queued"
        )
        gate.set()
        assert jobs.wait(queued[0], timeout=300).status == "done", queued[0].error
        fresh = service.clv()
        assert fresh["stale"] is False and fresh["model_version"] == queued[0].result["version"] != old
        assert fresh["fitted_on"]["orders"] == answers[0]["fitted_on"]["orders"] + 1
        assert (
            len(_marketing_jobs(jobs)) == 1
            and [v["version"] for v in artifacts.versions("marketing")][1] == old
        )
    finally:
        jobs.close()


def test_with_nothing_published_the_fallback_answers_and_says_so(demo_store, tmp_path) -> None:
    library = MarketingService(demo_store, ArtifactStore(tmp_path / "none"))  # no jobs, no inline fits
    status = library.status()
    assert status["serving"] == "fallback" and status["version"] is None and status["stale"] is False
    assert library.rfm()["customers"] > 0 and library.segments(k=3)["k"] == 3
    cid = library.base()[1].table.index[0]
    p = library.profile(cid)
    assert p["serving"] == "fallback" and p["model_version"] is None and "shopmind marketing fit" in p["note"]
    assert p["clv_365d"] is None and p["churn_risk"] is None and p["p_alive"] is None and p["rfm"]["code"]
    for call in (library.clv, library.churn, library.qini, lambda: library.plan(PlanConfig())):
        with pytest.raises(ModelNotReadyError, match="not fitted yet"):
            call()

    jobs = _queue(demo_store)
    try:
        gate = _hold(jobs)
        server = MarketingService(demo_store, ArtifactStore(tmp_path / "server"), jobs)
        with pytest.raises(ModelNotReadyError) as info:
            server.chart("clv")
        (job,) = _marketing_jobs(jobs)
        assert info.value.job_id == job.job_id and job.job_id in str(info.value)
        assert server.profile(cid)["clv_365d"] is None and len(_marketing_jobs(jobs)) == 1
        gate.set()
        jobs.wait(job, timeout=300)
        assert server.status()["serving"] == "model" and server.profile(cid)["serving"] == "model"
    finally:
        jobs.close()
