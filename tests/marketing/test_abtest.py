"""A/B analysis: intervals and p-values on cases with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.marketing.abtest import Arm, analyse, two_proportion_test, wilson


def test_a_known_difference_is_found_and_covered() -> None:
    r = analyse([Arm("control", 10_000, 1_000), Arm("offer", 10_000, 1_200)])
    c = r["comparisons"][0]["conversion"]
    assert c["difference"] == pytest.approx(0.02)
    assert c["p_value"] < 1e-4 and r["comparisons"][0]["significant"]
    assert c["ci"][0] < 0.02 < c["ci"][1] and c["ci"][0] > 0
    # the z statistic by hand: pooled p = 0.11
    se = np.sqrt(0.11 * 0.89 * 2 / 10_000)
    assert c["z"] == pytest.approx(0.02 / se)


def test_equal_arms_are_not_significant() -> None:
    r = analyse([Arm("a", 500, 50), Arm("b", 500, 50)])
    assert r["comparisons"][0]["conversion"]["p_value"] == pytest.approx(1.0)
    assert not r["comparisons"][0]["significant"]


def test_p_values_are_calibrated_under_the_null() -> None:
    rng = np.random.default_rng(0)
    p = [
        two_proportion_test(
            Arm("a", 2000, int(rng.binomial(2000, 0.1))), Arm("b", 2000, int(rng.binomial(2000, 0.1)))
        )["p_value"]
        for _ in range(400)
    ]
    assert 0.02 < np.mean(np.array(p) < 0.05) < 0.09


def test_revenue_welch_test_and_wilson_interval() -> None:
    rng = np.random.default_rng(1)
    a = np.where(rng.random(3000) < 0.1, rng.gamma(2, 20, 3000), 0.0)
    b = np.where(rng.random(3000) < 0.1, rng.gamma(2, 30, 3000), 0.0)
    r = analyse([Arm("a", 3000, int((a > 0).sum()), tuple(a)), Arm("b", 3000, int((b > 0).sum()), tuple(b))])
    rev = r["comparisons"][0]["revenue"]
    assert rev["difference"] == pytest.approx(b.mean() - a.mean())
    assert rev["ci"][0] < rev["difference"] < rev["ci"][1] and rev["p_value"] < 0.01
    lo, hi = wilson(0, 50)
    assert lo == pytest.approx(0.0, abs=1e-12) and 0 < hi < 0.1  # Wilson stays sensible at 0 successes
    with pytest.raises(ValueError, match="conversions"):
        Arm("x", 10, 11)
