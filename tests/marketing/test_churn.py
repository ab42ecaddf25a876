"""Next-purchase propensity on temporal splits of UCI Online Retail: no leakage, AUC above chance."""

from __future__ import annotations

import pandas as pd
import pytest

from shopmind.marketing.churn import ChurnConfig, PropensityModel, auc, snapshot
from tests.marketing.conftest import need_dataset


@pytest.fixture(scope="module")
def retail():
    need_dataset("marketing/online-retail-uci")
    from shopmind.marketing.data import online_retail_purchases

    return online_retail_purchases(
        ["2010-12", "2011-01", "2011-02", "2011-03", "2011-04", "2011-05", "2011-06"]
    )


def test_snapshot_features_see_only_the_past(retail) -> None:
    cut = "2011-03-01"
    snap = snapshot(retail, cut, 60)
    o = retail.orders
    early = type(retail)(
        o[o["date"] < pd.Timestamp(cut, tz="UTC")],
        retail.lines[retail.lines["date"] < pd.Timestamp(cut, tz="UTC")],
        retail.customers,
        retail.as_of,
    )
    again = snapshot(early, cut, None)
    pd.testing.assert_frame_equal(snap.drop(columns="label"), again)
    assert (snap["recency_days"] > 0).all() and snap["label"].between(0, 1).all()
    later = o[(o["date"] >= pd.Timestamp(cut, tz="UTC")) & (o["date"] < pd.Timestamp("2011-04-30", tz="UTC"))]
    assert snap["label"].sum() == len(set(later["customer_id"]) & set(snap.index))


@pytest.mark.parametrize("learner", ["logistic", "hgb"])
def test_propensity_auc_on_a_later_period_beats_chance(retail, learner: str) -> None:
    train = snapshot(retail, "2011-02-01", 60)
    valid = snapshot(retail, "2011-04-02", 60)  # label windows do not overlap
    model = PropensityModel(ChurnConfig(learner=learner, horizon_days=60, max_iter=60)).fit(train)
    assert auc(valid["label"], model.predict(valid)) > 0.68
