"""Uplift models and metrics: hand-checked metrics; models beat random targeting on a Hillstrom slice."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.marketing.uplift import (
    METHODS,
    UnknownUpliftMethodError,
    UpliftConfig,
    UpliftModel,
    hillstrom_matrix,
)
from shopmind.marketing.uplift_metrics import (
    evaluate,
    policy_value,
    qini_auc_score,
    qini_curve,
    uplift_at_k,
    uplift_auc_score,
)
from tests.marketing.conftest import need_dataset


def test_uplift_at_k_is_computed_per_group_as_in_scikit_uplift() -> None:
    # treated: scores 9..5 with y 1,1,0,0,0 ; control: scores 8..4 with y 0,1,0,0,1
    y = np.array([1, 1, 0, 0, 0, 0, 1, 0, 0, 1])
    t = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
    u = np.array([9, 8, 7, 6, 5, 8, 7, 6, 5, 4], dtype=float)
    # top 40% of each group: treated (1, 1) -> 1.0 ; control (0, 1) -> 0.5
    assert uplift_at_k(y, u, t, 0.4) == pytest.approx(0.5)
    assert uplift_at_k(y, u, t, 1.0) == pytest.approx(0.4 - 0.4)
    with pytest.raises(ValueError, match="share"):
        uplift_at_k(y, u, t, 0)


def test_qini_and_auuc_are_one_for_the_perfect_ranking_and_near_zero_for_noise() -> None:
    rng = np.random.default_rng(0)
    n = 4000
    t = rng.integers(0, 2, n)
    y = (rng.random(n) < np.where(t == 1, 0.3, 0.1)).astype(int)
    perfect = y * t - y * (1 - t)
    assert qini_auc_score(y, perfect, t) == pytest.approx(1.0)
    assert abs(qini_auc_score(y, rng.random(n), t)) < 0.15
    assert abs(uplift_auc_score(y, rng.random(n), t)) < 0.15
    x, q = qini_curve(y, rng.random(n), t)
    assert (
        x[0] == 0
        and x[-1] == n
        and q[-1] == pytest.approx(y[t == 1].sum() - y[t == 0].sum() * t.sum() / (n - t.sum()))
    )


def test_policy_value_of_always_treating_is_the_treated_response_rate() -> None:
    rng = np.random.default_rng(1)
    arm = rng.choice(["control", "offer"], 10_000)
    y = (rng.random(10_000) < np.where(arm == "offer", 0.2, 0.1)).astype(int)
    value = policy_value(y, arm, np.full(10_000, "offer"), {"control": 0.5, "offer": 0.5})
    assert value == pytest.approx(0.2, abs=0.015)


@pytest.fixture(scope="module")
def hill():
    need_dataset("marketing/hillstrom")
    from shopmind.data.datasets import load_hillstrom

    df = load_hillstrom().sample(24_000, random_state=3).reset_index(drop=True)
    return hillstrom_matrix(df, "visit")


@pytest.mark.parametrize("method", METHODS)
def test_uplift_on_a_hillstrom_slice_beats_random_targeting(hill, method: str) -> None:
    X, arm, y = hill
    keep = arm != "mens"
    X, arm, y = X[keep], arm[keep], y[keep]
    rng = np.random.default_rng(0)
    train = rng.random(len(y)) < 0.5
    model = UpliftModel(UpliftConfig(method=method, learner="logistic")).fit(X[train], arm[train], y[train])
    u = model.predict(X[~train])
    assert u.shape == (int((~train).sum()), 1) and model.arms_ == ["womens"]
    t = (arm[~train] == "womens").astype(int)
    m = evaluate(y[~train], u[:, 0], t)
    random_u30 = np.mean([uplift_at_k(y[~train], rng.random(len(t)), t, 0.3) for _ in range(30)])
    assert m["uplift@30%"] > random_u30 + 0.01, (m, random_u30)
    assert m["qini"] > 0.02


def test_multi_treatment_predicts_one_uplift_per_offer(hill) -> None:
    X, arm, y = hill
    model = UpliftModel(UpliftConfig(method="x_learner", learner="logistic")).fit(
        X[:12000], arm[:12000], y[:12000]
    )
    u = model.predict(X[12000:])
    assert model.arms_ == ["mens", "womens"] and u.shape == (12000, 2)
    best, gain = model.best_arm(X[12000:])
    assert set(best) <= {"control", "mens", "womens"} and np.all(gain >= 0)
    assert np.all((best == "control") == (u.max(axis=1) <= 0))


def test_bad_inputs_are_named() -> None:
    with pytest.raises(UnknownUpliftMethodError, match="two_model"):
        UpliftModel(UpliftConfig(method="magic"))
    X = np.zeros((4, 1))
    with pytest.raises(ValueError, match="control arm"):
        UpliftModel().fit(X, np.array(["a", "a", "b", "b"]), np.array([0, 1, 0, 1]))


def test_the_benchmark_protocol_tunes_on_validation_and_scores_the_test_half(hill) -> None:
    from shopmind.marketing.benchmarks import UPLIFT_GRID, hillstrom_uplift

    r = hillstrom_uplift("womens", seed=1, methods=("two_model",), grid=UPLIFT_GRID[:2], sample=8000)
    s = r["split"]
    assert s["fit"] + s["validation"] + s["test"] == r["rows"] and abs(s["test"] - r["rows"] / 2) <= 1
    m = r["methods"]["two_model"]
    assert m["config"]["learner"] == "logistic" and set(m["test"]) >= {"uplift@30%", "auuc", "qini"}
    assert r["chosen"] == "two_model" and len(r["qini_chart"]["x"]) == len(r["qini_chart"]["qini"])
