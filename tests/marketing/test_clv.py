"""BG/NBD and Gamma-Gamma maximum likelihood on CDNOW vs the published fits (Fader, Hardie & Lee 2005)."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.marketing.clv import (
    BetaGeoModel,
    FitError,
    GammaGammaModel,
    bgnbd_loglik,
    customer_lifetime_value,
    summary_from_transactions,
)
from tests.marketing.conftest import need_dataset

PUBLISHED_BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GG = {"p": 6.25, "q": 3.74, "v": 15.45}


@pytest.fixture(scope="module")
def cdnow():
    need_dataset("marketing/cdnow")
    from shopmind.data.datasets import load_cdnow

    return load_cdnow("summary"), load_cdnow("summary_with_transactions"), load_cdnow("sample")


def test_bgnbd_on_the_cdnow_sample_matches_the_published_parameters(cdnow) -> None:
    summary, _, _ = cdnow
    model = BetaGeoModel().fit(summary["frequency"], summary["recency"], summary["T"])
    for name, published in PUBLISHED_BG.items():
        assert model.params_[name] == pytest.approx(published, rel=0.01), name
    assert model.loglik_ == pytest.approx(-9582.4, abs=0.5)  # the paper's LL at its optimum


def test_gamma_gamma_on_the_cdnow_repeat_customers_matches_the_published_parameters(cdnow) -> None:
    _, with_tx, _ = cdnow
    model = GammaGammaModel().fit(with_tx["x"], with_tx["zbar"])
    assert model.n_ == 946
    for name, published in PUBLISHED_GG.items():
        assert model.params_[name] == pytest.approx(published, rel=0.01), name


def test_summary_from_raw_transactions_reproduces_the_shipped_summary(cdnow) -> None:
    summary, with_tx, sample = cdnow
    ours = summary_from_transactions(
        sample, "sample_id", "date", "dollar_value", calibration_end="1997-09-30"
    )
    assert len(ours) == len(summary) == 2357
    ours = ours.reindex(summary["ID"])
    np.testing.assert_array_equal(ours["frequency"].to_numpy(), summary["frequency"].to_numpy())
    np.testing.assert_allclose(ours["recency"].to_numpy(), summary["recency"].to_numpy(), atol=0.006)
    np.testing.assert_allclose(ours["T"].to_numpy(), summary["T"].to_numpy(), atol=0.006)
    np.testing.assert_allclose(ours["monetary_value"].to_numpy(), with_tx["zbar"].to_numpy(), atol=0.006)


def test_predictions_behave(cdnow) -> None:
    summary, with_tx, _ = cdnow
    bg = BetaGeoModel().fit(summary["frequency"], summary["recency"], summary["T"])
    f, r, T = (summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    alive = bg.p_alive(f, r, T)
    assert np.all((alive > 0) & (alive <= 1)) and np.all(alive[f == 0] == 1.0)
    # the same frequency, a more recent last purchase: more likely alive and more purchases expected
    assert bg.p_alive([3], [35.0], [38.0])[0] > bg.p_alive([3], [5.0], [38.0])[0]
    e = bg.conditional_expected_purchases(52, [3, 3], [35.0, 5.0], [38.0, 38.0])
    assert e[0] > e[1] > 0
    grid = bg.expected_purchases(np.array([1.0, 10.0, 52.0]))
    assert np.all(np.diff(grid) > 0)
    gg = GammaGammaModel().fit(with_tx["x"], with_tx["zbar"])
    summary = summary.assign(monetary_value=with_tx["zbar"])
    clv = customer_lifetime_value(bg, gg, summary, horizon=52)
    assert np.all(clv >= 0) and clv.sum() > 0


def test_loglik_is_a_proper_likelihood_for_zero_repeaters() -> None:
    # x = 0: L = (α/(α+T))^r · (plus the dropout term absent), so LL = r·log(α/(α+T))
    ll = bgnbd_loglik((0.5, 2.0, 1.0, 1.0), np.array([0.0]), np.array([0.0]), np.array([10.0]))
    assert ll[0] == pytest.approx(0.5 * np.log(2.0 / 12.0))


def test_fits_fail_with_messages_people_can_act_on() -> None:
    with pytest.raises(FitError, match="no customer has a repeat purchase"):
        BetaGeoModel().fit([0, 0, 0], [0, 0, 0], [5, 6, 7])
    with pytest.raises(ValueError, match="recency <= T"):
        BetaGeoModel().fit([1, 2], [9.0, 1.0], [5.0, 6.0])
    with pytest.raises(FitError, match="needs repeat customers"):
        GammaGammaModel().fit([0, 1], [0.0, 3.0])
