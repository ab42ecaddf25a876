"""Learners stored as arrays answer exactly as the scikit-learn learners they came from; thread caps are
scoped to the caller."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from shopmind.artifacts import read_arrays, write_model
from shopmind.marketing.frozen import freeze, thaw
from shopmind.marketing.learners import signed_log
from shopmind.marketing.uplift import UpliftConfig, UpliftModel


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1500, 5)) * [1, 10, 100, 1, 0.1]
    X[rng.random(1500) < 0.1, 1] = np.nan  # missing values take the side each split learned
    y = (X[:, 0] + np.nan_to_num(X[:, 1]) / 10 + rng.normal(size=1500) > 0).astype(int)
    return X, y


def _round_trip(model, tmp_path):
    meta, arrays = freeze(model).to_arrays()
    write_model(tmp_path, {"learner": meta}, arrays)
    return thaw(meta, read_arrays(tmp_path))


def test_boosted_trees_with_missing_values_round_trip_exactly(data, tmp_path) -> None:
    X, y = data
    clf = HistGradientBoostingClassifier(max_iter=80, max_leaf_nodes=15, random_state=0).fit(X, y)
    frozen = _round_trip(clf, tmp_path / "clf")
    Xt = np.vstack([X[:300], np.full((1, 5), np.nan)])
    np.testing.assert_array_equal(frozen.predict_proba(Xt), clf.predict_proba(Xt))
    reg = HistGradientBoostingRegressor(max_iter=40, random_state=0).fit(X, X[:, 0] * y)
    np.testing.assert_array_equal(_round_trip(reg, tmp_path / "reg").predict(Xt), reg.predict(Xt))


def test_linear_pipelines_round_trip(data, tmp_path) -> None:
    X, y = np.nan_to_num(data[0]), data[1]
    logit = make_pipeline(FunctionTransformer(signed_log), StandardScaler(), LogisticRegression()).fit(X, y)
    np.testing.assert_allclose(
        _round_trip(logit, tmp_path / "l").predict_proba(X), logit.predict_proba(X), atol=1e-12
    )
    ridge = make_pipeline(StandardScaler(), Ridge(alpha=2.0)).fit(X, X[:, 2])
    np.testing.assert_allclose(_round_trip(ridge, tmp_path / "r").predict(X), ridge.predict(X), atol=1e-9)


def test_a_frozen_x_learner_predicts_as_the_fitted_one(data) -> None:
    X, y = np.nan_to_num(data[0]), data[1]
    arm = np.where(np.arange(len(y)) % 3 == 0, "control", "offer")
    model = UpliftModel(UpliftConfig(method="x_learner", learner="hgb", max_iter=30, min_samples_leaf=50))
    model.fit(X, arm, y)
    expected = model.predict(X)
    model.models_ = {k: v if isinstance(v, float) else freeze(v) for k, v in model.models_.items()}
    np.testing.assert_array_equal(model.predict(X), expected)


def test_what_cannot_be_stored_is_refused_by_name(data) -> None:
    X, y = np.nan_to_num(data[0]), data[1]
    with pytest.raises(TypeError, match="RandomForestClassifier"):
        from sklearn.ensemble import RandomForestClassifier

        freeze(RandomForestClassifier(n_estimators=2).fit(X, y))
    unnamed = make_pipeline(FunctionTransformer(np.sqrt), StandardScaler(), LogisticRegression()).fit(
        abs(X), y
    )
    with pytest.raises(TypeError, match="no name"):
        freeze(unnamed)
    frozen = freeze(make_pipeline(StandardScaler(), Ridge()).fit(X, y))
    with pytest.raises(ValueError, match=r"\(N, 5\)"):
        frozen.predict(X[:, :2])


def test_thread_caps_are_set_by_the_caller_not_the_environment(monkeypatch) -> None:
    from threadpoolctl import threadpool_info

    from shopmind.marketing.threads import capped, current_threads, limited_threads

    monkeypatch.setenv("SHOPMIND_MARKETING_THREADS", "3")

    @capped
    def seen() -> tuple[int, set[int]]:
        return current_threads(), {pool["num_threads"] for pool in threadpool_info()}

    assert seen() == (1, {1})  # the default, whatever the environment says
    with limited_threads(2):
        n, pools = seen()
        assert n == 2 and pools <= {1, 2}
    assert current_threads() == 1
