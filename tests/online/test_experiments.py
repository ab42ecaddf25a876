"""Experiments: the planned sample size, refusals with a clear reason (overlapping arms, shares not
adding up to 1, unknown versions or settings, a second experiment on a surface), stable hash
assignment in the planned shares, and the analysis: a real difference found with the right sign,
a sample-ratio mismatch flagged, and the verdict in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopmind.data.store import Store
from shopmind.online.analysis import analyse_experiment, srm
from shopmind.online.attribution import Attributor
from shopmind.online.experiments import ExperimentError, assign, check_arms, define, sample_size
from shopmind.online.impressions import impression

REC = [
    {"name": "popular", "share": 0.5, "version": "v-pop"},
    {"name": "sasrec", "share": 0.5, "version": "v-sas"},
]


def test_sample_size_matches_the_textbook_formula() -> None:
    # 5 % → 6 % at α = 0.05 (two-sided), power 0.8: about 8,160 per arm in standard calculators
    assert 8_100 <= sample_size(0.05, 0.01) <= 8_200
    assert sample_size(0.05, 0.02) < sample_size(0.05, 0.01) < sample_size(0.05, 0.01, power=0.9)
    with pytest.raises(ExperimentError, match="strictly between 0"):
        sample_size(0.05, 0.0)


@pytest.mark.parametrize(
    ("surface", "arms", "message"),
    [
        ("recommendations", [REC[0], {**REC[1], "share": 0.4}], "add up to 1; they add up to 0.9"),
        ("recommendations", [REC[0], {**REC[1], "version": "v-pop"}], "overlap: both serve version"),
        ("search", [{"name": "a", "share": 0.5, "settings": {"mode": "lexical"}},
                    {"name": "b", "share": 0.5, "settings": {"mode": "lexical"}}], "overlap"),
        ("search", [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.5, "settings": {"mode": "fast"}}],
         "mode must be one of hybrid, lexical, dense"),
        ("recommendations", [REC[0], {**REC[1], "version": "v-gone"}], "no saved model version 'v-gone'"),
        ("recommendations", [REC[0]], "at least two arms"),
        ("recommendations", [REC[0], {**REC[1], "name": "popular"}], "two arms are named"),
        ("checkout", REC, "unknown surface"),
    ],
)  # fmt: skip
def test_bad_experiments_are_refused_with_the_reason(surface: str, arms: list, message: str) -> None:
    with pytest.raises(ExperimentError, match=message):
        check_arms(surface, arms, versions=["v-pop", "v-sas"])


def test_one_experiment_per_surface_at_a_time() -> None:
    first = define("first", "recommendations", REC)
    with pytest.raises(ExperimentError, match="already runs on recommendations"):
        define("second", "recommendations", REC, running=[first])
    define("on search", "search", [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.5,
                                    "settings": {"mode": "lexical"}}], running=[first])  # fmt: skip


def test_assignment_is_stable_and_follows_the_shares() -> None:
    x = define("split", "recommendations", [{**REC[0], "share": 0.2}, {**REC[1], "share": 0.8}])
    arms = [assign(x, f"c:C{i}")["name"] for i in range(20_000)]
    assert arms == [assign(x, f"c:C{i}")["name"] for i in range(20_000)]
    assert arms.count("popular") / len(arms) == pytest.approx(0.2, abs=0.015)
    other = define("split", "recommendations", REC)
    same = sum(assign(other, f"c:C{i}")["name"] == a for i, a in enumerate(arms))
    assert 0.4 < same / len(arms) < 0.6  # another experiment draws independently


def run(store: Store, x: dict, rates: dict[str, float], units: int, seed: int = 0) -> None:
    """Each unit sees its arm once; it buys the product shown with its arm's rate."""
    import numpy as np

    rng = np.random.default_rng(seed)
    at = datetime.now(UTC) - timedelta(minutes=30)
    imps, events = [], []
    for i in range(units):
        unit = f"C{i}"
        arm = assign(x, f"c:{unit}")
        imp = impression("recommendations", ["P1"], customer_id=unit, experiment_id=x["experiment_id"],
                         arm=arm["name"], model_version=arm["version"]) | {"at": at}  # fmt: skip
        imps.append(imp)
        if rng.random() < rates[arm["name"]]:
            events.append({"event_id": f"b{i}", "customer_id": unit, "session_id": "", "type": "purchase",
                           "product_id": "P1", "value": 10.0, "ts": at + timedelta(minutes=1),
                           "impression_id": imp["impression_id"]})  # fmt: skip
    store.log_impressions(imps)
    store.upsert("events", events)
    Attributor(store).catch_up()


def test_the_analysis_finds_a_real_difference_with_the_right_sign(sqlite_store: Store) -> None:
    x = define("pop vs sasrec", "recommendations", REC, baseline=0.10, min_effect=0.05)
    sqlite_store.save_experiment(x)
    run(sqlite_store, x, {"popular": 0.10, "sasrec": 0.20}, units=2 * x["plan"]["sample_size_per_arm"])
    result = analyse_experiment(sqlite_store, x)
    (cmp,) = result["analysis"]["comparisons"]
    assert cmp["arm"] == "sasrec" and cmp["significant"] and cmp["conversion"]["ci"][0] > 0
    assert not result["srm"]["mismatch"] and result["progress"] > 0.8
    assert "sasrec converts better than popular" in result["verdict"]["en"]
    assert "sasrec 的转化率高于 popular" in result["verdict"]["zh"]
    assert {d["arm"] for d in result["daily"]} == {"popular", "sasrec"}
    assert sum(d["conversions"] for d in result["daily"]) == sum(
        a["conversions"] for a in result["analysis"]["arms"]
    )


def test_a_sample_ratio_mismatch_is_flagged() -> None:
    assert srm([5_000, 5_050], [0.5, 0.5])["mismatch"] is False
    assert srm([5_000, 5_600], [0.5, 0.5])["mismatch"] is True


def _result(units: dict, conversions: dict, need: int, mismatch: bool = False) -> dict:
    from shopmind.marketing.abtest import Arm, analyse

    x = define("v", "recommendations", REC) | {"plan": {"sample_size_per_arm": need}}
    analysis = analyse([Arm(a, units[a], conversions[a]) for a in units])
    return {"experiment": x, "units": units, "analysis": analysis,
            "srm": {"mismatch": mismatch, "p_value": 1e-5 if mismatch else 0.5}}  # fmt: skip


def test_the_verdict_says_too_early_no_difference_or_do_not_trust() -> None:
    from shopmind.online.analysis import verdict

    early = verdict(_result({"popular": 100, "sasrec": 100}, {"popular": 10, "sasrec": 11}, need=1000))
    assert early["en"].startswith("Too early for sasrec: 100 of the 1,000") and "尚需更多数据" in early["zh"]
    none = verdict(_result({"popular": 2000, "sasrec": 2000}, {"popular": 200, "sasrec": 205}, need=1000))
    assert (
        none["en"].startswith("No difference found between sasrec and popular") and "未发现差异" in none["zh"]
    )
    bad = verdict(
        _result({"popular": 2000, "sasrec": 1500}, {"popular": 200, "sasrec": 300}, need=1000, mismatch=True)
    )
    assert bad["en"].startswith("Do not trust this result") and "样本比例失衡" in bad["zh"]
