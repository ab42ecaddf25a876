"""Campaign planner, CSV export, launch with hold-out, outcome and the labelled data fed back."""

from __future__ import annotations

import csv
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from shopmind.artifacts import ArtifactStore
from shopmind.marketing.campaigns import PlanConfig, export_csv, plan
from shopmind.marketing.service import MarketingConfig, MarketingService


def scores(n: int = 500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.01, 0.3, n)
    return pd.DataFrame(
        {
            "uplift": rng.normal(0.02, 0.03, n),
            "p_convert": p,
            "value": rng.gamma(2, 30, n),
            "segment": "at_risk",
        },
        index=[f"C{i}" for i in range(n)],
    )


@pytest.mark.parametrize("budget", [0.0, 5.0, 40.0, 1e9])
def test_the_planner_respects_the_budget_and_contacts_only_profitable_customers(budget: float) -> None:
    cfg = PlanConfig(budget=budget, cost_per_contact=0.3, offer_value=2.0)
    ranked, s = plan(scores(), cfg)
    chosen = ranked[ranked["selected"]]
    assert s["expected_cost"] <= budget + 1e-9 and s["contacts"] == len(chosen)
    assert (chosen["net"] > 0).all()
    if budget == 0:
        assert s["contacts"] == 0
    if budget == 1e9:  # unlimited: everyone profitable, nobody else
        assert s["contacts"] == int((ranked["net"] > 0).sum())


def test_more_budget_never_means_less_incremental_revenue() -> None:
    revenue = [
        plan(scores(seed=2), PlanConfig(budget=b, cost_per_contact=0.3, offer_value=2.0))[1][
            "expected_incremental_revenue"
        ]
        for b in (1, 5, 10, 20, 50, 100)
    ]
    assert revenue == sorted(revenue) and revenue[-1] > revenue[0]


def test_csv_export_has_the_target_list_with_bilingual_copy(tmp_path) -> None:
    ranked, s = plan(scores(), PlanConfig(budget=20, cost_per_contact=0.3, offer_value=2.0))
    path = export_csv(ranked, tmp_path / "targets.csv", offer="¥10")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(rows) == s["contacts"] > 0
    assert "¥10" in rows[0]["copy_en"] and "¥10" in rows[0]["copy_zh"] and "为您" in rows[0]["copy_zh"]


def test_launch_outcome_and_labelled_data_on_the_demo_shop(demo_store, tmp_path) -> None:
    inline = MarketingConfig(fit_inline=True)
    service = MarketingService(demo_store, ArtifactStore(tmp_path / "artifacts"), config=inline)
    purchases, _ = service.base()
    started = (purchases.as_of - timedelta(days=60)).to_pydatetime()
    # a service looking back fits on other data: it keeps its models apart from the live ones
    past = MarketingConfig(as_of=started, fit_inline=True)
    back_then = MarketingService(demo_store, ArtifactStore(tmp_path / "past"), config=past)
    cfg = PlanConfig(budget=60, cost_per_contact=0.1, offer_value=1.0)
    launched = back_then.launch("spring", cfg, holdout_share=0.3, window_days=30, seed=1)
    assert launched["treatment"] + launched["control"] == launched["plan"]["contacts"] > 0
    assert launched["control"] > 0
    result = service.outcome(launched["campaign_id"])
    arms = {a["arm"]: a for a in result["arms"]}
    assert arms["control"]["customers"] == launched["control"] and result["window"]["complete"]
    assert 0 <= result["comparisons"][0]["conversion"]["p_value"] <= 1
    from shopmind.marketing.campaigns import get_campaign, labelled_data

    assert get_campaign(demo_store, launched["campaign_id"])["status"] == "finished"
    rows = labelled_data(demo_store, purchases)
    assert len(rows) == launched["treatment"] + launched["control"]
    assert set(rows["treatment"]) == {0, 1}
    converted = arms["treatment"]["conversions"] + arms["control"]["conversions"]
    assert rows["label"].sum() == converted  # the label is "bought within the window"
    # the outcome is new data: the next plan is served by a refit that learned from it, not the prior
    before = service.status()["version"]
    _, source = service.scores()
    assert service.status()["version"] != before and not service.status()["stale"]
    assert source.startswith("uplift model") or rows["label"].nunique() < 2
