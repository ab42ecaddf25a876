"""Settings and feature transforms shared by the marketing models' scikit-learn learners."""

from __future__ import annotations

from typing import Any

import numpy as np


def hgb_params(cfg: Any) -> dict[str, Any]:
    """Keyword arguments of a HistGradientBoosting{Classifier,Regressor} from a config that has
    ``max_iter``, ``learning_rate``, ``max_leaf_nodes``, ``min_samples_leaf``, ``l2`` and ``seed``."""
    return {
        "max_iter": cfg.max_iter,
        "learning_rate": cfg.learning_rate,
        "max_leaf_nodes": cfg.max_leaf_nodes,
        "min_samples_leaf": cfg.min_samples_leaf,
        "l2_regularization": cfg.l2,
        "random_state": cfg.seed,
    }


def signed_log(x: np.ndarray) -> np.ndarray:
    """sign(x)·log(1 + |x|): tames heavy-tailed counts and amounts, keeps the sign of -1 markers."""
    return np.sign(x) * np.log1p(np.abs(x))


def log1p_positive(x: np.ndarray) -> np.ndarray:
    """log(1 + max(x, 0)): the uplift models' view of the (non-negative) purchase features."""
    return np.log1p(np.maximum(np.asarray(x, dtype="float64"), 0))


# transforms a saved model may name (see frozen.py); the name is stored, never the function
TRANSFORMS = {"signed_log": signed_log, "log1p_positive": log1p_positive}
