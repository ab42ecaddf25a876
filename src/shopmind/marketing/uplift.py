"""Uplift models: who should get the coupon or the e-mail — those it changes, not those who buy anyway.

The uplift of treatment t for a customer x is τ_t(x) = P(y=1 | x, t) − P(y=1 | x, control). Three
meta-learners over scikit-learn models, each handling several treatments (one per arm, each
against the shared control group):

- ``two_model`` (T-learner): one response model per arm; τ = μ_t(x) − μ_c(x).
- ``class_transformation`` (Jaskowski & Jaroszewicz 2012): with both groups re-weighted to equal
  size, Z = 1 when (treated, y=1) or (control, y=0); τ(x) = 2 P(Z=1 | x) − 1.
- ``x_learner`` (Künzel, Sekhon, Bickel & Yu 2019, PNAS): μ_c, μ_t as above; imputed effects
  D_t = y − μ_c(x) on the treated and D_c = μ_t(x) − y on the controls are regressed on x
  (τ_t, τ_c) and blended by the propensity g: τ = g τ_c + (1 − g) τ_t.

Models are found by name in :data:`METHODS`; an unknown name raises an error listing them.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.marketing.learners import hgb_params
from shopmind.marketing.threads import capped

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

METHODS = ("two_model", "class_transformation", "x_learner")
LEARNERS = ("hgb", "logistic")


@dataclass(frozen=True)
class UpliftConfig:
    """An uplift model and the scikit-learn learner underneath."""

    method: str = "two_model"  # one of METHODS
    learner: str = "hgb"  # "hgb" (HistGradientBoosting) or "logistic" (L2 logistic / ridge)
    max_iter: int = 100  # boosting rounds (hgb)
    learning_rate: float = 0.05  # boosting step (hgb)
    max_leaf_nodes: int = 15  # leaves per tree (hgb)
    min_samples_leaf: int = 200  # smallest leaf (hgb); large leaves keep noisy uplift smooth
    l2: float = 1.0  # L2 regularisation (hgb l2_regularization; logistic C = 1/l2)
    control: str = "control"  # the arm label meaning "no treatment"
    seed: int = 0  # random seed of the learners


class UnknownUpliftMethodError(ValueError):
    pass


def _classifier(cfg: UpliftConfig):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if cfg.learner == "hgb":
        return HistGradientBoostingClassifier(**hgb_params(cfg))
    if cfg.learner == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0 / max(cfg.l2, 1e-6), max_iter=2000))
    raise ValueError(f"unknown learner {cfg.learner!r}: use one of {', '.join(LEARNERS)}")


def _regressor(cfg: UpliftConfig):
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if cfg.learner == "hgb":
        return HistGradientBoostingRegressor(**hgb_params(cfg))
    return make_pipeline(StandardScaler(), Ridge(alpha=cfg.l2))


def _proba(model, X: np.ndarray) -> np.ndarray:
    return model.predict_proba(X)[:, 1]


class UpliftModel:
    """``fit(X, arm, y)`` → self; ``predict(X)`` → (N, n_arms) uplift of each treatment arm vs control."""

    def __init__(self, config: UpliftConfig | None = None) -> None:
        self.config = config or UpliftConfig()
        if self.config.method not in METHODS:
            raise UnknownUpliftMethodError(
                f"unknown uplift method {self.config.method!r}: use one of {', '.join(METHODS)}"
            )
        self.arms_: list[str] | None = None
        self.models_: dict[str, Any] = {}

    @capped
    def fit(self, X: np.ndarray, arm: np.ndarray, y: np.ndarray) -> UpliftModel:
        X, y = np.asarray(X, dtype="float64"), np.asarray(y).astype("int64")
        arm = np.asarray(arm).astype(str)
        control = self.config.control
        if not (arm == control).any():
            raise ValueError(f"no row is in the control arm {control!r}; arms seen: {sorted(set(arm))}")
        self.arms_ = sorted(a for a in set(arm) if a != control)
        if not self.arms_:
            raise ValueError("uplift needs at least one treatment arm besides the control group")
        fit = {
            "two_model": self._fit_two_model,
            "class_transformation": self._fit_class_transformation,
            "x_learner": self._fit_x_learner,
        }[self.config.method]
        in_c = arm == control
        if self.config.method != "class_transformation":
            self.models_["mu_control"] = _classifier(self.config).fit(X[in_c], y[in_c])
        for a in self.arms_:
            fit(a, X, arm == a, in_c, y)
        return self

    def _fit_two_model(self, a: str, X, in_t, in_c, y) -> None:
        self.models_[f"mu_{a}"] = _classifier(self.config).fit(X[in_t], y[in_t])

    def _fit_class_transformation(self, a: str, X, in_t, in_c, y) -> None:
        keep = in_t | in_c
        w = in_t[keep].astype("int64")
        z = (y[keep] == w).astype("int64")  # treated buyers and untreated non-buyers
        # Re-weight so both groups count equally (the transformation assumes P(treated) = 1/2).
        weight = np.where(w == 1, 0.5 / w.mean(), 0.5 / (1 - w.mean()))
        model = _classifier(self.config)
        step = model.steps[-1][0] + "__sample_weight" if hasattr(model, "steps") else "sample_weight"
        self.models_[f"ct_{a}"] = model.fit(X[keep], z, **{step: weight})

    def _fit_x_learner(self, a: str, X, in_t, in_c, y) -> None:
        mu_c = self.models_["mu_control"]
        mu_t = _classifier(self.config).fit(X[in_t], y[in_t])
        d_t = y[in_t] - _proba(mu_c, X[in_t])
        d_c = _proba(mu_t, X[in_c]) - y[in_c]
        self.models_[f"mu_{a}"] = mu_t
        self.models_[f"tau_t_{a}"] = _regressor(self.config).fit(X[in_t], d_t)
        self.models_[f"tau_c_{a}"] = _regressor(self.config).fit(X[in_c], d_c)
        self.models_[f"g_{a}"] = float(in_t.sum() / (in_t.sum() + in_c.sum()))

    @capped
    def predict(self, X: np.ndarray) -> np.ndarray:
        """(N, F) features → (N, A) predicted uplift per treatment arm (order of ``arms_``)."""
        if self.arms_ is None:
            raise RuntimeError("UpliftModel is not fitted: call fit(X, arm, y) first")
        X = np.asarray(X, dtype="float64")
        out = np.empty((len(X), len(self.arms_)))
        for j, a in enumerate(self.arms_):
            if self.config.method == "two_model":
                out[:, j] = _proba(self.models_[f"mu_{a}"], X) - _proba(self.models_["mu_control"], X)
            elif self.config.method == "class_transformation":
                out[:, j] = 2 * _proba(self.models_[f"ct_{a}"], X) - 1
            else:
                g = self.models_[f"g_{a}"]
                tau_t = self.models_[f"tau_t_{a}"].predict(X)
                tau_c = self.models_[f"tau_c_{a}"].predict(X)
                out[:, j] = g * tau_c + (1 - g) * tau_t
        return out

    def best_arm(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per customer: the arm of largest predicted uplift (control if none is positive), and its uplift."""
        u = self.predict(X)
        j = u.argmax(axis=1)
        best = u[np.arange(len(u)), j]
        names = np.array(self.arms_, dtype=object)[j]
        return np.where(best > 0, names, self.config.control), np.maximum(best, 0.0)

    def to_dict(self) -> dict:
        return {"config": asdict(self.config), "arms": self.arms_}


# ---------------------------------------------------------------------------- features
def encode(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> tuple[np.ndarray, list[str]]:
    """Numeric columns as they are, categorical ones one-hot (all levels): (N, F) matrix and names."""
    import pandas as pd

    parts = [frame[numeric].astype("float64")]
    if categorical:
        parts.append(pd.get_dummies(frame[categorical].astype(str), dtype="float64"))
    X = pd.concat(parts, axis=1)
    return X.to_numpy(), list(X.columns)


HILLSTROM_NUMERIC = ["recency", "history", "mens", "womens", "newbie"]
HILLSTROM_CATEGORICAL = ["zip_code", "channel", "history_segment"]
HILLSTROM_ARMS = {"No E-Mail": "control", "Mens E-Mail": "mens", "Womens E-Mail": "womens"}


def hillstrom_matrix(df: pd.DataFrame, target: str = "visit") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hillstrom rows → (X, arm, y): arms "control" / "mens" / "womens", y = the ``target`` column."""
    X, _ = encode(df, HILLSTROM_NUMERIC, HILLSTROM_CATEGORICAL)
    arm = df["segment"].astype(str).map(HILLSTROM_ARMS).to_numpy()
    return X, arm, df[target].to_numpy().astype("int64")
