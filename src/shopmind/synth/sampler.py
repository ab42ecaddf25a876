"""The conditional vector and training-by-sampling (Xu et al., NeurIPS 2019, §4.3).

Training: pick a discrete column, pick one of its categories with probability ∝ log(1 + count)
(so rare categories are seen often enough), set the cond vector to that category's one-hot (all
discrete columns side by side, zeros elsewhere), and draw the real row for the critic among the
rows that have that category. Sampling: categories are drawn with their empirical frequencies, so
the generated table keeps the real marginals.

With a **label** column (the one a downstream model predicts) the label is the conditioned column
in ``label_share`` of the training rows (the other discrete columns share the rest uniformly), and
every generated row is conditioned on a label drawn at its real frequency: the generator learns
p(x | label) for each class and the sample keeps the class balance exactly.

For differentially private training (:mod:`shopmind.synth.dp`) the real rows are drawn uniformly
(Poisson sampling, which the privacy accountant assumes) and each row's cond vector is one of its
own categories (:meth:`CondSampler.cond_of_rows`); generation then uses category counts released
with Gaussian noise (:meth:`CondSampler.privatize`).

Row lookup is vectorised: per column the row indices sorted by category plus offsets, so a
batch of (column, category) pairs becomes a batch of row indices with no Python loop per row.
"""

from __future__ import annotations

import numpy as np


class CondSampler:
    """Built from the category codes of the discrete columns: ``codes[j]`` (N,) ints in [0, n_j);
    ``label`` is the index of the label among them (or None)."""

    def __init__(
        self, codes: list[np.ndarray], sizes: list[int], label: int | None = None, label_share: float = 0.5
    ) -> None:
        self._setup(sizes, [np.bincount(c, minlength=n) for c, n in zip(codes, sizes, strict=True)])
        self.label, self.label_share = label, float(label_share)
        self.codes = np.stack(codes, axis=1) if codes else np.zeros((0, 0), np.int64)  # (N, n_columns)
        self.rows_by_cat = [np.argsort(c, kind="stable") for c in codes]  # rows grouped by category
        self.cat_start = [np.concatenate([[0], np.cumsum(n)[:-1]]) for n in self.counts]
        self._train_probs()

    def _train_probs(self) -> None:
        logf = [np.log1p(np.asarray(n, dtype=np.float64)) for n in self.counts]
        self.train_p = [p / p.sum() if p.sum() > 0 else np.full(len(p), 1 / len(p)) for p in logf]

    def _setup(self, sizes: list[int], counts: list[np.ndarray]) -> None:
        self.sizes = list(sizes)
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)  # column j -> first slot
        self.dim = int(self.offsets[-1])
        self.counts = [np.asarray(n, dtype=np.int64) for n in counts]

    @property
    def n_columns(self) -> int:
        return len(self.sizes)

    def _draw(self, probs: list[np.ndarray], cols: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        cats = np.empty(len(cols), dtype=np.int64)
        for j in np.unique(cols):
            sel = cols == j
            cats[sel] = rng.choice(len(probs[j]), size=int(sel.sum()), p=probs[j])
        return cats

    def _columns(self, batch: int, rng: np.random.Generator) -> np.ndarray:
        """The conditioned column of each training row: the label in ``label_share`` of them."""
        if self.label is None or self.n_columns == 1:
            return rng.integers(0, self.n_columns, batch)
        others = np.array([j for j in range(self.n_columns) if j != self.label])
        cols = others[rng.integers(0, len(others), batch)]
        cols[rng.random(batch) < self.label_share] = self.label
        return cols

    def onehot(self, cols: np.ndarray, cats: np.ndarray) -> np.ndarray:
        """(B, dim) float32 cond vectors with a 1 at (column, category)."""
        cond = np.zeros((len(cols), self.dim), dtype=np.float32)
        cond[np.arange(len(cols)), self.offsets[cols] + cats] = 1.0
        return cond

    def sample_train(self, batch: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(cond (B, dim), column per row (B,), real row index per row (B,)) for one training batch."""
        cols = self._columns(batch, rng)
        cats = self._draw(self.train_p, cols, rng)
        rows = np.empty(batch, dtype=np.int64)
        for j in np.unique(cols):
            sel = cols == j
            c = cats[sel]
            pick = self.cat_start[j][c] + (rng.random(len(c)) * self.counts[j][c]).astype(np.int64)
            rows[sel] = self.rows_by_cat[j][pick]
        return self.onehot(cols, cats), cols, rows

    def cond_of_rows(self, rows: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(cond (B, dim), column per row (B,)) for given real rows: one of each row's own categories."""
        cols = self._columns(len(rows), rng)
        return self.onehot(cols, self.codes[rows, cols]), cols

    def sample_original(self, batch: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(cond (B, dim), column per row (B,)) with categories drawn at their (released) frequencies
        — for generation, and for the generator's steps in private training."""
        if self.label is not None:
            cols = np.full(batch, self.label, dtype=np.int64)
        else:
            cols = rng.integers(0, self.n_columns, batch)
        probs = [n / n.sum() if n.sum() > 0 else np.full(len(n), 1 / len(n)) for n in self.counts]
        return self.onehot(cols, self._draw(probs, cols, rng)), cols

    def sample_released(self, batch: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(cond (B, dim), column per row (B,)) as in training-by-sampling, from the counts alone
        (no row is read): the generator's steps in private training."""
        cols = self._columns(batch, rng)
        return self.onehot(cols, self._draw(self.train_p, cols, rng)), cols

    def privatize(self, sigma: float, rng: np.random.Generator) -> None:
        """Replace the category counts by counts with Gaussian noise N(0, sigma²) added (rounded,
        clipped at 0): the Gaussian mechanism on each column's histogram. A row moves one count per
        column, so the L2 sensitivity of all histograms together is √n_columns."""
        self.counts = [np.clip(np.round(n + rng.normal(0, sigma, len(n))), 0, None) for n in self.counts]
        self._train_probs()

    def state(self) -> dict[str, object]:
        """What generation needs (category counts only; no row indices) as JSON-able lists."""
        return {
            "sizes": self.sizes,
            "counts": [np.asarray(n).astype(np.int64).tolist() for n in self.counts],
            "label": self.label,
        }

    @classmethod
    def from_counts(cls, sizes: list[int], counts: list[list[int]], label: int | None = None) -> CondSampler:
        """A sampler for generation only, rebuilt from :meth:`state`."""
        self = cls.__new__(cls)
        self._setup(sizes, counts)
        self.label, self.label_share = label, 0.0
        return self
