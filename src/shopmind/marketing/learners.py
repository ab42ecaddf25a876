"""Settings shared by the marketing models' scikit-learn learners."""

from __future__ import annotations

from typing import Any


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
