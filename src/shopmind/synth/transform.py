"""Reversible encoding of a mixed-type table into the vectors a tabular GAN generates.

Per column (Xu et al., "Modeling Tabular Data using Conditional GAN", NeurIPS 2019, §4.2):

- **continuous** (floats, integers with many values, datetimes as seconds since the epoch):
  *mode-specific normalisation*. A variational (Dirichlet-process) Gaussian mixture is fitted to
  the column; modes with weight < ``min_weight`` are dropped. A value x is encoded as
  ``[α, β]``: β is the one-hot of a mode k drawn from the posterior P(k | x) and
  α = (x − μ_k) / (4 σ_k) ∈ (−1, 1). Decoding: x = α · 4 σ_k + μ_k with k = argmax β,
  then clipped to the observed [min, max] (and rounded for integer columns).
  A column with missing values gets one more 2-way one-hot "is missing" (ctgan has none: it
  cannot take NaNs); a missing value is encoded with the column mean.
- **discrete** (text, categories, booleans, integers with at most ``max_levels`` values): one-hot.
  Missing is a category of its own. **High cardinality**: only the ``max_categories`` most
  frequent values are kept, and of text columns only values seen at least ``min_count`` times
  (so unique values — e-mails, addresses — are never reproduced); the rest become one category
  ``OTHER`` ("<other>" in samples). The
  rare values themselves are not stored (memory stays O(max_categories), and rare values are
  the identifying ones), so a sampled "other" is the literal token.

The fitted mixtures are kept as plain arrays (means, standard deviations, weights) and
the posterior is computed here in numpy, so the whole transformer serialises to JSON.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
OTHER = "<other>"


@dataclass
class TransformerConfig:
    # at most this many mixture modes per continuous column
    max_modes: int = 10
    # modes whose fitted weight is below this are dropped
    min_weight: float = 0.005
    # the mixture is fitted on at most this many (randomly chosen) values of a column
    gmm_max_rows: int = 5000
    # variational EM iterations of each mixture
    gmm_max_iter: int = 100
    # integer columns with at most this many distinct values are treated as categories
    max_levels: int = 20
    # discrete columns keep their most frequent values, the rest become OTHER
    max_categories: int = 100
    # a text value seen fewer times than this is never reproduced (it becomes OTHER): unique
    # values such as e-mails or addresses are identifying, and a frequent value is not
    min_count: int = 5


@dataclass
class ColumnInfo:
    name: str
    kind: str  # "continuous" | "discrete"
    dtype: str  # "float" | "int" | "bool" | "datetime" | "category" | "object"
    tz: bool = False  # datetime: timezone-aware (UTC)
    # continuous: the mixture and the observed range
    means: list[float] = field(default_factory=list)
    stds: list[float] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    lo: float = 0.0
    hi: float = 0.0
    fill: float = 0.0  # value a missing entry is encoded with
    has_null: bool = False
    # discrete: the kept values (None = missing, OTHER = the rare rest) and their training counts
    categories: list[Any] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)

    @property
    def width(self) -> int:
        if self.kind == "continuous":
            return 1 + len(self.means) + (2 if self.has_null else 0)
        return len(self.categories)


@dataclass
class Span:
    start: int
    size: int
    activation: str  # "tanh" | "softmax"
    column: int  # index into the transformer's columns
    role: str  # "alpha" | "mode" | "null" | "category"


def _native(v: Any) -> Any:
    """A numpy scalar as a JSON-able Python value; NaN/NaT as None."""
    if v is None:
        return None
    if isinstance(v, float | np.floating) and np.isnan(v):
        return None
    return v.item() if isinstance(v, np.generic) else v


def _dtype_of(s: pd.Series) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime"
    if isinstance(s.dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_integer_dtype(s):
        return "int"
    if pd.api.types.is_float_dtype(s):
        vals = s.dropna()
        return "int" if len(vals) and np.all(np.mod(vals.to_numpy(), 1) == 0) else "float"
    return "object"


def to_numeric(s: pd.Series, dtype: str) -> np.ndarray:
    """A continuous column as float64 (datetimes as seconds since the epoch; missing as NaN)."""
    import pandas as pd

    if dtype == "datetime":
        out = np.full(len(s), np.nan)
        mask = s.notna().to_numpy()
        stamps = pd.DatetimeIndex(s[mask])
        if stamps.tz is not None:
            stamps = stamps.tz_convert("UTC").tz_localize(None)
        out[mask] = stamps.as_unit("s").asi8.astype(np.float64)
        return out
    return pd.to_numeric(s, errors="coerce").astype("float64").to_numpy()


def _fit_mixture(x: np.ndarray, cfg: TransformerConfig, seed: int) -> tuple[list, list, list]:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import BayesianGaussianMixture

    rng = np.random.default_rng(seed)
    if len(x) > cfg.gmm_max_rows:
        x = rng.choice(x, cfg.gmm_max_rows, replace=False)
    if len(np.unique(x)) < 2:  # a constant column: one narrow mode
        return [float(x[0]) if len(x) else 0.0], [1e-3], [1.0]
    k = min(cfg.max_modes, len(np.unique(x)))
    gmm = BayesianGaussianMixture(
        n_components=k,
        weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=0.001,
        max_iter=cfg.gmm_max_iter,
        n_init=1,
        random_state=seed,
    )
    with warnings.catch_warnings():  # a mixture that stops at max_iter is still a usable encoding
        warnings.simplefilter("ignore", ConvergenceWarning)
        gmm.fit(x[:, None])
    keep = gmm.weights_ > cfg.min_weight
    means = gmm.means_[keep, 0]
    stds = np.sqrt(gmm.covariances_[keep].reshape(-1))
    weights = gmm.weights_[keep] / gmm.weights_[keep].sum()
    return means.tolist(), np.maximum(stds, 1e-6).tolist(), weights.tolist()


def mode_posterior(x: np.ndarray, info: ColumnInfo) -> np.ndarray:
    """P(k | x) ∝ w_k N(x; μ_k, σ_k²) for values ``x`` (N,) -> (N, K), in log space for stability."""
    mu, sd, w = (np.asarray(v) for v in (info.means, info.stds, info.weights))
    z = (x[:, None] - mu[None, :]) / sd[None, :]  # (N, K)
    logp = -0.5 * z**2 - np.log(sd)[None, :] + np.log(w)[None, :]
    logp -= logp.max(axis=1, keepdims=True)
    p = np.exp(logp)
    return p / p.sum(axis=1, keepdims=True)


class DataTransformer:
    """fit(frame) learns the per-column encodings; transform / inverse_transform convert both ways."""

    def __init__(self, config: TransformerConfig | None = None, discrete: tuple[str, ...] = ()) -> None:
        self.config = config or TransformerConfig()
        self.discrete = tuple(discrete)

    # ------------------------------------------------------------------ fit
    def fit(self, frame: pd.DataFrame, seed: int = 0) -> DataTransformer:
        self.columns_: list[ColumnInfo] = []
        for i, name in enumerate(frame.columns):
            s = frame[name]
            dtype = _dtype_of(s)
            if self._is_discrete(s, dtype, name):
                self.columns_.append(self._fit_discrete(s, dtype, name))
            else:
                self.columns_.append(self._fit_continuous(s, dtype, name, seed + i))
        self.spans_ = self._spans()
        self.dim_ = sum(c.width for c in self.columns_)
        return self

    def _is_discrete(self, s: pd.Series, dtype: str, name: str) -> bool:
        if name in self.discrete or dtype in ("bool", "category", "object"):
            return True
        return dtype == "int" and s.nunique(dropna=True) <= self.config.max_levels

    def _fit_discrete(self, s: pd.Series, dtype: str, name: str) -> ColumnInfo:
        import pandas as pd

        values = s.astype(object).where(s.notna(), None)
        counts = pd.Series(values.map(_native)).value_counts(dropna=False)
        floor = self.config.min_count if dtype in ("object", "category") else 1
        top = counts[counts >= floor].iloc[: self.config.max_categories]
        cats = [None if (isinstance(v, float) and np.isnan(v)) else v for v in top.index.tolist()]
        ns = [int(n) for n in top.to_numpy()]
        rest = int(counts.sum() - top.sum())
        if rest:
            cats.append(OTHER)
            ns.append(rest)
            log.info("%s: %d values, kept the %d most frequent + %r", name, len(counts), len(top), OTHER)
        return ColumnInfo(name, "discrete", dtype, categories=cats, counts=ns)

    def _fit_continuous(self, s: pd.Series, dtype: str, name: str, seed: int) -> ColumnInfo:
        x = to_numeric(s, dtype)
        ok = ~np.isnan(x)
        vals = x[ok] if ok.any() else np.zeros(1)
        means, stds, weights = _fit_mixture(vals, self.config, seed)
        tz = dtype == "datetime" and getattr(s.dt, "tz", None) is not None
        return ColumnInfo(
            name,
            "continuous",
            dtype,
            tz=tz,
            means=means,
            stds=stds,
            weights=weights,
            lo=float(vals.min()),
            hi=float(vals.max()),
            fill=float(vals.mean()),
            has_null=bool((~ok).any()),
        )

    def _spans(self) -> list[Span]:
        spans, start = [], 0
        for j, c in enumerate(self.columns_):
            if c.kind == "continuous":
                spans.append(Span(start, 1, "tanh", j, "alpha"))
                spans.append(Span(start + 1, len(c.means), "softmax", j, "mode"))
                if c.has_null:
                    spans.append(Span(start + 1 + len(c.means), 2, "softmax", j, "null"))
            else:
                spans.append(Span(start, len(c.categories), "softmax", j, "category"))
            start += c.width
        return spans

    # ------------------------------------------------------------------ encode
    def category_codes(self, frame: pd.DataFrame, info: ColumnInfo) -> np.ndarray:
        """Indices into ``info.categories`` of a discrete column (unknown and rare values -> OTHER)."""
        lookup = {v: i for i, v in enumerate(info.categories)}
        other = lookup.get(OTHER, lookup.get(None, 0))
        s = frame[info.name].astype(object)
        return np.fromiter(
            (lookup.get(_native(v), other) for v in s.where(s.notna(), None)), np.int64, len(s)
        )

    def transform(self, frame: pd.DataFrame, seed: int = 0) -> np.ndarray:
        """(N, dim_) float32; a value's mixture mode is drawn from its posterior with ``seed``."""
        rng = np.random.default_rng(seed)
        out = np.zeros((len(frame), self.dim_), dtype=np.float32)
        start = 0
        rows = np.arange(len(frame))
        for c in self.columns_:
            if c.kind == "discrete":
                out[rows, start + self.category_codes(frame, c)] = 1.0
            else:
                x = to_numeric(frame[c.name], c.dtype)
                null = np.isnan(x)
                x = np.where(null, c.fill, x)
                post = mode_posterior(x, c)  # (N, K)
                k = (post.cumsum(axis=1) < rng.random(len(x))[:, None]).sum(axis=1).clip(0, len(c.means) - 1)
                mu, sd = np.asarray(c.means)[k], np.asarray(c.stds)[k]
                out[:, start] = np.clip((x - mu) / (4 * sd), -0.99, 0.99)
                out[rows, start + 1 + k] = 1.0
                if c.has_null:
                    out[rows, start + 1 + len(c.means) + null.astype(np.int64)] = 1.0
            start += c.width
        return out

    # ------------------------------------------------------------------ decode
    def inverse_transform(self, data: np.ndarray) -> pd.DataFrame:
        """Generated (N, dim_) rows (one-hot spans may be soft: argmax is taken) -> a frame."""
        import pandas as pd

        cols: dict[str, Any] = {}
        start = 0
        for c in self.columns_:
            block = data[:, start : start + c.width]
            cols[c.name] = (
                self._decode_discrete(block, c) if c.kind == "discrete" else self._decode_cont(block, c)
            )
            start += c.width
        return pd.DataFrame(cols)

    def _decode_discrete(self, block: np.ndarray, c: ColumnInfo) -> pd.Series:
        import pandas as pd

        values = np.asarray(c.categories, dtype=object)[block.argmax(axis=1)]
        s = pd.Series(values, dtype=object)
        if c.dtype == "bool" and OTHER not in c.categories and None not in c.categories:
            return s.astype(bool)
        if c.dtype == "int" and OTHER not in c.categories and None not in c.categories:
            return s.astype("int64")
        if c.dtype == "category":
            return s.astype("category")
        return s

    def _decode_cont(self, block: np.ndarray, c: ColumnInfo) -> pd.Series:
        import pandas as pd

        k = block[:, 1 : 1 + len(c.means)].argmax(axis=1)
        x = np.clip(block[:, 0], -1, 1) * 4 * np.asarray(c.stds)[k] + np.asarray(c.means)[k]
        x = np.clip(x, c.lo, c.hi)
        null = block[:, 1 + len(c.means) :].argmax(axis=1) == 1 if c.has_null else np.zeros(len(x), bool)
        if c.dtype == "datetime":
            stamps = pd.to_datetime(np.round(x).astype("int64"), unit="s")
            s = pd.Series(stamps.tz_localize("UTC") if c.tz else stamps)
            return s.mask(null)
        if c.dtype == "int":
            x = np.round(x)
            return pd.Series(x).mask(null).astype("Int64" if c.has_null else "int64")
        return pd.Series(x).mask(null)

    # ------------------------------------------------------------------ state
    def to_dict(self) -> dict[str, Any]:
        return {
            "config": asdict(self.config),
            "discrete": list(self.discrete),
            "columns": [asdict(c) for c in self.columns_],
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> DataTransformer:
        self = cls(TransformerConfig(**state["config"]), tuple(state["discrete"]))
        self.columns_ = [ColumnInfo(**c) for c in state["columns"]]
        self.spans_ = self._spans()
        self.dim_ = sum(c.width for c in self.columns_)
        return self
