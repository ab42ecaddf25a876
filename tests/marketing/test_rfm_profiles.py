"""RFM scores and segments, profiles and segmentation on the demo shop."""

from __future__ import annotations

import re

import numpy as np
import pytest

from shopmind.artifacts import ArtifactStore
from shopmind.data.store import NotFoundError
from shopmind.marketing.rfm import SEGMENTS, segment_of
from shopmind.marketing.service import MarketingConfig, MarketingService


@pytest.fixture(scope="module")
def service(demo_store, tmp_path_factory) -> MarketingService:
    artifacts = ArtifactStore(tmp_path_factory.mktemp("artifacts"))
    return MarketingService(demo_store, artifacts, config=MarketingConfig(fit_inline=True))


def test_every_rf_code_has_exactly_one_named_segment() -> None:
    for r in range(1, 6):
        for f in range(1, 6):
            matches = [s.key for s in SEGMENTS if re.fullmatch(s.pattern, f"{r}{f}")]
            assert matches and matches[0] == segment_of(r, f)
    assert segment_of(5, 5) == "champions" and segment_of(1, 1) == "hibernating"


def test_rfm_segment_sizes_sum_to_the_customers_with_purchases(service, demo_store) -> None:
    r = service.rfm()
    purchases, base = service.base()
    assert r["customers"] == purchases.n_customers == len(base.table)
    assert sum(s["customers"] for s in r["segments"]) == r["customers"]
    assert sum(s["revenue_share"] for s in r["segments"]) == pytest.approx(1.0)
    assert sum(c["customers"] for c in r["grid"]["cells"]) == r["customers"]
    t = base.table
    assert set(t["r"]) <= set(range(1, 6)) and t["r"].nunique() == 5
    # R scores rank recency: every customer in R=5 bought more recently than every one in R=1
    assert t.loc[t["r"] == 5, "recency"].max() <= t.loc[t["r"] == 1, "recency"].min()
    champions = next(s for s in r["segments"] if s["segment"] == "champions")
    hibernating = next(s for s in r["segments"] if s["segment"] == "hibernating")
    assert champions["mean_monetary"] > hibernating["mean_monetary"]
    assert champions["name_zh"] == "冠军客户"


def test_profile_of_a_customer(service, demo_store) -> None:
    _, base = service.base()
    loyal = base.table.sort_values("frequency").index[-1]
    p = service.profile(loyal)
    assert p["customer_id"] == loyal and p["frequency"] == int(base.table.loc[loyal, "frequency"])
    assert p["affinity_source"] == "purchase shares"  # no recommender published in this test
    shares = [a["affinity"] for a in p["category_affinities"]]
    assert shares == sorted(shares, reverse=True) and 0 < sum(shares) <= 1.0001
    assert 0 <= p["price_sensitivity"] <= 1 and 0 <= p["churn_risk"] <= 1
    assert p["clv_365d"] > 0 and p["segment"]["zh"]
    with pytest.raises(NotFoundError):
        service.profile("no-such-customer")


def test_segments_are_described_in_both_languages(service) -> None:
    r = service.segments(k=4)
    assert r["k"] == 4 and sum(r["sizes"]) == len(service.base()[1].table)
    assert len(r["map"]["points"]) == sum(r["sizes"])
    for s in r["segments"]:
        assert s["description_en"].startswith("Customers who") and s["description_zh"].startswith("这些客户")
        assert re.search(r"[\u4e00-\u9fff]", s["description_zh"])
    # segments differ: their mean recency z-scores are not all the same sign
    z = np.array([s["z_scores"]["recency"] for s in r["segments"]])
    assert z.min() < 0 < z.max()


def test_affinities_come_from_a_published_recommenders_item_vectors(demo_store, tmp_path) -> None:
    from shopmind.config import Settings
    from shopmind.engine import Engine
    from shopmind.recommend.train import train_and_publish

    settings = Settings(artifacts_dir=tmp_path / "artifacts", var_dir=tmp_path / "var")
    with Engine(settings, demo_store) as engine:
        train_and_publish(demo_store, "bpr", {"epochs": 10, "dim": 16, "n_threads": 1}, engine.artifacts)
        service = engine.marketing  # handed the published recommender's item vectors by the engine
        purchases, base = service.base()
        assert base.item_vectors is not None and base.item_vectors[1].shape[1] == 16
        cid = base.table.sort_values("frequency").index[-1]
        p = service.profile(cid)
        assert p["affinity_source"] == "recommender item vectors"
        scores = [a["affinity"] for a in p["category_affinities"]]
        assert scores == sorted(scores, reverse=True) and all(-1 <= s <= 1 for s in scores)
        assert service.segments(k=3)["taste_features"] == "recommender item vectors"
        engine.jobs.wait(service.ensure_fitted(), timeout=300)  # the refit these requests queued
