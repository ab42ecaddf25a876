"""Parent–child tables (customers → orders) with consistent keys.

Fit: the parent model learns the parent columns plus ``__n_children`` (how many child rows each
parent has); the child model learns the child columns with the keys dropped and each child
datetime turned into its offset in seconds from the parent's first datetime column (so an order
is never placed before its customer signed up), **conditioned on its parent's row** (the parent's
columns, identifiers left out, are the child model's context: an order's address is built around
its customer's city, its carrier follows the customer's country). Sample: n synthetic parents get
fresh keys ("syn-<table>-000001"); their generated ``__n_children`` are mapped rank for rank onto
the training parents' distribution of child counts (:func:`match_counts`: the model decides which
parents have more children, the data how many), each parent gets that many children generated for
it, the children carry their parent's key as foreign key and their datetimes are rebuilt from the
parent's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from shopmind.synth.tabular import Progress, TabularGAN, TabularGANConfig

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
N_CHILDREN = "__n_children"


@dataclass
class Relation:
    parent: str  # parent table name, e.g. "customers"
    child: str  # child table name, e.g. "orders"
    parent_key: str  # primary key of the parent, e.g. "customer_id"
    foreign_key: str  # the child's column that references it (usually the same name)
    child_key: str | None = None  # primary key of the child (regenerated), e.g. "order_id"


def _datetime_cols(frame: pd.DataFrame) -> list[str]:
    import pandas as pd

    return [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]


def synthetic_keys(prefix: str, n: int, start: int = 1) -> list[str]:
    return [f"syn-{prefix}-{i:06d}" for i in range(start, start + n)]


def context_columns(parent: pd.DataFrame, skip: tuple[str, ...] = ()) -> list[str]:
    """The parent columns a child is conditioned on: all but keys and identifier-like text."""
    from shopmind.synth.privacy import comparable

    return [c for c in comparable(parent) if c not in skip]


def count_histogram(values: pd.Series) -> dict[int, int]:
    """{count: rows with that count} of a count column (children per parent)."""
    counts = values.value_counts().sort_index()
    return {int(k): int(v) for k, v in counts.items()}


def match_counts(values: np.ndarray, histogram: dict[int, int], rng: np.random.Generator) -> np.ndarray:
    """Generated counts mapped rank for rank onto the distribution ``histogram`` ({count: rows}):
    the i-th smallest of n values (ties in random order) gets the histogram's quantile at
    (i + U) / n, U uniform in [0, 1) — stratified draws, so a chunk of n customers follows the
    histogram closely and one customer alone gets a plain draw from it."""
    n = len(values)
    keys = np.array(sorted(histogram), dtype=np.int64)
    cdf = np.cumsum([histogram[k] for k in keys], dtype=float)
    cdf /= cdf[-1]
    by_rank = np.lexsort((rng.random(n), np.asarray(values, dtype=float)))  # row of each rank
    p = (np.arange(n) + rng.random(n)) / max(n, 1)
    out = np.empty(n, dtype=np.int64)
    out[by_rank] = keys[np.minimum(np.searchsorted(cdf, p, side="right"), len(keys) - 1)]
    return out


def _for(config: TabularGANConfig, frame: pd.DataFrame) -> TabularGANConfig:
    """``config`` for one of the two tables: its label and constraints where they name its columns."""
    from dataclasses import replace

    from shopmind.synth.constraints import parse

    def fits(text: str) -> bool:
        try:
            parse(text, list(frame.columns))
        except ValueError:
            return False
        return True

    label = config.label if config.label in frame.columns else None
    return replace(config, label=label, constraints=tuple(c for c in config.constraints if fits(c)))


class RelationalSynthesizer:
    """Two :class:`TabularGAN` models joined by a key; ``sample(n)`` returns {parent: …, child: …}."""

    def __init__(
        self,
        relation: Relation,
        config: TabularGANConfig | None = None,
        child_config: TabularGANConfig | None = None,
    ) -> None:
        self.relation = relation
        self.config = config or TabularGANConfig()
        self.child_config = child_config or self.config

    def fit(
        self, parent: pd.DataFrame, child: pd.DataFrame, seed: int = 0, progress: Progress | None = None
    ) -> RelationalSynthesizer:
        r = self.relation
        counts = child.groupby(r.foreign_key).size()
        p = parent.drop(columns=[r.parent_key]).reset_index(drop=True)
        p[N_CHILDREN] = counts.reindex(parent[r.parent_key]).fillna(0).astype("int64").to_numpy()
        self.anchor_ = next(
            iter(_datetime_cols(parent)), None
        )  # parent datetime the child's are offsets from
        c = self._child_frame(parent, child)
        self.children_ = count_histogram(p[N_CHILDREN])
        self.context_ = context_columns(p)
        owner = parent.reset_index(drop=True).reset_index().set_index(r.parent_key)["index"]
        ctx = p[self.context_].iloc[owner.reindex(child[r.foreign_key]).to_numpy()].reset_index(drop=True)
        log.info("relational: %d %s, %d %s (context %s)", len(p), r.parent, len(c), r.child, self.context_)
        self.parent_model_ = TabularGAN(_for(self.config, p)).fit(p, seed, progress)
        self.child_model_ = TabularGAN(_for(self.child_config, c)).fit(c, seed + 1, progress, context=ctx)
        self.fit_frames_, self.child_context_ = (p, c), ctx
        return self

    def _child_frame(self, parent: pd.DataFrame, child: pd.DataFrame) -> pd.DataFrame:
        r = self.relation
        drop = [k for k in (r.foreign_key, r.child_key) if k]
        c = child.drop(columns=drop).reset_index(drop=True)
        self.offset_cols_ = _datetime_cols(c) if self.anchor_ else []
        if self.offset_cols_:
            anchor = parent.set_index(r.parent_key)[self.anchor_].reindex(child[r.foreign_key])
            for col in self.offset_cols_:
                diff = child[col].reset_index(drop=True) - anchor.reset_index(drop=True)
                c[col] = diff.dt.total_seconds().to_numpy()
        return c

    def sample(self, n: int, seed: int = 0, start: int = 1, child_start: int = 1) -> dict[str, pd.DataFrame]:
        """``n`` parents with their children; keys numbered from ``start`` and ``child_start``
        (so that chunks sampled one after another get distinct keys)."""
        r = self.relation
        parents = self.parent_model_.sample(n, seed)
        counts = np.clip(np.round(parents[N_CHILDREN].to_numpy(dtype=float)), 0, None).astype(np.int64)
        if self.children_:
            counts = match_counts(counts, self.children_, np.random.default_rng(seed + 2))
            parents[N_CHILDREN] = counts  # the children's context sees the count they come with
        owner = np.repeat(np.arange(n), counts)
        ctx = parents[self.context_].iloc[owner].reset_index(drop=True)
        children = self.child_model_.sample(len(owner), seed + 1, context=ctx) if len(owner) else None
        parents = parents.drop(columns=[N_CHILDREN])
        keys = synthetic_keys(r.parent, n, start)
        parents.insert(0, r.parent_key, keys)
        if children is None:
            import pandas as pd

            children = pd.DataFrame(columns=self.child_model_.columns_)
        for col in self.offset_cols_:
            import pandas as pd

            anchor = parents[self.anchor_].iloc[owner].reset_index(drop=True)
            children[col] = anchor + pd.to_timedelta(children[col].to_numpy(dtype=float), unit="s")
        children.insert(0, r.foreign_key, np.asarray(keys, dtype=object)[owner])
        if r.child_key:
            children.insert(0, r.child_key, synthetic_keys(r.child, len(children), child_start))
        return {r.parent: parents, r.child: children}

    def save(self, path: str | Path) -> Path:
        from shopmind.artifacts import write_model

        path = Path(path)
        self.parent_model_.save(path / "parent")
        self.child_model_.save(path / "child")
        meta = {
            "model": "relational",
            "relation": self.relation.__dict__,
            "anchor": self.anchor_,
            "offset_cols": self.offset_cols_,
            "context": self.context_,
            "children": {str(k): v for k, v in self.children_.items()},
        }
        return write_model(path, meta)

    @classmethod
    def load(cls, path: str | Path) -> RelationalSynthesizer:
        from shopmind.artifacts import read_meta

        path = Path(path)
        meta = read_meta(path)
        self = cls(Relation(**meta["relation"]))
        self.anchor_, self.offset_cols_ = meta["anchor"], meta["offset_cols"]
        self.context_ = meta.get("context", [])
        self.children_ = {int(k): v for k, v in meta.get("children", {}).items()}
        self.parent_model_ = TabularGAN.load(path / "parent")
        self.child_model_ = TabularGAN.load(path / "child")
        self.config, self.child_config = self.parent_model_.config, self.child_model_.config
        return self
