"""Learning search ranking from logged clicks, with the position bias corrected.

Clicks are biased by position: a shopper examines position k with probability θ_k and clicks an
examined product with probability a(q, p), its attractiveness for the query (the position-based click
model). Counting clicks per impression (the *naive* learner) estimates θ_k·a — it learns mostly where
the old ranking put a product. Inverse propensity weighting (Joachims, Swaminathan & Schnabel, WSDM
2017) weights each click by 1/θ_k: E[click/θ_k] = a, so the *IPW* learner estimates a itself.

The propensities θ_k are estimated from a small share of randomised impressions (the top results
shown in a random order; Wang et al., WSDM 2016): there, every product reaches every position alike,
so the click-through rate at position k is proportional to θ_k. Estimates are shrunk towards the mean
(``prior`` pseudo-impressions), and a product the log never showed keeps the prior. The learned order
re-sorts the engine's candidates for a query; ties keep the engine's order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Logged:
    """One logged search answer: the query, the products in the order shown, the clicked positions
    (1-based), and whether the order was randomised (for the propensities)."""

    query: str
    products: tuple[str, ...]
    clicked: tuple[int, ...]
    randomised: bool = False


@dataclass(frozen=True)
class ClickLearnerConfig:
    corrected: bool = True  # IPW (True) or naive click-through (False)
    prior: float = 5.0  # pseudo-impressions at the mean attractiveness each estimate is shrunk with
    floor: float = 0.02  # smallest propensity (bounds the weight of a click far down the list)


def propensities(log: Iterable[Logged], positions: int) -> np.ndarray:
    """θ_k for k = 1..positions from the randomised impressions, normalised to θ_1 = 1 (CTR by position;
    positions without data keep the last estimate)."""
    shown, clicks = np.zeros(positions), np.zeros(positions)
    for row in log:
        if not row.randomised:
            continue
        n = min(len(row.products), positions)
        shown[:n] += 1
        for k in row.clicked:
            if k <= positions:
                clicks[k - 1] += 1
    ctr = np.divide(clicks, shown, out=np.zeros(positions), where=shown > 0)
    if ctr[0] <= 0:
        raise ValueError("no clicks on randomised impressions at position 1: cannot estimate propensities")
    theta = ctr / ctr[0]
    for k in range(1, positions):
        if shown[k] == 0:
            theta[k] = theta[k - 1]
    return np.maximum.accumulate(theta[::-1])[::-1]  # never rising with the position


class ClickLearner:
    """Per query and product, attractiveness learned from a click log (module docstring)."""

    def __init__(self, config: ClickLearnerConfig | None = None) -> None:
        self.config = config or ClickLearnerConfig()

    def fit(self, log: Sequence[Logged], theta: np.ndarray | None = None) -> ClickLearner:
        """Learn from ``log``; ``theta`` (IPW): the propensities (default: from the randomised rows)."""
        c = self.config
        if c.corrected and theta is None:
            theta = propensities(log, max(len(r.products) for r in log))
        weight: dict[tuple[str, str], float] = defaultdict(float)
        shown: dict[tuple[str, str], float] = defaultdict(float)
        for row in log:
            for pid in row.products:
                shown[row.query, pid] += 1
            for k in row.clicked:
                w = 1.0 / max(theta[min(k, len(theta)) - 1], c.floor) if c.corrected else 1.0
                weight[row.query, row.products[k - 1]] += w
        total = sum(shown.values())
        self.mean_ = sum(weight.values()) / total if total else 0.0
        self.scores_ = {key: (weight[key] + c.prior * self.mean_) / (n + c.prior) for key, n in shown.items()}
        self.theta_ = theta
        return self

    def score(self, query: str, products: Sequence[str]) -> np.ndarray:
        return np.array([self.scores_.get((query, p), self.mean_) for p in products])

    def rerank(self, query: str, products: Sequence[str]) -> list[str]:
        """``products`` (the engine's order) re-sorted by learned attractiveness; ties keep the order."""
        scores = self.score(query, products)
        order = sorted(range(len(products)), key=lambda i: (-scores[i], i))
        return [products[i] for i in order]


def ndcg(relevance: Sequence[float], ideal: Sequence[float], k: int = 10) -> float:
    """NDCG@k of a ranking with graded ``relevance`` (in ranked order) against the best order of
    ``ideal`` (every candidate's relevance); gain 2^rel − 1."""
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    gain = (2.0 ** np.asarray(relevance[:k], dtype=float) - 1) @ discount[: min(k, len(relevance))]
    best = np.sort(np.asarray(ideal, dtype=float))[::-1][:k]
    top = (2.0**best - 1) @ discount[: len(best)]
    return float(gain / top) if top > 0 else 0.0
