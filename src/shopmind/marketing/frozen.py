"""Fitted scikit-learn learners as plain arrays, so marketing models are saved without pickles.

:func:`freeze` turns a fitted learner of the kinds the marketing models use into a small numpy
predictor that gives the same outputs, and that round-trips through :meth:`to_arrays` /
:func:`thaw` (a JSON-able meta dict plus named arrays, written by
:func:`shopmind.artifacts.write_model`):

- ``HistGradientBoostingClassifier`` (binary) and ``HistGradientBoostingRegressor`` (squared
  error) on numeric features → :class:`FrozenTrees`: every tree's nodes (split feature,
  threshold, the side missing values go to, children, leaf values) in flat arrays.
  raw(x) = baseline + Σ_trees value(leaf reached by x), where a node sends x left when
  x_f ≤ threshold (or, for a missing x_f, when the tree learned that missing values go left);
  P(y=1 | x) = σ(raw(x)) for the classifier, raw(x) itself for the regressor.
- ``Pipeline([FunctionTransformer(t)], StandardScaler, LogisticRegression | Ridge)`` with ``t`` a
  named transform of :data:`~shopmind.marketing.learners.TRANSFORMS` → :class:`FrozenLinear`:
  z = ((t(x) − μ) / s) · w + b; P(y=1 | x) = σ(z) for the classifier, z for the regressor.

Frozen learners answer ``predict_proba`` (classifiers, columns P(0), P(1)) or ``predict``
(regressors) exactly as the scikit-learn learner they came from; they cannot be refitted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from shopmind.marketing.learners import TRANSFORMS

Arrays = dict[str, np.ndarray]


class FrozenTrees:
    """Gradient-boosted trees as flat node arrays (see the module docstring)."""

    kind = "trees"
    FIELDS = ("feature", "threshold", "missing_left", "left", "right", "leaf", "value", "roots", "baseline")

    def __init__(self, classifier: bool, n_features: int, arrays: Arrays) -> None:
        self.classifier, self.n_features = classifier, n_features
        missing = [k for k in self.FIELDS if k not in arrays]
        if missing:
            raise ValueError(f"frozen trees lack arrays {missing}")
        a = arrays
        self.feature, self.threshold = a["feature"].astype("int64"), a["threshold"].astype("float64")
        self.missing_left, self.leaf = a["missing_left"].astype(bool), a["leaf"].astype(bool)
        self.left, self.right = a["left"].astype("int64"), a["right"].astype("int64")
        self.value, self.roots = a["value"].astype("float64"), a["roots"].astype("int64")
        self.baseline = float(a["baseline"].reshape(-1)[0])

    def raw(self, X: np.ndarray) -> np.ndarray:
        """(N, F) → (N,) baseline + the trees' leaf values, added tree by tree as scikit-learn does.

        Each tree is walked top-down with the rows that reach a node split between its children."""
        X = _check(X, self.n_features)
        out = np.zeros(len(X)) + self.baseline
        for root in self.roots:
            stack = [(int(root), np.arange(len(X)))]
            while stack:
                node, rows = stack.pop()
                if self.leaf[node]:
                    out[rows] += self.value[node]
                    continue
                x = X[rows, self.feature[node]]  # (n,) the split feature of the rows at this node
                go_left = (x <= self.threshold[node]) | (np.isnan(x) & self.missing_left[node])
                stack += [(int(self.left[node]), rows[go_left]), (int(self.right[node]), rows[~go_left])]
        return out

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        if not self.classifier:
            raise TypeError("a regressor has no predict_proba")
        return _two_columns(self.raw(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self.classifier:
            raise TypeError("use predict_proba for a classifier")
        return self.raw(X)

    def to_arrays(self) -> tuple[dict[str, Any], Arrays]:
        arrays = {
            "feature": self.feature, "threshold": self.threshold,
            "missing_left": self.missing_left.astype("uint8"), "left": self.left, "right": self.right,
            "leaf": self.leaf.astype("uint8"), "value": self.value, "roots": self.roots,
            "baseline": np.array([self.baseline]),
        }  # fmt: skip
        return {"kind": self.kind, "classifier": self.classifier, "n_features": self.n_features}, arrays


class FrozenLinear:
    """A standardised linear model, optionally after a named transform (see the module docstring)."""

    kind = "linear"

    def __init__(
        self, classifier: bool, transform: str | None, mean: np.ndarray, scale: np.ndarray,
        coef: np.ndarray, intercept: np.ndarray,
    ) -> None:  # fmt: skip
        if transform is not None and transform not in TRANSFORMS:
            raise ValueError(f"unknown transform {transform!r}: use one of {', '.join(TRANSFORMS)}")
        self.classifier, self.transform = classifier, transform
        self.mean, self.scale = np.asarray(mean, "float64"), np.asarray(scale, "float64")
        self.coef, self.intercept = np.asarray(coef, "float64"), np.asarray(intercept, "float64")

    def raw(self, X: np.ndarray) -> np.ndarray:
        """(N, F) → (N,) the linear score z."""
        X = _check(X, len(self.mean))
        if self.transform is not None:
            X = TRANSFORMS[self.transform](X)
        Z = (X - self.mean) / self.scale  # (N, F)
        return (Z @ self.coef.T + self.intercept).reshape(len(X))  # (N, F) @ (F, 1) -> (N,)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        if not self.classifier:
            raise TypeError("a regressor has no predict_proba")
        return _two_columns(self.raw(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self.classifier:
            raise TypeError("use predict_proba for a classifier")
        return self.raw(X)

    def to_arrays(self) -> tuple[dict[str, Any], Arrays]:
        meta = {"kind": self.kind, "classifier": self.classifier, "transform": self.transform}
        arrays = {"mean": self.mean, "scale": self.scale, "coef": self.coef, "intercept": self.intercept}
        return meta, arrays


Frozen = FrozenTrees | FrozenLinear


def freeze(model: Any) -> Frozen:
    """The frozen equivalent of a fitted learner (a frozen one is returned as it is)."""
    if isinstance(model, FrozenTrees | FrozenLinear):
        return model
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.pipeline import Pipeline

    if isinstance(model, HistGradientBoostingClassifier | HistGradientBoostingRegressor):
        return _freeze_trees(model)
    if isinstance(model, Pipeline):
        return _freeze_pipeline(model)
    raise TypeError(f"cannot store a {type(model).__name__} as arrays: use hgb or logistic learners")


def thaw(meta: dict[str, Any], arrays: Arrays) -> Frozen:
    """The frozen learner saved as ``to_arrays()`` returned it."""
    if meta.get("kind") == FrozenTrees.kind:
        return FrozenTrees(bool(meta["classifier"]), int(meta["n_features"]), arrays)
    if meta.get("kind") == FrozenLinear.kind:
        return FrozenLinear(
            bool(meta["classifier"]), meta.get("transform"),
            arrays["mean"], arrays["scale"], arrays["coef"], arrays["intercept"],
        )  # fmt: skip
    raise ValueError(f"unknown frozen learner kind {meta.get('kind')!r}: use trees or linear")


def _freeze_trees(model: Any) -> FrozenTrees:
    from sklearn.ensemble import HistGradientBoostingClassifier

    classifier = isinstance(model, HistGradientBoostingClassifier)
    if classifier and (model.n_trees_per_iteration_ != 1 or list(model.classes_) != [0, 1]):
        raise TypeError("only binary classifiers with labels 0/1 can be stored as arrays")
    if not classifier and model.loss != "squared_error":
        raise TypeError(f"only squared-error regressors can be stored as arrays, not loss {model.loss!r}")
    if model.is_categorical_ is not None and np.any(model.is_categorical_):
        raise TypeError("trees with categorical splits cannot be stored as arrays")
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("feature", "threshold", "missing_left",
                                                          "left", "right", "leaf", "value")}  # fmt: skip
    roots, offset = [], 0
    for (tree,) in model._predictors:  # one tree per boosting iteration
        nodes = tree.nodes
        roots.append(offset)
        parts["feature"].append(nodes["feature_idx"].astype("int64"))
        parts["threshold"].append(nodes["num_threshold"].astype("float64"))
        parts["missing_left"].append(nodes["missing_go_to_left"].astype("uint8"))
        parts["left"].append(nodes["left"].astype("int64") + offset)
        parts["right"].append(nodes["right"].astype("int64") + offset)
        parts["leaf"].append(nodes["is_leaf"].astype("uint8"))
        parts["value"].append(nodes["value"].astype("float64"))
        offset += len(nodes)
    arrays = {k: np.concatenate(v) if v else np.zeros(0) for k, v in parts.items()}
    arrays["roots"] = np.asarray(roots, dtype="int64")
    arrays["baseline"] = np.asarray(model._baseline_prediction, dtype="float64").reshape(1)
    return FrozenTrees(classifier, int(model.n_features_in_), arrays)


def _freeze_pipeline(pipe: Any) -> FrozenLinear:
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    steps = [step for _, step in pipe.steps]
    transform = None
    if isinstance(steps[0], FunctionTransformer):
        names = [name for name, fn in TRANSFORMS.items() if fn is steps[0].func]
        if not names:
            raise TypeError(f"the transform {steps[0].func!r} has no name in TRANSFORMS")
        transform, steps = names[0], steps[1:]
    if len(steps) != 2 or not isinstance(steps[0], StandardScaler):
        raise TypeError("only [transform,] StandardScaler, LogisticRegression|Ridge pipelines can be stored")
    scaler, last = steps
    scale = scaler.scale_ if scaler.scale_ is not None else np.ones_like(scaler.mean_)
    if isinstance(last, LogisticRegression):
        if list(last.classes_) != [0, 1]:
            raise TypeError("only binary logistic regressions with labels 0/1 can be stored as arrays")
        return FrozenLinear(True, transform, scaler.mean_, scale, last.coef_, last.intercept_)
    if isinstance(last, Ridge):
        return FrozenLinear(False, transform, scaler.mean_, scale, last.coef_.reshape(1, -1),
                            np.atleast_1d(last.intercept_))  # fmt: skip
    raise TypeError(f"cannot store a pipeline ending in {type(last).__name__} as arrays")


def _check(X: np.ndarray, n_features: int) -> np.ndarray:
    X = np.asarray(X, dtype="float64")
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(f"expected an (N, {n_features}) feature matrix, got shape {X.shape}")
    return X


def _two_columns(raw: np.ndarray) -> np.ndarray:
    from scipy.special import expit

    p = expit(raw)
    return np.column_stack([1 - p, p])
