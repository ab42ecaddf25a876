"""How good and how private a synthetic table is, compared with the real one.

- **Column shapes**: per column 1 − KS statistic (numbers, datetimes) or 1 − total variation
  distance ½ Σ|p − q| (categories; missing is a category). 1 = identical marginals.
- **Column pairs**: two numeric columns: 1 − |ρ_real − ρ_synth| / 2 (Pearson); a pair with a
  category: 1 − TVD of the two joint distributions, numbers cut into 5 bins at the real quantiles.
- **Quality score** = mean(column-shape mean, column-pair mean) (the SDMetrics convention).
- **ML utility**: a gradient-boosted classifier trained on synthetic rows and tested on a real
  held-out split (AUC, F1 of the minority class), beside the same model trained on the real
  training rows. The synthesizer must have been fitted on the real training rows only.
- **Privacy**: share of synthetic rows that are exact copies of a real training row; distance
  to the closest real record (DCR; numbers min-max scaled on the real rows, categories one-hot),
  beside the DCR of real held-out rows (a synthetic row should be no closer than a fresh real one).

Column kinds follow the synthesizer's rule: text, categories, booleans and integers with at most
``max_levels`` distinct values are categories; everything else is numeric.
"""

from __future__ import annotations

import hashlib
import logging
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- column kinds and values
def is_numeric(s: pd.Series, max_levels: int = 20) -> bool:
    import pandas as pd

    if pd.api.types.is_bool_dtype(s) or not (
        pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s)
    ):
        return False
    if pd.api.types.is_datetime64_any_dtype(s):
        return True
    vals = s.dropna().to_numpy(dtype=float)
    integral = bool(len(vals)) and bool(np.all(np.mod(vals, 1) == 0))
    return not (integral and len(np.unique(vals)) <= max_levels)


def numeric_values(s: pd.Series) -> np.ndarray:
    """Numbers as float64, datetimes as seconds since the epoch (missing dropped)."""
    from shopmind.synth.transform import to_numeric

    dtype = "datetime" if _is_datetime(s) else "float"
    x = to_numeric(s, dtype)
    return x[~np.isnan(x)]


def _is_datetime(s: pd.Series) -> bool:
    import pandas as pd

    return pd.api.types.is_datetime64_any_dtype(s)


