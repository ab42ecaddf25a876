"""Most-popular baseline: every user gets the items with the most (weighted) interactions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopmind.recommend.base import Interactions, Recommender, RecommenderConfig


@dataclass
class PopularConfig(RecommenderConfig):
    recent_days: float | None = None  # count only the last N days of interactions (None: all); "trending"


class Popular(Recommender):
    name = "popular"
    Config = PopularConfig

    def _fit(self, data: Interactions, valid: Interactions | None) -> None:
        mask = np.ones(len(data), dtype=bool)
        if self.config.recent_days is not None and data.ts is not None and len(data):
            mask = data.ts >= data.ts.max() - self.config.recent_days * 86400
        w = np.ones(int(mask.sum()), dtype=np.float64) if data.weight is None else data.weight[mask]
        counts = np.bincount(data.item_idx[mask], weights=w, minlength=data.n_items)  # (I,)
        self.counts_ = counts.astype(np.float32)

    def score(self, user_idx: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.counts_, (len(user_idx), len(self.counts_)))  # (B, I)

    def state(self) -> dict[str, np.ndarray]:
        return {"counts": self.counts_}

    def load_state(self, arrays: dict[str, np.ndarray]) -> None:
        self.counts_ = arrays["counts"]
