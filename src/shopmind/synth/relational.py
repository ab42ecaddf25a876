"""Parent–child tables (customers → orders) with consistent keys.

Fit: the parent model learns the parent columns plus ``__n_children`` (how many child rows each
parent has); the child model learns the child columns with the keys dropped and each child
datetime turned into its offset in seconds from the parent's first datetime column (so an order
is never placed before its customer signed up). Sample: n synthetic parents get fresh keys
("syn-<table>-000001"), each gets round(__n_children) children, the children carry their
parent's key as foreign key and their datetimes are rebuilt from the parent's.
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


def synthetic_keys(prefix: str, n: int) -> list[str]:
    return [f"syn-{prefix}-{i:06d}" for i in range(1, n + 1)]


class RelationalSynthesizer:
    """Two :class:`TabularGAN` models joined by a key; ``sample(n)`` returns {parent: …, child: …}."""

    def __init__(self, relation: Relation, config: TabularGANConfig | None = None) -> None:
        self.relation = relation
        self.config = config or TabularGANConfig()

    def fit(
        self, parent: pd.DataFrame, child: pd.DataFrame, seed: int = 0, progress: Progress | None = None
    ) -> RelationalSynthesizer:
        r = self.relation
        counts = child.groupby(r.foreign_key).size()
        p = parent.drop(columns=[r.parent_key]).copy()
        p[N_CHILDREN] = counts.reindex(parent[r.parent_key]).fillna(0).astype("int64").to_numpy()
        self.anchor_ = next(
            iter(_datetime_cols(parent)), None
        )  # parent datetime the child's are offsets from
        c = self._child_frame(parent, child)
        log.info("relational: %d %s, %d %s", len(p), r.parent, len(c), r.child)
        self.parent_model_ = TabularGAN(self.config).fit(p, seed, progress)
        self.child_model_ = TabularGAN(self.config).fit(c, seed + 1, progress)
        return self

    def _child_frame(self, parent: pd.DataFrame, child: pd.DataFrame) -> pd.DataFrame:
        r = self.relation
        drop = [k for k in (r.foreign_key, r.child_key) if k]
        c = child.drop(columns=drop).copy()
        self.offset_cols_ = _datetime_cols(c) if self.anchor_ else []
        if self.offset_cols_:
            anchor = parent.set_index(r.parent_key)[self.anchor_].reindex(child[r.foreign_key])
            for col in self.offset_cols_:
                diff = child[col].reset_index(drop=True) - anchor.reset_index(drop=True)
                c[col] = diff.dt.total_seconds().to_numpy()
        return c

    def sample(self, n: int, seed: int = 0) -> dict[str, pd.DataFrame]:
        import pandas as pd

        r = self.relation
        parents = self.parent_model_.sample(n, seed)
        counts = np.clip(np.round(parents.pop(N_CHILDREN).to_numpy(dtype=float)), 0, None).astype(np.int64)
        keys = synthetic_keys(r.parent, n)
        parents.insert(0, r.parent_key, keys)
        children = self.child_model_.sample(int(counts.sum()), seed + 1)
        fk = np.repeat(np.asarray(keys, dtype=object), counts)
        for col in self.offset_cols_:
            anchor = parents[self.anchor_].iloc[np.repeat(np.arange(n), counts)].reset_index(drop=True)
            children[col] = anchor + pd.to_timedelta(children[col].to_numpy(dtype=float), unit="s")
        children.insert(0, r.foreign_key, fk)
        if r.child_key:
            children.insert(0, r.child_key, synthetic_keys(r.child, len(children)))
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
        }
        return write_model(path, meta)

    @classmethod
    def load(cls, path: str | Path) -> RelationalSynthesizer:
        from shopmind.artifacts import read_meta

        path = Path(path)
        meta = read_meta(path)
        self = cls(Relation(**meta["relation"]))
        self.anchor_, self.offset_cols_ = meta["anchor"], meta["offset_cols"]
        self.parent_model_ = TabularGAN.load(path / "parent")
        self.child_model_ = TabularGAN.load(path / "child")
        self.config = self.parent_model_.config
        return self