def category_strings(s: pd.Series) -> np.ndarray:
    """Values as canonical strings ("3" for 3 and 3.0, "True" for True and "True", "<NA>" for missing)."""

    def canon(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return "<NA>"
        if isinstance(v, bool | np.bool_):
            return str(bool(v))
        if isinstance(v, int | float | np.integer | np.floating):
            return format(float(v), ".9g")
        return str(v)

    return np.array([canon(v) for v in s.astype(object).where(s.notna(), None)], dtype=object)


# ---------------------------------------------------------------------------- fidelity
def _ks_score(r: pd.Series, s: pd.Series) -> float:
    from scipy.stats import ks_2samp

    a, b = numeric_values(r), numeric_values(s)
    return 1.0 - float(ks_2samp(a, b).statistic) if len(a) and len(b) else 0.0


def _tv_score(r: np.ndarray, s: np.ndarray) -> float:
    import pandas as pd

    p = pd.Series(r).value_counts(normalize=True)
    q = pd.Series(s).value_counts(normalize=True)
    p, q = p.align(q, fill_value=0.0)
    return 1.0 - 0.5 * float(np.abs(p - q).sum())


def column_shapes(real: pd.DataFrame, synth: pd.DataFrame, max_levels: int = 20) -> dict[str, float]:
    """Per column: 1 − KS (numeric) or 1 − TVD (categorical)."""
    out = {}
    for col in real.columns:
        if is_numeric(real[col], max_levels):
            out[col] = _ks_score(real[col], synth[col])
        else:
            out[col] = _tv_score(category_strings(real[col]), category_strings(synth[col]))
    return out


def _binned(real: pd.Series, other: pd.Series, bins: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Both columns as bin labels, cut at the real column's quantiles (missing = its own bin)."""
    from shopmind.synth.transform import to_numeric

    dtype = "datetime" if _is_datetime(real) else "float"
    r, o = to_numeric(real, dtype), to_numeric(other, dtype)
    edges = np.unique(np.nanquantile(r, np.linspace(0, 1, bins + 1)[1:-1])) if np.isfinite(r).any() else []
    lab = lambda x: np.where(np.isnan(x), -1, np.searchsorted(edges, x, side="right"))  # noqa: E731
    return lab(r).astype(str).astype(object), lab(o).astype(str).astype(object)


def column_pairs(real: pd.DataFrame, synth: pd.DataFrame, max_levels: int = 20) -> dict[str, float]:
    """Per pair of columns: correlation similarity (two numbers) or contingency similarity."""
    numeric = {c: is_numeric(real[c], max_levels) for c in real.columns}
    as_cat = {}
    for c in real.columns:
        if numeric[c]:
            as_cat[c] = _binned(real[c], synth[c])
        else:
            as_cat[c] = (category_strings(real[c]), category_strings(synth[c]))
    out = {}
    for a, b in combinations(real.columns, 2):
        if numeric[a] and numeric[b]:
            out[f"{a}|{b}"] = _corr_score(real[[a, b]], synth[[a, b]])
        else:
            (ra, sa), (rb, sb) = as_cat[a], as_cat[b]
            out[f"{a}|{b}"] = _tv_score(ra + "\x1f" + rb, sa + "\x1f" + sb)
    return out


def _corr_score(r: pd.DataFrame, s: pd.DataFrame) -> float:
    def rho(df: pd.DataFrame) -> float:
        from shopmind.synth.transform import to_numeric

        x, y = (to_numeric(df[c], "datetime" if _is_datetime(df[c]) else "float") for c in df.columns)
        ok = ~(np.isnan(x) | np.isnan(y))
        if ok.sum() < 3 or x[ok].std() == 0 or y[ok].std() == 0:
            return 0.0
        return float(np.corrcoef(x[ok], y[ok])[0, 1])

    return 1.0 - abs(rho(r) - rho(s)) / 2


# ---------------------------------------------------------------------------- utility
def _features(frames: list[pd.DataFrame], label: str, max_levels: int) -> list[np.ndarray]:
    """The frames' non-label columns as one aligned numeric matrix each (categories one-hot)."""
    import pandas as pd

    ref = frames[0]
    parts: list[list[np.ndarray]] = [[] for _ in frames]
    for col in ref.columns:
        if col == label:
            continue
        if is_numeric(ref[col], max_levels):
            for i, f in enumerate(frames):
                parts[i].append(_num_with_nan(f[col])[:, None])
        else:
            cats = pd.Index(pd.unique(category_strings(ref[col])))
            for i, f in enumerate(frames):
                codes = cats.get_indexer(category_strings(f[col]))
                onehot = np.zeros((len(f), len(cats)), dtype=np.float32)
                hit = codes >= 0
                onehot[np.nonzero(hit)[0], codes[hit]] = 1.0
                parts[i].append(onehot)
    return [np.hstack(p).astype(np.float64) for p in parts]


def _num_with_nan(s: pd.Series) -> np.ndarray:
    from shopmind.synth.transform import to_numeric

    return to_numeric(s, "datetime" if _is_datetime(s) else "float")


def ml_utility(
    train: pd.DataFrame,
    test: pd.DataFrame,
    synth: pd.DataFrame,
    label: str,
    max_levels: int = 20,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """AUC and F1 (of the real training set's minority class) on ``test`` for a model trained on
    ``train`` (real) and one trained on ``synth``; HistGradientBoostingClassifier with fixed seed."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import f1_score, roc_auc_score

    y = {k: category_strings(f[label]) for k, f in (("train", train), ("test", test), ("synth", synth))}
    values, counts = np.unique(y["train"], return_counts=True)
    positive = values[counts.argmin()]
    x_train, x_test, x_synth = _features([train, test, synth], label, max_levels)
    out = {}
    for name, x, yy in (("real", x_train, y["train"]), ("synthetic", x_synth, y["synth"])):
        target = (yy == positive).astype(int)
        if target.min() == target.max():  # a synthetic set with one class cannot be trained on
            out[name] = {"auc": 0.5, "f1": 0.0}
            continue
        clf = HistGradientBoostingClassifier(max_iter=200, random_state=seed).fit(x, target)
        truth = (y["test"] == positive).astype(int)
        proba = clf.predict_proba(x_test)[:, 1]
        out[name] = {"auc": float(roc_auc_score(truth, proba)), "f1": float(f1_score(truth, proba >= 0.5))}
    out["positive"] = {"label": str(positive)}
    return out


# ---------------------------------------------------------------------------- privacy
def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash per row of the canonical values (int64); equal rows get equal hashes."""
    cols = [category_strings(frame[c]) for c in frame.columns]
    keys = ["\x1f".join(vals) for vals in zip(*cols, strict=True)] if cols else []
    return np.array(
        [
            int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "little", signed=True)
            for k in keys
        ],
        dtype=np.int64,
    )


def exact_copy_share(real: pd.DataFrame, synth: pd.DataFrame) -> float:
    """Share of synthetic rows equal (on every column, canonical values) to some real row."""
    if not len(synth):
        return 0.0
    return float(np.isin(row_hashes(synth[real.columns]), row_hashes(real)).mean())


def dcr(
    real: pd.DataFrame, others: list[pd.DataFrame], max_levels: int = 20, max_rows: int = 5000, seed: int = 0
) -> list[np.ndarray]:
    """Distance of each row of each frame in ``others`` (at most ``max_rows``, sampled) to the
    closest row of ``real``: Euclidean on min-max scaled numbers and one-hot categories (÷ √2, so
    one differing category counts 1)."""
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(seed)
    others = [o.iloc[rng.choice(len(o), max_rows, replace=False)] if len(o) > max_rows else o for o in others]
    mats = _features([real, *others], label="", max_levels=max_levels)
    lo, hi = np.nanmin(mats[0], axis=0), np.nanmax(mats[0], axis=0)
    scale = np.where(hi > lo, hi - lo, 1.0)
    mats = [np.nan_to_num((m - lo) / scale, nan=-1.0) for m in mats]
    nn = NearestNeighbors(n_neighbors=1).fit(mats[0])
    return [nn.kneighbors(m)[0][:, 0] for m in mats[1:]]


def privacy(
    train: pd.DataFrame, synth: pd.DataFrame, holdout: pd.DataFrame | None = None
) -> dict[str, float]:
    out = {"exact_copy_share": exact_copy_share(train, synth)}
    frames = [synth] + ([holdout] if holdout is not None else [])
    dists = dcr(train, frames)
    out["dcr_median"] = float(np.median(dists[0]))
    out["dcr_p05"] = float(np.quantile(dists[0], 0.05))
    if holdout is not None:
        out["holdout_dcr_median"] = float(np.median(dists[1]))
        out["holdout_dcr_p05"] = float(np.quantile(dists[1], 0.05))
    return out


# ---------------------------------------------------------------------------- the report
def evaluate(
    train: pd.DataFrame,
    synth: pd.DataFrame,
    *,
    test: pd.DataFrame | None = None,
    label: str | None = None,
    max_levels: int = 20,
) -> dict[str, Any]:
    """The whole report as a JSON-able dict (``test`` adds the DCR baseline, with ``label`` ML utility)."""
    missing = [c for c in train.columns if c not in synth.columns]
    if missing:
        raise ValueError(f"the synthetic table lacks columns {missing}")
    synth = synth[list(train.columns)]
    shapes = column_shapes(train, synth, max_levels)
    pairs = column_pairs(train, synth, max_levels)
    shape, pair = float(np.mean(list(shapes.values()))), float(np.mean(list(pairs.values()) or [1.0]))
    report: dict[str, Any] = {
        "rows": {"real": len(train), "synthetic": len(synth)},
        "quality_score": (shape + pair) / 2,
        "column_shapes": shape,
        "column_pairs": pair,
        "per_column": shapes,
        "privacy": privacy(train, synth, test),
    }
    if label is not None and test is not None:
        report["ml_utility"] = ml_utility(train, test, synth, label, max_levels)
    return report
