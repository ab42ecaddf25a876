"""How many epochs: a score of the generator on real rows it was not trained on, checked during training.

The fit holds out a validation share of the training rows (never the caller's test split). Every
``check_every`` epochs the generator samples rows and is scored against the held-out rows:

- the quality score (mean of column-shape and column-pair similarity, as in
  :mod:`shopmind.synth.report`) of the synthetic rows against the held-out rows;
- with a **label**, also train-synthetic-test-real on the held-out rows — a gradient-boosted
  classifier trained on the synthetic rows predicts the held-out labels; score = (AUC + F1 of the
  minority class + quality) / 3, so a sample that ranks well but never predicts the rare class,
  or predicts well from distorted columns, scores low.

Training keeps the generator of the best check and stops after ``patience`` checks without a
better score.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)


@dataclass
class Check:
    epoch: int
    score: float
    auc: float | None = None
    f1: float | None = None
    quality: float | None = None


class Validator:
    """Scores synthetic frames against the held-out real rows ``real``."""

    def __init__(
        self,
        real: pd.DataFrame,
        label: str | None,
        max_levels: int = 20,
        seed: int = 0,
        context: pd.DataFrame | None = None,
    ) -> None:
        self.real, self.label, self.max_levels, self.seed = real, label, max_levels, seed
        self.context = context  # the held-out rows' context (a child table's parent columns)

    def score(self, synth: pd.DataFrame, epoch: int) -> Check:
        from shopmind.synth.report import column_pairs, column_shapes

        shapes = column_shapes(self.real, synth, self.max_levels)
        pairs = column_pairs(self.real, synth, self.max_levels)
        quality = float(np.mean(list(shapes.values())) + np.mean(list(pairs.values()) or [1.0])) / 2
        if self.label is None:
            return Check(epoch, quality, quality=quality)
        auc, f1 = tstr(self.real, synth, self.label, self.max_levels, self.seed)
        return Check(epoch, (auc + f1 + quality) / 3, auc, f1, quality)


def tstr(
    real: pd.DataFrame, synth: pd.DataFrame, label: str, max_levels: int = 20, seed: int = 0
) -> tuple[float, float]:
    """(AUC, F1 of the real rows' minority class) on ``real`` of a classifier trained on ``synth``."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import f1_score, roc_auc_score

    from shopmind.synth.report import _features, category_strings

    y_real, y_synth = category_strings(real[label]), category_strings(synth[label])
    values, counts = np.unique(y_real, return_counts=True)
    positive = values[counts.argmin()]
    truth, target = (y_real == positive).astype(int), (y_synth == positive).astype(int)
    if target.min() == target.max() or truth.min() == truth.max():
        return 0.5, 0.0
    x_real, x_synth = _features([real, synth], label, max_levels)
    clf = HistGradientBoostingClassifier(max_iter=100, random_state=seed).fit(x_synth, target)
    proba = clf.predict_proba(x_real)[:, 1]
    return float(roc_auc_score(truth, proba)), float(f1_score(truth, proba >= 0.5))


def holdout_split(n: int, share: float, seed: int, min_rows: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """(training row indices, validation row indices): ``share`` of ``n`` rows held out, at least
    ``min_rows`` (too few to score on otherwise) as long as that is at most a fifth of the table;
    none for a smaller table or ``share`` 0."""
    order = np.random.default_rng(seed).permutation(n)
    k = max(int(round(share * n)), min_rows)
    if share <= 0 or k > n // 5:
        return np.arange(n), np.zeros(0, dtype=np.int64)
    return np.sort(order[k:]), np.sort(order[:k])
