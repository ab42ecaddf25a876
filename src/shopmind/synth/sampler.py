"""The conditional vector and training-by-sampling (Xu et al., NeurIPS 2019, §4.3).

Training: pick a discrete column uniformly at random, pick one of its categories with
probability ∝ log(1 + count) (so rare categories are seen often enough), set the cond vector
to that category's one-hot (all discrete columns side by side, zeros elsewhere), and draw the
real row for the critic among the rows that have that category. Sampling: categories are drawn
with their empirical frequencies, so the generated table keeps the real marginals.

Row lookup is vectorised: per column the row indices sorted by category plus offsets, so a
batch of (column, category) pairs becomes a batch of row indices with no Python loop per row.
"""

from __future__ import annotations

import numpy as np


class CondSampler:
    """Built from the category codes of the discrete columns: ``codes[j]`` (N,) ints in [0, n_j)."""

    def __init__(self, codes: list[np.ndarray], sizes: list[int]) -> None:
        self.sizes = list(sizes)
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)  # column j -> first slot
        self.dim = int(self.offsets[-1])
        self.counts = [np.bincount(c, minlength=n) for c, n in zip(codes, sizes, strict=True)]
        self.rows_by_cat = [np.argsort(c, kind="stable") for c in codes]  # rows grouped by category
        self.cat_start = [np.concatenate([[0], np.cumsum(n)[:-1]]) for n in self.counts]
        logf = [np.log1p(n.astype(np.float64)) for n in self.counts]
        self.train_p = [p / p.sum() for p in logf]

    @property
    def n_columns(self) -> int:
        return len(self.sizes)

    def _draw(self, probs: list[np.ndarray], cols: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        cats = np.empty(len(cols), dtype=np.int64)
        for j in np.unique(cols):
            sel = cols == j
            cats[sel] = rng.choice(len(probs[j]), size=int(sel.sum()), p=probs[j])
        return cats

    def onehot(self, cols: np.ndarray, cats: np.ndarray) -> np.ndarray:
        """(B, dim) float32 cond vectors with a 1 at (column, category)."""
        cond = np.zeros((len(cols), self.dim), dtype=np.float32)
        cond[np.arange(len(cols)), self.offsets[cols] + cats] = 1.0
        return cond

    def sample_train(self, batch: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(cond (B, dim), column per row (B,), real row index per row (B,)) for one training batch."""
        cols = rng.integers(0, self.n_columns, batch)
        cats = self._draw(self.train_p, cols, rng)
        rows = np.empty(batch, dtype=np.int64)
        for j in np.unique(cols):
            sel = cols == j
            c = cats[sel]
            pick = self.cat_start[j][c] + (rng.random(len(c)) * self.counts[j][c]).astype(np.int64)
            rows[sel] = self.rows_by_cat[j][pick]
        return self.onehot(cols, cats), cols, rows

    def sample_original(self, batch: int, rng: np.random.Generator) -> np.ndarray:
        """(B, dim) cond vectors with categories drawn at their empirical frequencies (for generation)."""
        cols = rng.integers(0, self.n_columns, batch)
        probs = [n / n.sum() for n in self.counts]
        return self.onehot(cols, self._draw(probs, cols, rng))

    def state(self) -> dict[str, list]:
        """What generation needs (category counts only; no row indices) as JSON-able lists."""
        return {"sizes": self.sizes, "counts": [n.tolist() for n in self.counts]}

    @classmethod
    def from_counts(cls, sizes: list[int], counts: list[list[int]]) -> CondSampler:
        """A sampler for generation only, rebuilt from :meth:`state`."""
        self = cls.__new__(cls)
        self.sizes = list(sizes)
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.dim = int(self.offsets[-1])
        self.counts = [np.asarray(n, dtype=np.int64) for n in counts]
        return self
