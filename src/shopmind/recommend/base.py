"""The one recommender interface, the id maps and the interaction data every model fits on.

Every recommender has ``fit(interactions)``, ``recommend(user_id, k, exclude=…)``,
``similar(item_id, k)``, ``save(path)`` and ``load(path)``, and is found by name in
:data:`RECOMMENDERS` (one ``"module:Class"`` line per model; the class sets ``name``). Outside a
model only the shop's string ids are seen; ``*_idx`` integer indices stay inside (:class:`IdMap`
converts).

Artifacts are a folder with ``model.safetensors`` (the learned arrays) and ``meta.json``
(model name, resolved config, id maps, data fingerprint, metrics) — no pickles.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from shopmind.artifacts import read_arrays, read_meta, write_model
from shopmind.registry import Registry, UnknownNameError

if TYPE_CHECKING:
    import pandas as pd
    import scipy.sparse as sp

log = logging.getLogger(__name__)


class UnknownModelError(UnknownNameError):
    """A recommender name that is not in the registry; the message lists the valid names."""


class UnknownIdError(KeyError):
    """An id the model has not seen."""

    def __str__(self) -> str:
        return str(self.args[0])


# ---------------------------------------------------------------------------- ids
class IdMap:
    """Converts between external string ids (``*_id``) and dense integer indices (``*_idx``)."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.ids: list[str] = [str(i) for i in ids]
        self.index: dict[str, int] = {v: i for i, v in enumerate(self.ids)}
        if len(self.index) != len(self.ids):
            raise ValueError("IdMap ids must be unique")

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, item: object) -> bool:
        return item in self.index

    def to_idx(self, ids: Iterable[str], missing: int | None = None) -> np.ndarray:
        """Indices of ``ids``; unknown ids raise, or map to ``missing`` when it is given."""
        out = []
        for i in ids:
            j = self.index.get(i, missing)
            if j is None:
                raise UnknownIdError(f"unknown id {i!r}")
            out.append(j)
        return np.asarray(out, dtype=np.int64)

    def to_id(self, idx: Iterable[int]) -> list[str]:
        return [self.ids[int(i)] for i in idx]

    def to_json(self) -> list[str]:
        return list(self.ids)

    @classmethod
    def from_json(cls, data: Sequence[str]) -> IdMap:
        return cls(data)


# ---------------------------------------------------------------------------- data
@dataclass
class Interactions:
    """Implicit feedback: one row per (user, item) event, with optional time and weight.

    ``user_idx``/``item_idx`` index into ``users``/``items``; ``ts`` is seconds (or any
    increasing order key) and defines each user's sequence.
    """

    users: IdMap
    items: IdMap
    user_idx: np.ndarray  # (N,) int64
    item_idx: np.ndarray  # (N,) int64
    ts: np.ndarray | None = None  # (N,) int64 or float, increasing in time
    weight: np.ndarray | None = None  # (N,) float32, e.g. purchase 3, cart 2, view 1
    item_features: dict[str, Any] = field(default_factory=dict)  # optional side data (texts, categories)

    def __post_init__(self) -> None:
        self.user_idx = np.asarray(self.user_idx, dtype=np.int64)
        self.item_idx = np.asarray(self.item_idx, dtype=np.int64)
        if self.user_idx.shape != self.item_idx.shape:
            raise ValueError("user_idx and item_idx must have the same length")

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    def __len__(self) -> int:
        return len(self.user_idx)

    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        user_col: str = "customer_id",
        item_col: str = "product_id",
        ts_col: str | None = "ts",
        weight_col: str | None = None,
        users: IdMap | None = None,
        items: IdMap | None = None,
    ) -> Interactions:
        """Build from a frame of events; id maps are made from the frame unless given (rows with
        ids outside given maps are dropped)."""
        import pandas as pd

        df = df.dropna(subset=[user_col, item_col])
        users = users or IdMap(sorted(df[user_col].astype(str).unique()))
        items = items or IdMap(sorted(df[item_col].astype(str).unique()))
        u = users.to_idx(df[user_col].astype(str), missing=-1)
        i = items.to_idx(df[item_col].astype(str), missing=-1)
        keep = (u >= 0) & (i >= 0)
        ts = None
        if ts_col and ts_col in df.columns:
            col = df[ts_col]
            if isinstance(col.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(col.dtype):
                ts = (
                    col.astype("int64").to_numpy() // 1_000_000_000
                    if col.dt.unit == "ns"
                    else (col.dt.as_unit("s").astype("int64").to_numpy())
                )
            else:
                ts = col.to_numpy()
            ts = ts[keep]
        w = df[weight_col].to_numpy(dtype=np.float32)[keep] if weight_col else None
        return cls(users, items, u[keep], i[keep], ts, w)

    def subset(self, mask: np.ndarray) -> Interactions:
        """The rows where ``mask`` is true, with the same id maps."""
        return dataclasses.replace(
            self,
            user_idx=self.user_idx[mask],
            item_idx=self.item_idx[mask],
            ts=None if self.ts is None else self.ts[mask],
            weight=None if self.weight is None else self.weight[mask],
        )

    def order(self) -> np.ndarray:
        """Row order by user, then time (stable: ties keep their input order)."""
        if self.ts is None:
            return np.argsort(self.user_idx, kind="stable")
        return np.lexsort((np.arange(len(self)), self.ts, self.user_idx))

    def csr(self, binary: bool = True) -> sp.csr_matrix:
        """The (n_users, n_items) user–item matrix; repeated pairs are summed unless ``binary``."""
        import scipy.sparse as sp

        data = np.ones(len(self), dtype=np.float32) if self.weight is None else self.weight.astype(np.float32)
        mat = sp.csr_matrix((data, (self.user_idx, self.item_idx)), shape=(self.n_users, self.n_items))
        mat.sum_duplicates()
        if binary:
            mat.data[:] = 1.0
        return mat

    def sequences(self) -> list[np.ndarray]:
        """Each user's items in time order (a list of length ``n_users``)."""
        order = self.order()
        users, items = self.user_idx[order], self.item_idx[order]
        bounds = np.searchsorted(users, np.arange(self.n_users + 1))
        return [items[bounds[u] : bounds[u + 1]] for u in range(self.n_users)]

    def fingerprint(self) -> str:
        """A short hash of the data, saved with artifacts to tell which data a model saw."""
        h = hashlib.sha256()
        for arr in (self.user_idx, self.item_idx, self.ts if self.ts is not None else np.zeros(0)):
            h.update(np.ascontiguousarray(arr).tobytes())
        h.update(json.dumps([len(self.users), len(self.items)]).encode())
        return h.hexdigest()[:16]


# ---------------------------------------------------------------------------- models
@dataclass
class RecommenderConfig:
    """Base of every model's config; subclasses add their own fields, one comment each."""

    seed: int = 0  # random seed: the same seed gives the same model


# name -> "module:Class"; a model module is imported only when its name is used (torch on demand)
RECOMMENDERS = Registry(
    "recommender",
    {
        "popular": "shopmind.recommend.popular:Popular",
        "itemknn": "shopmind.recommend.itemknn:ItemKNN",
        "bpr": "shopmind.recommend.bpr:BPRMF",
        "lightgcn": "shopmind.recommend.lightgcn:LightGCN",
        "sasrec": "shopmind.recommend.sasrec:SASRec",
    },
    error=UnknownModelError,
)


def available() -> list[str]:
    """The registered recommender names."""
    return RECOMMENDERS.names()


def create(name: str, **params: Any) -> Recommender:
    """A new, unfitted recommender by name, with config fields as keyword arguments."""
    return RECOMMENDERS.create(name, **params)


class Recommender(ABC):
    """Base class: subclasses implement ``_fit``, ``score`` and the state methods.

    ``score(user_idx)`` returns (B, n_items) scores, higher is better; the base class
    turns them into id-level recommendations with seen items excluded.
    """

    name: ClassVar[str] = "base"
    Config: ClassVar[type[RecommenderConfig]] = RecommenderConfig

    def __init__(self, config: RecommenderConfig | None = None) -> None:
        self.config = config or self.Config()
        self.users_: IdMap | None = None
        self.items_: IdMap | None = None
        self.seen_: sp.csr_matrix | None = None
        self.meta_: dict[str, Any] = {}

    # -- to implement
    @abstractmethod
    def _fit(self, data: Interactions, valid: Interactions | None) -> None:
        """Learn from ``data``; iterative models may early-stop on ``valid`` (held-out pairs)."""

    @abstractmethod
    def score(self, user_idx: np.ndarray) -> np.ndarray:
        """(B,) user indices -> (B, n_items) scores."""

    def item_vectors(self) -> np.ndarray | None:
        """(n_items, D) item vectors for ``similar``; None to use co-occurrence instead."""
        return None

    @abstractmethod
    def state(self) -> dict[str, np.ndarray]:
        """The learned arrays to save."""

    @abstractmethod
    def load_state(self, arrays: dict[str, np.ndarray]) -> None:
        """Restore from :meth:`state`'s arrays (after config and id maps are set)."""

    # -- shared behaviour
    def fit(self, data: Interactions, valid: Interactions | None = None) -> Recommender:
        """Learn from ``data`` (early stopping on ``valid`` where the model supports it); returns self."""
        self.users_, self.items_ = data.users, data.items
        self.seen_ = data.csr(binary=True)
        self.meta_ = {"fingerprint": data.fingerprint(), "n_interactions": len(data)}
        self._fit(data, valid)
        return self

    def update_history(self, data: Interactions) -> Recommender:
        """Take ``data`` (same id maps) as the users' whole history from now on, without retraining:
        its items are excluded as seen, and sequential models read their input from it (e.g. train +
        validation before the test)."""
        self._check_fitted()
        if len(data.users) != len(self.users_) or len(data.items) != len(self.items_):
            raise ValueError("update_history needs interactions with the id maps the model was fitted on")
        self.seen_ = data.csr(binary=True)
        return self

    def _check_fitted(self) -> None:
        if self.users_ is None or self.items_ is None:
            raise RuntimeError(f"{self.name} is not fitted: call fit() or load() first")

    def recommend_idx(
        self, user_idx: np.ndarray, k: int, exclude_seen: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k item indices and scores for a batch of users: (B, k), (B, k)."""
        self._check_fitted()
        scores = np.asarray(self.score(np.asarray(user_idx, dtype=np.int64)), dtype=np.float32).copy()
        if exclude_seen and self.seen_ is not None:
            seen = self.seen_[user_idx]
            rows = np.repeat(np.arange(len(user_idx)), np.diff(seen.indptr))
            scores[rows, seen.indices] = -np.inf
        return top_k(scores, k)

    def recommend(self, user_id: str, k: int = 10, exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """Top-k (item_id, score) for a known user, without the items they interacted with or ``exclude``."""
        self._check_fitted()
        if user_id not in self.users_:
            raise UnknownIdError(f"unknown user {user_id!r}")
        extra = self.items_.to_idx([e for e in exclude if e in self.items_])
        idx, scores = self.recommend_idx(self.users_.to_idx([user_id]), k + len(extra))
        pairs = [
            (int(i), float(s))
            for i, s in zip(idx[0], scores[0], strict=True)
            if int(i) not in set(extra.tolist()) and np.isfinite(s)
        ]
        return [(self.items_.ids[i], s) for i, s in pairs[:k]]

    def score_history(self, item_idx: np.ndarray) -> np.ndarray:
        """(I,) scores for a user the model has not seen, from the items they touched (oldest first).

        Default: cosine to the mean item vector, else item co-occurrence; models may override.
        """
        self._check_fitted()
        item_idx = np.asarray(item_idx, dtype=np.int64)
        vecs = self.item_vectors()
        if vecs is not None:
            unit = vecs / (np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-12)  # (I, D)
            return unit @ unit[item_idx].mean(0)  # (I, D) @ (D,) -> (I,)
        co = self.seen_.T @ self.seen_[:, item_idx]  # (I, U) @ (U, n) -> (I, n) co-occurrence counts
        return np.asarray(co.sum(axis=1)).ravel().astype(np.float32)

    def similar(self, item_id: str, k: int = 10) -> list[tuple[str, float]]:
        """The k items most like ``item_id`` (cosine of item vectors, else co-occurrence)."""
        self._check_fitted()
        if item_id not in self.items_:
            raise UnknownIdError(f"unknown item {item_id!r}")
        j = int(self.items_.index[item_id])
        vecs = self.item_vectors()
        if vecs is not None:
            norms = np.linalg.norm(vecs, axis=1) + 1e-12
            sims = (vecs @ vecs[j]) / (norms * norms[j])
        else:
            col = self.seen_[:, j]
            sims = np.asarray((self.seen_.T @ col).todense()).ravel().astype(np.float32)
        sims[j] = -np.inf
        idx, vals = top_k(sims[None, :], k)
        return [
            (self.items_.ids[int(i)], float(v))
            for i, v in zip(idx[0], vals[0], strict=True)
            if np.isfinite(v)
        ]

    def save(self, path: str | Path) -> Path:
        """Write ``model.safetensors`` + ``meta.json`` into the folder ``path``."""
        self._check_fitted()
        seen = self.seen_.tocsr()
        arrays = {
            **self.state(),
            "_seen_indptr": seen.indptr.astype(np.int64),
            "_seen_indices": seen.indices.astype(np.int64),
        }
        meta = {
            "model": self.name,
            "config": dataclasses.asdict(self.config),
            "users": self.users_.to_json(),
            "items": self.items_.to_json(),
            **self.meta_,
        }
        return write_model(path, meta, arrays)

    @staticmethod
    def load(path: str | Path) -> Recommender:
        """Load any saved recommender (the model name is read from ``meta.json``)."""
        import scipy.sparse as sp

        meta = read_meta(path)
        model = create(meta["model"], **meta["config"])
        model.users_, model.items_ = IdMap(meta["users"]), IdMap(meta["items"])
        model.meta_ = {k: v for k, v in meta.items() if k not in ("model", "config", "users", "items")}
        arrays = read_arrays(path)
        indptr, indices = arrays.pop("_seen_indptr"), arrays.pop("_seen_indices")
        model.seen_ = sp.csr_matrix(
            (np.ones(len(indices), dtype=np.float32), indices, indptr),
            shape=(len(model.users_), len(model.items_)),
        )
        model.load_state(arrays)
        return model


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise top-k of a (B, N) array, sorted best first: indices (B, k) and values (B, k)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(vals, order, axis=1)
